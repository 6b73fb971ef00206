import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, httpClient, RawClient } from '@chatchat/server/testing';

/**
 * A room whose read windows carry more pointers than READ_COALESCE_READERS waits longer for its
 * next `room.read` (bounded receipts in big rooms). Scaled down here: two pointers per window.
 */
let server: TestServer;
let http: ReturnType<typeof httpClient>;
const open: RawClient[] = [];

async function device(token: string, readers?: string[]) {
  const { client } = await RawClient.hello(server.wsUrl, token, readers);
  open.push(client);
  return client;
}

beforeAll(async () => {
  server = await startTestServer({ READ_COALESCE_MS: '300', READ_COALESCE_READERS: '2' });
  http = httpClient(server.url);
});
afterAll(async () => {
  for (const c of open) c.close();
  await server.close();
});

describe('read receipts in a room whose windows are stretched', () => {
  it("still move the reader's own other devices at once", async () => {
    const [a, b, c, x] = await Promise.all([http.signup(), http.signup(), http.signup(), http.signup()]);
    const room = await http.createRoom(a.accessToken, 'Busy readers', [b.user.id, c.user.id, x.user.id]);
    const [da, db, dc, x1, x2] = await Promise.all([a, b, c, x, x].map((u) => device(u.accessToken, [room.id])));
    for (let i = 1; i <= 3; i++) await da!.request('message.send', { roomId: room.id, body: `m${i}`, clientMsgId: `m${i}` });

    // Three pointers in one window: over the two allowed, so the next window is 450 ms long.
    await Promise.all([db!, dc!, x1!].map((d) => d.request('room.read', { roomId: room.id, seq: 1 })));
    await x2!.waitForEvent('room.read', (e) => e.reads.length === 3);

    // b opens the stretched window; then x reads on one device.
    await db!.request('room.read', { roomId: room.id, seq: 2 });
    await x1!.request('room.read', { roomId: room.id, seq: 3 });
    const mine = await x2!.waitForEvent('room.read', (e) => e.reads.some((r) => r.userId === x.user.id && r.seq === 3));
    // Its own pointer alone, ahead of the window that carries b's too.
    expect(mine.reads).toEqual([{ userId: x.user.id, seq: 3 }]);
    // Everyone else still gets both in the stretched window's one event.
    const batch = await dc!.waitForEvent('room.read', (e) => e.reads.some((r) => r.seq === 3));
    expect(batch.reads).toEqual(
      expect.arrayContaining([
        { userId: b.user.id, seq: 2 },
        { userId: x.user.id, seq: 3 },
      ]),
    );
  });
});
