import { afterEach, describe, expect, it } from 'vitest';
import type { ChatClient } from '@chatchat/client';
import type { AuthResponse, Room } from '@chatchat/protocol';
import { RawClient, runCli, startCluster, type Cluster, httpClient, sdkClient, waitFor } from '@chatchat/server/testing';

/**
 * The scale-out deployment for real: separate api and gateway processes on PostgreSQL and
 * Redis behind a balancer. Each test starts its own cluster (fresh database, fresh Redis
 * prefix) because several of them kill processes. Faults under traffic (kill -9, Redis and
 * PostgreSQL restarts, latency, partitions) are the fault suite's: test/fault/.
 */
let cluster: Cluster;
let http: ReturnType<typeof httpClient>;
let clients: ChatClient[] = [];

const seqs = (c: ChatClient, roomId: string) => c.messages(roomId).map((m) => m.seq);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function client(user: AuthResponse, url: string) {
  const c = sdkClient(url, user.accessToken);
  clients.push(c);
  return c;
}
async function connected(user: AuthResponse, url: string) {
  const c = client(user, url);
  await c.connect();
  return c;
}

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await cluster?.close();
});

async function setup(env: Record<string, string> = {}) {
  cluster = await startCluster({ env });
  http = httpClient(cluster.url);
}

