import { describe, expect, it } from 'vitest';
import { singleFlight, type Flight } from './single-flight.js';

describe('singleFlight', () => {
  it('joins a run that has not started yet (one run serves both) and frees the key', async () => {
    const runs = new Map<string, Flight>();
    let calls = 0;
    const task = async () => {
      calls++;
    };
    const a = singleFlight(runs, 'k', task);
    expect(singleFlight(runs, 'k', task)).toBe(a);
    await a;
    expect(calls).toBe(1);
    expect(runs.has('k')).toBe(false);
  });

  it('a call just as the task ends still gets its own run (work queued at the tail is not left behind)', async () => {
    const runs = new Map<string, Flight>();
    const queue = [1];
    const done: number[] = [];
    const task = async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        done.push(item);
        await Promise.resolve();
      }
      // The caller queues more right after the task saw an empty queue, before the run is over.
      if (done.length === 1) {
        queue.push(2);
        void singleFlight(runs, 'k', task);
      }
    };
    await singleFlight(runs, 'k', task);
    expect(done).toEqual([1, 2]);
  });

  it('frees the key even when the task has nothing to do and returns at once', async () => {
    const runs = new Map<string, Flight>();
    await singleFlight(runs, 'k', async () => {});
    expect(runs.has('k')).toBe(false);
    let ran = false;
    await singleFlight(runs, 'k', async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });

  it('frees the key when the task fails, and passes the failure on', async () => {
    const runs = new Map<string, Flight>();
    await expect(
      singleFlight(runs, 'k', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(runs.has('k')).toBe(false);
  });
});
