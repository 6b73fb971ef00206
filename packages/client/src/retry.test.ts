import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';
import { ChatClientError } from './chat-client-error.js';
import { retry, type RetryDecision } from './retry.js';

function harness(decisions: RetryDecision[], random = () => 0.999999) {
  const slept: number[] = [];
  let calls = 0;
  const task = async () => {
    const decision = decisions[calls++];
    if (decision === undefined) return calls;
    throw new Error(decision);
  };
  const run = retry(task, {
    backoff: createBackoff({ initialMs: 100, maxMs: 1000, random }),
    maxAttempts: 3,
    decide: (err) => (err as Error).message as RetryDecision,
    sleep: async (ms) => {
      slept.push(ms);
    },
  });
  return { run, slept, calls: () => calls };
}

describe('retry', () => {
  it('waits the backoff between failures and returns the first success', async () => {
    const h = harness(['backoff', 'backoff']);
    await expect(h.run).resolves.toBe(3);
    expect(h.slept).toEqual([100, 200]);
  });

  it('waits the slot a refusal names (retryAfterMs) instead of a blind delay', async () => {
    const slept: number[] = [];
    let calls = 0;
    const run = retry(
      async () => {
        if (calls++ === 0) throw new ChatClientError('rate_limited', 'slow down', undefined, 700);
        return calls;
      },
      {
        backoff: createBackoff({ initialMs: 100, maxMs: 1000, random: () => 0 }),
        maxAttempts: 3,
        decide: () => 'backoff',
        sleep: async (ms) => {
          slept.push(ms);
        },
      },
    );
    await expect(run).resolves.toBe(2);
    expect(slept).toEqual([700]);
  });

  it('draws every delay from the jittered window', async () => {
    const h = harness(['backoff', 'backoff'], () => 0.5);
    await h.run;
    expect(h.slept).toEqual([50, 100]);
  });

  it('gives up after maxAttempts counted failures with the last error', async () => {
    const h = harness(['backoff', 'backoff', 'backoff', 'backoff']);
    await expect(h.run).rejects.toThrow('backoff');
    expect(h.calls()).toBe(3);
    expect(h.slept).toHaveLength(2);
  });

  it('retries `again` at once without counting it', async () => {
    const h = harness(['again', 'backoff', 'again', 'again', 'backoff']);
    await expect(h.run).resolves.toBe(6);
    expect(h.slept).toEqual([100, 200]);
  });

  it('fails at once on `fail`', async () => {
    const h = harness(['fail']);
    await expect(h.run).rejects.toThrow('fail');
    expect(h.calls()).toBe(1);
  });
});
