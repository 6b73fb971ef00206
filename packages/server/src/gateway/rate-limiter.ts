/** Token bucket: `ratePerSec` sustained, `burst` at once. */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSec);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** After a refused `take`: how long until the bucket holds a token again. */
  msUntilToken(): number {
    return Math.ceil(((1 - this.tokens) / this.ratePerSec) * 1000);
  }
}
