import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createReadCoalescer } from './read-coalescer.js';

describe('read coalescer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function record() {
    const flushes: Array<{ at: number; reads: number }> = [];
    const coalescer = createReadCoalescer({
      windowMs: 250,
      readersPerWindow: 100,
      publish: (_roomId, reads) => flushes.push({ at: Date.now(), reads: reads.length }),
    });
    return { flushes, coalescer };
  }
  const everyoneReads = (c: ReturnType<typeof record>['coalescer'], readers: number, seq: number) => {
    for (let u = 0; u < readers; u++) c.add('room', `u${u}`, seq);
  };

  it('flushes a room of up to readersPerWindow readers every window, newest pointer per reader', () => {
    const { flushes, coalescer } = record();
    const t0 = Date.now();
    for (let seq = 1; seq <= 8; seq++) {
      everyoneReads(coalescer, 100, seq);
      vi.advanceTimersByTime(125);
    }
    expect(flushes.map((f) => f.at - t0)).toEqual([250, 500, 750, 1000]);
    expect(flushes.every((f) => f.reads === 100)).toBe(true);
  });

  it('stretches the next window of a room whose readers outnumber readersPerWindow, bounding pointers per second', () => {
    const { flushes, coalescer } = record();
    const t0 = Date.now();
    // 5,000 readers moving every 50 ms for 60 s: without the stretch, 4 flushes of 5,000 a second.
    for (let seq = 1; seq <= 1200; seq++) {
      everyoneReads(coalescer, 5000, seq);
      vi.advanceTimersByTime(50);
    }
    expect(flushes[0]).toEqual({ at: t0 + 250, reads: 5000 });
    // Then every 250 ms × 5,000 / 100 = 12.5 s.
    expect(flushes.slice(1).map((f) => f.at - t0)).toEqual([12_750, 25_250, 37_750, 50_250]);
    const pointersPerSec = flushes.reduce((a, f) => a + f.reads, 0) / 60;
    expect(pointersPerSec).toBeLessThanOrEqual((100 / 0.25) * 1.25);
  });

  it('goes back to the plain window once a window holds readersPerWindow or fewer', () => {
    const { flushes, coalescer } = record();
    const t0 = Date.now();
    everyoneReads(coalescer, 1000, 1);
    vi.advanceTimersByTime(250);
    // The next window is 2.5 s long; a quiet room's next read after it waits 250 ms again.
    coalescer.add('room', 'u1', 2);
    vi.advanceTimersByTime(2500);
    coalescer.add('room', 'u1', 3);
    vi.advanceTimersByTime(250);
    expect(flushes.map((f) => [f.at - t0, f.reads])).toEqual([
      [250, 1000],
      [2750, 1],
      [3000, 1],
    ]);
  });
});
