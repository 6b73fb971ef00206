import { describe, expect, it } from 'vitest';
import { metric, scrapeMetrics, useSdkServer, waitFor } from '@chatchat/server/testing';

// A real per-user rate limit that one device can spend, refilling at one request a second: a
// reconnect soon after the budget is spent is refused for sure.
const env = useSdkServer({ RATE_LIMIT_OPS_PER_SEC: '1', RATE_LIMIT_BURST: '20' });

const rateLimited = async (op: string) =>
  metric(await scrapeMetrics(env.server.url), 'chatchat_ws_ops_total', `op="${op}",outcome="rate_limited"`);

describe('resync after a reconnect', () => {
  it('retries what the rate limit refused, after the slot the refusal names', async () => {
    const t = await env.fourUsers();
    const { proxy, url } = await env.proxy();
    const roaming = await env.connect(t.d, url);
    const m = await t.a1.send(t.room.id, 'react while I am away');
    await waitFor(() => roaming.messages(t.room.id).some((x) => x.id === m.id), { what: 'the message on the roaming device' });

    proxy.cut();
    await waitFor(() => roaming.status !== 'connected', { what: 'roaming offline' });
    await t.b1.react(m.id, '👍');
    // Reaction events are coalesced for a moment: once another device has it, the roaming one missed it.
    await waitFor(() => t.d1.reactions(t.room.id, m.id)[0]?.count === 1, { what: 'the reaction delivered' });
    // D's other device spends the budget D's devices share, so the reconnect's reaction refresh
    // is refused; it spends each new token until the server has refused that refresh once.
    const spend = () => t.d1.request('ping', {}).catch(() => undefined);
    await Promise.all(Array.from({ length: 25 }, spend));
    const refusedBefore = await rateLimited('reaction.counts');
    let connects = 0;
    roaming.on('connected', () => connects++);
    proxy.resume();
    await waitFor(
      async () => {
        await spend();
        return (await rateLimited('reaction.counts')) > refusedBefore;
      },
      { what: 'the refresh refused', timeoutMs: 10_000, intervalMs: 0 },
    );

    // The retry, after the slot the refusal named (a token a second), brings the count: no
    // second reconnect happens.
    await waitFor(() => roaming.reactions(t.room.id, m.id)[0]?.count === 1, { what: 'the count after the refusal', timeoutMs: 10_000 });
    expect(connects).toBe(1);
    expect(roaming.reactions(t.room.id, m.id)).toEqual([{ emoji: '👍', count: 1, me: false }]);
  });

  it('tells a refused request when the budget has room again', async () => {
    const t = await env.fourUsers();
    const results = await Promise.all(
      Array.from({ length: 25 }, () =>
        t.a1.request('ping', {}).then(
          () => undefined,
          (err: { code?: string; retryAfterMs?: number }) => err,
        ),
      ),
    );
    const refusals = results.filter((r) => r !== undefined);
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) {
      expect(r.code).toBe('rate_limited');
      // One token a second: at most a second away.
      expect(r.retryAfterMs).toBeGreaterThan(0);
      expect(r.retryAfterMs).toBeLessThanOrEqual(1000);
    }
  });
});
