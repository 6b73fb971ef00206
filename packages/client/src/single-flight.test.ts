import { describe, expect, it } from 'vitest';
import { singleFlight } from './single-flight.js';

describe('singleFlight', () => {
  it('joins a running task and frees the key when it ends', async () => {
    const runs = new Map<string, Promise<void>>();
    let calls = 0;
    let release!: () => void;
    const task = () => new Promise<void>((r) => { calls++; release = r; });
    const a = singleFlight(runs, 'k', task);
    expect(singleFlight(runs, 'k', task)).toBe(a);
    await Promise.resolve();
    release();
    await a;
    expect(calls).toBe(1);
    expect(runs.has('k')).toBe(false);
  });

  it('frees the key even when the task has nothing to do and returns at once', async () => {
    const runs = new Map<string, Promise<void>>();
    await singleFlight(runs, 'k', async () => {});
    expect(runs.has('k')).toBe(false);
    let ran = false;
    await singleFlight(runs, 'k', async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });

  it('frees the key when the task fails, and passes the failure on', async () => {
    const runs = new Map<string, Promise<void>>();
    await expect(singleFlight(runs, 'k', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(runs.has('k')).toBe(false);
  });
});