describe('scale-out cluster', () => {
  it('shows an announcement in the next hello on every gateway once that gateway has heard of it', async () => {
    await setup();
    const g2 = cluster.gateways[1]!;
    const wsUrl = `${g2.url.replace(/^http/, 'ws')}/ws`;
    const [boss, watcher, late] = await Promise.all([http.signup(), http.signup(), http.signup()]);
    await runCli(['admin', 'create', boss.user.username], cluster.env);
    // A hello on gateway 2 reads (and keeps) the announcements before the post.
    const { client: w, snapshot: first } = await RawClient.hello(wsUrl, watcher.accessToken);
    expect(first.announcements).toEqual([]);
    const posted = await http.call('POST', '/api/v1/announcements', { body: 'across the cluster' }, boss.accessToken);
    expect(posted.status).toBe(201);
    await w.waitForEvent('announcement.created', (e) => e.announcement.body === 'across the cluster');
    const { client: l, snapshot } = await RawClient.hello(wsUrl, late.accessToken);
    expect(snapshot.announcements.map((a) => a.body)).toEqual(['across the cluster']);
    w.close();
    l.close();
  });

  it('keeps clients on different gateways in sync: messages, reads, presence, profiles, notices, members', async () => {
    await setup();
    const [g1, g2] = cluster.gateways as [Cluster['gateways'][0], Cluster['gateways'][0]];
    const [a, b, c, d] = await Promise.all([http.signup(), http.signup(), http.signup(), http.signup()]);
    const room: Room = await http.createRoom(a.accessToken, 'Across', [b.user.id, c.user.id]);
    const ca = await connected(a, g1.url);
    const cb = await connected(b, g2.url);
    const cc = await connected(c, g2.url);
    // Each shows the room: pointers, profiles and presence of its members, live from here on.
    for (const x of [ca, cb, cc]) await x.loadReaders(room.id);
    await waitFor(() => ca.presence(b.user.id)?.online && cb.presence(a.user.id)?.online, { what: 'presence across gateways' });

    const m1 = await ca.send(room.id, 'from gateway 1');
    const m2 = await cb.send(room.id, 'from gateway 2');
    for (const x of [ca, cb, cc]) await waitFor(() => seqs(x, room.id).join() === `${m1.seq},${m2.seq}`, { what: 'messages across' });

    await cc.markRead(room.id, m2.seq);
    await waitFor(() => ca.readCount(room.id, m2.seq) === 1, { what: 'read count across gateways' });

    await http.call('PATCH', '/api/v1/me', { displayName: 'Bee' }, b.accessToken);
    await waitFor(() => ca.user(b.user.id)?.displayName === 'Bee', { what: 'profile across' });

    await http.call('POST', `/api/v1/rooms/${room.id}/notices`, { body: 'across notice' }, a.accessToken);
    await waitFor(() => cb.room(room.id)?.notice?.body === 'across notice', { what: 'notice across' });

    const cd = await connected(d, g1.url);
    // A room c keeps, for a marker on c's own path after the kick.
    const markerRoom: Room = await http.createRoom(d.accessToken, 'Marker', [c.user.id]);
    await waitFor(() => cc.room(markerRoom.id), { what: 'marker room on c' });
    const deliveredToC: string[] = [];
    cc.on('message.created', ({ message }) => deliveredToC.push(message.id));
    await http.call('POST', `/api/v1/rooms/${room.id}/members`, { userIds: [d.user.id] }, b.accessToken);
    await waitFor(() => cd.room(room.id) && cc.readers(room.id)?.some((m) => m.userId === d.user.id), { what: 'member joined across' });
    await http.call('DELETE', `/api/v1/rooms/${room.id}/members/${c.user.id}`, undefined, a.accessToken);
    await waitFor(() => !cc.room(room.id) && !ca.readers(room.id)?.some((m) => m.userId === c.user.id), { what: 'kick across' });
    const after = await cd.send(room.id, 'after the kick');
    const marker = await cd.send(markerRoom.id, 'marker after the kick');
    await waitFor(() => seqs(cb, room.id).includes(after.seq), { what: 'the message reaches members' });
    // Every event the gateway writes to c is recorded (the SDK's state would drop the room's anyway);
    // the marker, sent later by the same sender, proves anything for c before it has arrived.
    await waitFor(() => deliveredToC.includes(marker.id), { what: 'marker reaches c' });
    expect(deliveredToC).not.toContain(after.id);

    cb.close();
    await waitFor(() => ca.presence(b.user.id)?.online === false, { what: 'offline across' });
  }, 60_000);

  it('assigns gap-free seqs to concurrent senders on different processes', async () => {
    await setup();
    const [g1, g2] = cluster.gateways as [Cluster['gateways'][0], Cluster['gateways'][0]];
    const [a, b] = await Promise.all([http.signup(), http.signup()]);
    const room = await http.createRoom(a.accessToken, 'Race', [b.user.id]);
    const ca = await connected(a, g1.url);
    const cb = await connected(b, g2.url);
    const sends: Promise<{ seq: number }>[] = [];
    for (let i = 0; i < 100; i++) {
      sends.push(ca.send(room.id, `a${i}`), cb.send(room.id, `b${i}`));
      sends.push(
        http
          .call('POST', `/api/v1/rooms/${room.id}/messages`, { body: `h${i}`, clientMsgId: `h${i}` }, a.accessToken)
          .then((r) => r.body.message),
      );
    }
    const acked = (await Promise.all(sends)).map((m) => m.seq).sort((x, y) => x - y);
    expect(acked).toEqual(range(300));
    for (const x of [ca, cb]) await waitFor(() => seqs(x, room.id).length === 300, { what: 'all 300 everywhere', timeoutMs: 15_000 });
    expect(seqs(ca, room.id)).toEqual(range(300));
  }, 60_000);

  it('takes the users of a dead gateway offline within the presence TTL', async () => {
    await setup({ PRESENCE_TTL_MS: '1500' });
    const [g1, g2] = cluster.gateways as [Cluster['gateways'][0], Cluster['gateways'][0]];
    const [a, w] = await Promise.all([http.signup(), http.signup()]);
    await http.createRoom(a.accessToken, 'Ttl', [w.user.id]);
    const watcher = await connected(w, g2.url);
    const victim = client(a, g1.url);
    await victim.connect();
    await waitFor(() => watcher.presence(a.user.id)?.online, { what: 'a online' });
    const killedAt = Date.now();
    g1.kill('SIGKILL');
    await waitFor(() => watcher.presence(a.user.id)?.online === false, { what: 'a offline after kill -9', timeoutMs: 10_000 });
    // TTL 1.5 s, reaped every TTL/3 by the surviving gateway; slack for a loaded machine.
    expect(Date.now() - killedAt).toBeLessThan(1500 * 3);
  }, 60_000);

  it('loses nothing in a SIGTERM rolling restart of every gateway under traffic', async () => {
    await setup({ DRAIN_TIMEOUT_MS: '5000' });
    const [a, b] = await Promise.all([http.signup(), http.signup()]);
    const room = await http.createRoom(a.accessToken, 'Rolling', [b.user.id]);
    const sender = await connected(a, cluster.url);
    const receivers = [await connected(b, cluster.url), await connected(b, cluster.url)];
    const reconnects: number[] = [];
    for (const r of [sender, ...receivers]) r.on('disconnected', (info) => reconnects.push(info.code));

    let sending = true;
    const acked: number[] = [];
    const traffic = (async () => {
      for (let i = 0; sending && i < 2000; i++) {
        acked.push((await sender.send(room.id, `r${i}`)).seq);
      }
    })();
    const old = [...cluster.gateways];
    for (const [i, gateway] of old.entries()) {
      await cluster.startGateway(`gateway-new-${i + 1}`);
      gateway.kill('SIGTERM');
      const exit = await gateway.exited;
      expect(exit.code).toBe(0);
      cluster.lb.setGateways(cluster.gateways.filter((g) => !old.slice(0, i + 1).includes(g)).map((g) => ({ port: g.port })));
    }
    // Acknowledged by the new gateways only: counted from the moment the last old one exited.
    const ackedBeforeRestartEnded = acked.length;
    await waitFor(() => acked.length >= ackedBeforeRestartEnded + 20, { what: 'traffic after the restart' });
    sending = false;
    await traffic;
    expect(reconnects).toContain(4503);
    const sorted = [...acked].sort((x, y) => x - y);
    expect(sorted).toEqual(range(acked.length));
    for (const x of [sender, ...receivers]) {
      await waitFor(() => seqs(x, room.id).length === acked.length, { what: 'every acknowledged message', timeoutMs: 15_000 });
      expect(seqs(x, room.id)).toEqual(range(acked.length));
    }
  }, 90_000);
});
