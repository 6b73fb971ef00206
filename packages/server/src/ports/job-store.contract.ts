import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from './store.js';
import { useStoreFixture, type StoreUnderTest } from './store-contract/fixture.js';

const at = (s: number) => new Date(Date.parse('2030-01-01T00:00:00.000Z') + s * 1000).toISOString();

/**
 * The durable job queue of the Store (`JobStore`): the behaviour every adapter must show.
 * Over the Store contract's shared fixture; each test uses its own job kind.
 */
export function describeJobStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Job store contract: ${name}`, () => {
    const f = useStoreFixture(makeStore);
    let store: Store;
    beforeAll(() => {
      store = f.store;
    });
    const kind = () => `kind-${randomUUID().slice(0, 8)}`;
    const lease = (kinds: string[], owner: string, now: number, until = now + 60) =>
      store.leaseJob({ kinds, owner, now: at(now), leaseUntil: at(until) });

    it('enqueues a (kind, key) once and leases the oldest due job of the kinds asked for', async () => {
      const [k, other] = [kind(), kind()];
      expect(await store.enqueueJob({ kind: k, key: 'a', payload: { n: 1 }, now: at(10) })).toBe(true);
      expect(await store.enqueueJob({ kind: k, key: 'a', payload: { n: 9 }, now: at(11) })).toBe(false);
      expect(await store.enqueueJob({ kind: k, key: 'b', payload: { n: 2 }, now: at(12) })).toBe(true);
      expect(await store.enqueueJob({ kind: other, key: 'a', payload: null, now: at(5) })).toBe(true);
      expect(await lease([k], 'w1', 9)).toBeUndefined();
      expect(await lease([k], 'w1', 20)).toMatchObject({ kind: k, key: 'a', payload: { n: 1 }, attempts: 1, leaseOwner: 'w1' });
      expect(await lease([k], 'w2', 21)).toMatchObject({ key: 'b', payload: { n: 2 }, attempts: 1 });
      expect(await lease([k], 'w3', 22)).toBeUndefined();
      expect(await lease([], 'w3', 22)).toBeUndefined();
      expect(await store.getJob(k, 'a')).toEqual({ state: 'queued', attempts: 1, lastError: null });
      expect(await store.getJob(k, 'missing')).toBeUndefined();
    });

    it('gives an expired lease to another worker; only the holder may finish or fail it', async () => {
      const k = kind();
      await store.enqueueJob({ kind: k, key: 'x', payload: 'p', now: at(0) });
      const first = await lease([k], 'dead', 1, 10);
      expect(first?.attempts).toBe(1);
      expect(await lease([k], 'live', 5)).toBeUndefined();
      const second = await lease([k], 'live', 11, 100);
      expect(second).toMatchObject({ id: first!.id, attempts: 2, leaseOwner: 'live' });
      expect(await store.finishJob({ id: first!.id, owner: 'dead', now: at(12) })).toBe(false);
      expect(await store.failJob({ id: first!.id, owner: 'dead', error: 'late', retryAt: null, now: at(12) })).toBe(false);
      expect(await store.finishJob({ id: second!.id, owner: 'live', now: at(13) })).toBe(true);
      expect(await store.finishJob({ id: second!.id, owner: 'live', now: at(14) })).toBe(false);
      expect(await store.getJob(k, 'x')).toEqual({ state: 'done', attempts: 2, lastError: null });
      expect(await lease([k], 'live', 200)).toBeUndefined();
    });

    it('retries a failed job at its retry time and gives up when told to', async () => {
      const k = kind();
      await store.enqueueJob({ kind: k, key: 'r', payload: {}, now: at(0) });
      const job = await lease([k], 'w', 1);
      expect(await store.failJob({ id: job!.id, owner: 'w', error: 'boom', retryAt: at(30), now: at(2) })).toBe(true);
      expect(await store.getJob(k, 'r')).toEqual({ state: 'queued', attempts: 1, lastError: 'boom' });
      expect(await lease([k], 'w', 29)).toBeUndefined();
      const again = await lease([k], 'w', 30);
      expect(again?.attempts).toBe(2);
      expect(await store.failJob({ id: again!.id, owner: 'w', error: 'x'.repeat(5000), retryAt: null, now: at(31) })).toBe(true);
      const failed = await store.getJob(k, 'r');
      expect(failed).toMatchObject({ state: 'failed', attempts: 2 });
      expect(failed?.lastError).toHaveLength(1000);
      expect(await lease([k], 'w', 500)).toBeUndefined();
      const counts = await store.countJobs();
      expect(counts.failed).toBeGreaterThanOrEqual(1);
      expect(Object.keys(counts).sort()).toEqual(['done', 'failed', 'queued']);
    });

    it('never leases one job to two racing workers', async () => {
      const k = kind();
      const jobs = 6;
      for (let i = 0; i < jobs; i++) await store.enqueueJob({ kind: k, key: `j${i}`, payload: i, now: at(i) });
      const workers = [store, ...(await Promise.all([f.sut.openAnother?.(), f.sut.openAnother?.()]))].filter((s): s is Store => !!s);
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          workers[i % workers.length]!.leaseJob({ kinds: [k], owner: `w${i}`, now: at(100), leaseUntil: at(200) }),
        ),
      );
      const leased = results.filter((r) => r !== undefined);
      // Each job at most once; and with more workers than jobs, none left behind.
      expect(new Set(leased.map((r) => r.key)).size).toBe(leased.length);
      expect(leased.length).toBeGreaterThan(0);
      const rest = [];
      for (let next = await lease([k], 'late', 101); next; next = await lease([k], 'late', 101)) rest.push(next.key);
      expect([...leased.map((r) => r.key), ...rest].sort()).toEqual(Array.from({ length: jobs }, (_, i) => `j${i}`));
      for (const r of leased) expect((await store.getJob(k, r.key))?.attempts).toBe(1);
    });
  });
}
