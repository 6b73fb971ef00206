import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../../errors.js';

/** `Algorithm.Argon2id`; the package ships it as an ambient const enum, which isolated modules cannot read. */
const argon2id = 2;

export interface PasswordHasherOptions {
  /** Hashes running at once. argon2 runs on libuv's pool (4 threads by default), shared with HMAC and fs work. */
  concurrency: number;
  /** Waiting hashes beyond this are refused with `unavailable` instead of queueing without bound. */
  maxQueued: number;
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;

/**
 * argon2id (19 MiB, t=2: OWASP's baseline) behind a bounded semaphore, so a burst of
 * logins cannot take every pool thread from other requests: it waits, and past the
 * queue bound it is told to come back.
 */
export function createPasswordHasher({ concurrency, maxQueued }: PasswordHasherOptions) {
  let running = 0;
  const waiting: Array<() => void> = [];

  async function bounded<T>(work: () => Promise<T>): Promise<T> {
    if (running >= concurrency) {
      if (waiting.length >= maxQueued) throw new AppError('unavailable', 'server busy hashing passwords; retry shortly');
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else running++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter, so `running` only drops when none waits.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  /**
   * Verifying against this when the username does not exist makes a failed login take
   * the same time either way, so response timing does not tell whether a user exists.
   */
  let dummyHash: Promise<string> | undefined;

  const hashPassword = (password: string) => bounded(() => hash(password, { algorithm: argon2id }));
  return {
    hash: hashPassword,
    verify: (passwordHash: string, password: string) =>
      bounded(async () => {
        try {
          return await verify(passwordHash, password);
        } catch {
          return false;
        }
      }),
    dummyHash(): Promise<string> {
      dummyHash ??= hash('not-a-real-password-just-for-timing', { algorithm: argon2id });
      return dummyHash;
    },
    get queued() {
      return waiting.length;
    },
  };
}
