import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { AuthResponse, Message, Room } from '@chatchat/protocol';
import {
  httpClient,
  RawClient,
  sdkClient,
  startS3Server,
  startTestServer,
  waitFor,
  type TestS3Server,
  type TestServer,
} from '@chatchat/server/testing';
import type { Clock } from '../src/ports/clock.js';

/** A clock tests move by hand: TTLs and link expiry without waiting real time. */
function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    nowIso: () => new Date(Date.now() + offset).toISOString(),
    advance(ms) {
      offset += ms;
    },
  };
}

const png = (width = 640, height = 480) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 60 } } })
    .png()
    .toBuffer();
const jpegWithGps = () =>
  sharp({ create: { width: 300, height: 200, channels: 3, background: '#0a0' } })
    .jpeg()
    .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '37/1 30/1 0/1' } })
    .toBuffer();
// An ELF header: an executable whatever its name says.
const elf = () => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4000, 1)]);

for (const kind of ['local', 's3'] as const) {
  describe(`attachments on the ${kind} blob store`, () => {
    let s3: TestS3Server | undefined;
    let server: TestServer;
    let http: ReturnType<typeof httpClient>;
    const clock = movableClock();
    let alice: AuthResponse;
    let bob: AuthResponse;
    let carol: AuthResponse;
    let room: Room;
    let otherRoom: Room;
    const sockets: RawClient[] = [];

    beforeAll(async () => {
      if (kind === 's3') s3 = await startS3Server();
      server = await startTestServer({ ...(s3?.env ?? {}), JOB_POLL_MS: '20' }, { clock });
      http = httpClient(server.url);
      [alice, bob, carol] = [await http.signup(), await http.signup(), await http.signup()];
      room = await http.createRoom(alice.accessToken, 'files', [bob.user.id]);
      otherRoom = await http.createRoom(alice.accessToken, 'other', [carol.user.id]);
    });
    afterAll(async () => {
      for (const s of sockets) s.close();
      await server.close();
      await s3?.close();
    });

    const hello = async (user: AuthResponse) => {
      const { client } = await RawClient.hello(server.wsUrl, user.accessToken);
      sockets.push(client);
      return client;
    };
    const upload = (
      user: AuthResponse,
      data: Buffer,
      type: string,
      opts: {
        roomId?: string;
        purpose?: 'message' | 'avatar';
        name?: string;
        onProgress?: (p: { loaded: number; total: number }) => void;
      } = {},
    ) =>
      sdkClient(server.url, user.accessToken).upload(new Blob([new Uint8Array(data)], { type }), {
        roomId: opts.purpose === 'avatar' ? undefined : (opts.roomId ?? room.id),
        purpose: opts.purpose,
        name: opts.name ?? 'file.bin',
        onProgress: opts.onProgress,
      });
    /** GET with the token; follows an S3 redirect without the token, as a browser would. */
    const download = async (user: AuthResponse | null, id: string, query = '', headers: Record<string, string> = {}) => {
      const res = await fetch(`${server.url}/api/v1/attachments/${id}${query}`, {
        headers: { ...(user ? { authorization: `Bearer ${user.accessToken}` } : {}), ...headers },
        redirect: 'manual',
      });
      if (res.status === 302) {
        const direct = await fetch(res.headers.get('location')!, { headers });
        return { first: res, res: direct, bytes: Buffer.from(await direct.arrayBuffer()) };
      }
      return { first: res, res, bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const send = async (client: RawClient, data: { roomId: string; body?: string; attachments?: string[] }) =>
      client.call('message.send', { clientMsgId: `c-${Math.random()}`, ...data });
    /**
     * The message once its thumbnails are made: live as message.updated, or already on the
     * sent message when the job beat the send (the send re-reads its uploads for that).
     */
    const withVariants = async (ws: RawClient, sent: Message): Promise<Message> => {
      if (sent.attachments![0]!.variants.length > 0) return sent;
      const updated = await ws.waitForEvent(
        'message.updated',
        (d) => d.message.id === sent.id && d.message.attachments![0]!.variants.length > 0,
        15_000,
      );
      return updated.message;
    };

    it('uploads with progress, sends, delivers dimensions and placeholder live, then thumbnails live; members download, others do not', async () => {
      const bytes = await png();
      const progress: number[] = [];
      const id = await upload(alice, bytes, 'image/png', { name: 'photo.png', onProgress: (p) => progress.push(p.loaded) });
      expect(progress.at(-1)).toBe(bytes.length);

      const bobWs = await hello(bob);
      const aliceWs = await hello(alice);
      const reply = await send(aliceWs, { roomId: room.id, attachments: [id] });
      expect(reply.ok).toBe(true);
      const sent = (reply as { data: { message: Message } }).data.message;
      expect(sent.kind).toBe('file');

      const created = await bobWs.waitForEvent('message.created', (d) => d.message.id === sent.id);
      const a = created.message.attachments![0]!;
      expect(a).toMatchObject({
        id,
        name: 'photo.png',
        contentType: 'image/png',
        width: 640,
        height: 480,
        url: `/api/v1/attachments/${id}`,
      });
      expect(a.placeholder).toMatch(/^[A-Za-z0-9+/=]{10,}$/);

      const updated = await withVariants(bobWs, created.message);
      expect(updated.attachments![0]!.variants).toEqual(['thumb320', 'thumb1280']);

      const original = await download(bob, id);
      expect(original.res.status).toBe(200);
      expect((await sharp(original.bytes).metadata()).width).toBe(640);
      expect(original.first.headers.get('x-content-type-options')).toBe('nosniff');
      expect(original.first.headers.get('content-security-policy')).toContain('sandbox');
      const thumb = await download(bob, id, '?variant=thumb320');
      const meta = await sharp(thumb.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', 320, 240]);

      expect((await download(carol, id)).first.status).toBe(404);
      expect((await download(null, id)).first.status).toBe(401);

      // History carries the same attachments.
      const history = await http.call('GET', `/api/v1/rooms/${room.id}/messages`, undefined, bob.accessToken);
      expect(history.body.messages.find((m: Message) => m.id === sent.id).attachments[0].variants).toEqual(['thumb320', 'thumb1280']);
    });

    it('sends files through the SDK outbox: text optional, stored once, seen live by the room', async () => {
      const id = await upload(alice, await png(64, 48), 'image/png', { name: 'small.png' });
      const bobWs = await hello(bob);
      const client = sdkClient(server.url, alice.accessToken);
      try {
        await client.connect();
        const sent = await client.send(room.id, '', { attachments: [id] });
        expect(sent.kind).toBe('file');
        expect(sent.attachments!.map((a) => a.id)).toEqual([id]);
        const live = await bobWs.waitForEvent('message.created', (d) => d.message.id === sent.id);
        expect(live.message.body).toBe('');
        // Neither text nor files is refused before anything goes out.
        await expect(client.send(room.id, '')).rejects.toMatchObject({ code: 'invalid' });
      } finally {
        client.close();
      }
    });

    it('strips EXIF (GPS) from what it serves', async () => {
      const bytes = await jpegWithGps();
      expect((await sharp(bytes).metadata()).exif).toBeDefined();
      const id = await upload(alice, bytes, 'image/jpeg', { name: 'where.jpg' });
      const bobWs = await hello(bob);
      const aliceWs = await hello(alice);
      const reply = await send(aliceWs, { roomId: room.id, body: 'look', attachments: [id] });
      await withVariants(bobWs, (reply as { data: { message: Message } }).data.message);
      const got = await download(bob, id);
      expect(got.res.status).toBe(200);
      const meta = await sharp(got.bytes).metadata();
      expect(meta.format).toBe('jpeg');
      expect(meta.exif).toBeUndefined();
    });

    it('refuses bad upload requests with clear codes', async () => {
      const ask = (body: Record<string, unknown>, user = alice) =>
        http.call(
          'POST',
          '/api/v1/uploads',
          { purpose: 'message', roomId: room.id, name: 'a.png', contentType: 'image/png', size: 10, ...body },
          user.accessToken,
        );
      expect(await ask({ size: 26 * 1024 * 1024 })).toMatchObject({ status: 413, body: { error: { code: 'too_large' } } });
      expect(await ask({ contentType: 'application/x-msdownload' })).toMatchObject({
        status: 415,
        body: { error: { code: 'unsupported_type' } },
      });
      expect(await ask({ size: 0 })).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
      for (const name of ['../etc/passwd', 'a\\b.png', 'evil\u202Egnp.exe', 'bell\u0007.txt', 'x'.repeat(1000), '..']) {
        expect(await ask({ name }), name).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
      }
      expect(await ask({}, carol)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
      expect(await ask({ roomId: undefined })).toMatchObject({ status: 400 });
      expect(
        (await http.call('POST', '/api/v1/uploads', { purpose: 'message', roomId: room.id, name: 'a', contentType: 'image/png', size: 1 }))
          .status,
      ).toBe(401);
    });

    it('refuses bytes beyond the declared size and leaves nothing behind', async () => {
      const created = await http.call(
        'POST',
        '/api/v1/uploads',
        { purpose: 'message', roomId: room.id, name: 'a.txt', contentType: 'text/plain', size: 10 },
        alice.accessToken,
      );
      expect(created.status).toBe(201);
      const { upload: u, transfer } = created.body;
      const body = Buffer.alloc(100_000, 0x61);
      if (transfer.kind === 'put') {
        const res = await fetch(server.url + transfer.url, {
          method: 'PUT',
          headers: { authorization: `Bearer ${alice.accessToken}` },
          body: new Uint8Array(body),
        });
        expect(res.status).toBe(413);
        expect((await res.json()).error.code).toBe('too_large');
      } else {
        await postForm(transfer, 'text/plain', body);
      }
      const done = await http.call('POST', `/api/v1/uploads/${u.id}/complete`, undefined, alice.accessToken);
      // Local: never stored (409, no bytes). S3: s3rver does not enforce the POST policy, so the stored size is checked on complete.
      expect(done.status).toBe(kind === 'local' ? 409 : 413);
      expect((await http.call('POST', `/api/v1/uploads/${u.id}/complete`, undefined, alice.accessToken)).status).toBe(409);
      // Cleanly retryable with the right bytes.
      await sendBytes(transfer, 'text/plain', Buffer.from('0123456789'));
      expect((await http.call('POST', `/api/v1/uploads/${u.id}/complete`, undefined, alice.accessToken)).body.upload.state).toBe(
        'complete',
      );
    });

    it('refuses and deletes a file whose bytes are another type than declared; a zero-length send is incomplete', async () => {
      const created = await http.call(
        'POST',
        '/api/v1/uploads',
        { purpose: 'message', roomId: room.id, name: 'cat.png', contentType: 'image/png', size: elf().length },
        alice.accessToken,
      );
      const { upload: u, transfer } = created.body;
      await sendBytes(transfer, 'image/png', elf());
      const done = await http.call('POST', `/api/v1/uploads/${u.id}/complete`, undefined, alice.accessToken);
      expect(done).toMatchObject({ status: 415, body: { error: { code: 'unsupported_type' } } });
      expect(done.body.error.message).toMatch(/elf/i);
      // The bytes are gone: completing again finds none.
      expect((await http.call('POST', `/api/v1/uploads/${u.id}/complete`, undefined, alice.accessToken)).status).toBe(409);
      const status = await http.call('GET', `/api/v1/uploads/${u.id}`, undefined, alice.accessToken);
      expect(status.body.upload.state).toBe('pending');
      expect(status.body.transfer).not.toBeNull();
    });

    it('lets only the uploader complete or attach, only to its room, only once', async () => {
      const id = await upload(alice, Buffer.from('hello'), 'text/plain', { name: 'a.txt' });
      expect((await http.call('POST', `/api/v1/uploads/${id}/complete`, undefined, bob.accessToken)).status).toBe(404);
      const bobWs = await hello(bob);
      const aliceWs = await hello(alice);
      expect(await send(bobWs, { roomId: room.id, attachments: [id] })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      expect(await send(aliceWs, { roomId: otherRoom.id, attachments: [id] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect((await send(aliceWs, { roomId: room.id, attachments: [id] })).ok).toBe(true);
      expect(await send(aliceWs, { roomId: room.id, attachments: [id] })).toMatchObject({ ok: false, error: { code: 'conflict' } });
      // A retried send (same clientMsgId) is the same message, not a second attach.
      const again = await upload(alice, Buffer.from('again'), 'text/plain');
      const first = await aliceWs.call('message.send', { roomId: room.id, clientMsgId: 'retry-1', attachments: [again] });
      const second = await aliceWs.call('message.send', { roomId: room.id, clientMsgId: 'retry-1', attachments: [again] });
      expect((second as { data: { message: Message } }).data.message).toEqual((first as { data: { message: Message } }).data.message);
      expect((await send(aliceWs, { roomId: room.id })).ok).toBe(false);
      expect(await send(aliceWs, { roomId: room.id, attachments: Array.from({ length: 11 }, (_, i) => `u${i}`) })).toMatchObject({
        ok: false,
        error: { code: 'invalid' },
      });
    });

    it('stops serving a member who left the room', async () => {
      const dave = await http.signup();
      const r = await http.createRoom(alice.accessToken, 'leaving', [dave.user.id]);
      const id = await upload(alice, Buffer.from('secret'), 'text/plain', { roomId: r.id, name: 's.txt' });
      const aliceWs = await hello(alice);
      expect((await send(aliceWs, { roomId: r.id, attachments: [id] })).ok).toBe(true);
      const ok = await download(dave, id);
      expect(ok.res.status).toBe(200);
      expect(ok.first.headers.get('content-disposition')).toMatch(/^attachment; filename="s.txt"/);
      expect(ok.bytes.toString()).toBe('secret');
      expect((await http.call('DELETE', `/api/v1/rooms/${r.id}/members/me`, undefined, dave.accessToken)).status).toBe(204);
      expect((await download(dave, id)).first.status).toBe(404);
    });

    it('serves SVG as a file, never inline', async () => {
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
      const id = await upload(alice, svg, 'image/svg+xml', { name: 'x.svg' });
      const got = await download(alice, id);
      expect(got.first.headers.get('content-disposition')).toMatch(/^attachment;/);
      if (kind === 'local') expect(got.res.headers.get('content-type')).toBe('application/octet-stream');
    });

    it('keeps a corrupt image as a plain file: the job fails cleanly', async () => {
      const corrupt = Buffer.concat([(await png()).subarray(0, 60), Buffer.alloc(500, 7)]);
      const id = await upload(alice, corrupt, 'image/png', { name: 'broken.png' });
      const info = await http.call('GET', `/api/v1/uploads/${id}`, undefined, alice.accessToken);
      expect(info.body.upload.attachment.width).toBeUndefined();
      const job = await waitFor(
        async () => {
          const j = await server.store.getJob('image-variants', id);
          return j?.state === 'failed' ? j : undefined;
        },
        { what: 'the job to fail' },
      );
      expect(job.attempts).toBe(1);
      expect(job.lastError).toMatch(/did not decode/);
      const got = await download(alice, id);
      expect(got.res.status).toBe(200);
      expect(got.first.headers.get('content-disposition')).toMatch(/^attachment;/);
    });

    it('changes the avatar live, makes avatar sizes, lets any signed-in user see it', async () => {
      const bobWs = await hello(bob);
      const id = await upload(alice, await png(400, 400), 'image/png', { purpose: 'avatar', name: 'me.png' });
      const patched = await http.call('PATCH', '/api/v1/me', { avatarUploadId: id }, alice.accessToken);
      expect(patched.status).toBe(200);
      expect(patched.body.user.avatarUrl).toMatch(new RegExp(`^/api/v1/attachments/${id}`));
      await bobWs.waitForEvent(
        'user.updated',
        (d) => d.user.id === alice.user.id && d.user.avatarUrl === `/api/v1/attachments/${id}?variant=avatar256`,
        10_000,
      );
      const stranger = await http.signup();
      const got = await download(stranger, id, '?variant=avatar256');
      expect(got.res.status).toBe(200);
      expect((await sharp(got.bytes).metadata()).width).toBe(256);
      expect((await http.call('PATCH', '/api/v1/me', { avatarUploadId: id }, bob.accessToken)).status).toBe(404);
    });

    it('signed links work without a token until they expire', async () => {
      const id = await upload(alice, Buffer.from('linked'), 'text/plain', { name: 'l.txt' });
      const link = await http.call('GET', `/api/v1/attachments/${id}/link`, undefined, alice.accessToken);
      expect(link.status).toBe(200);
      expect(link.body.url).not.toMatch(/token|Bearer/i);
      const res = await fetch(server.url + link.body.url, { redirect: 'follow' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('linked');
      const forged = link.body.url.replace(/sig=[^&]+/, 'sig=AAAA');
      expect((await fetch(server.url + forged)).status).toBe(403);
      clock.advance(10 * 60_000);
      try {
        expect((await fetch(server.url + link.body.url)).status).toBe(403);
        if (kind === 's3') {
          // The presigned GET made now was signed in the past (the moved clock): S3 refuses it.
          const r = await fetch(`${server.url}/api/v1/attachments/${id}`, {
            headers: { authorization: `Bearer ${alice.accessToken}` },
            redirect: 'manual',
          });
          const location = r.headers.get('location')!;
          clock.advance(-20 * 60_000);
          const stale = await fetch(`${server.url}/api/v1/attachments/${id}`, {
            headers: { authorization: `Bearer ${alice.accessToken}` },
            redirect: 'manual',
          });
          clock.advance(10 * 60_000);
          expect((await fetch(stale.headers.get('location')!)).status).toBe(403);
          expect((await fetch(location)).status).toBe(200);
        }
      } finally {
        clock.advance(-10 * 60_000);
      }
    });

    it('removes orphan uploads after the TTL and files of deleted messages after the grace period', async () => {
      const orphan = await upload(alice, Buffer.from('orphan'), 'text/plain');
      const kept = await upload(alice, Buffer.from('kept'), 'text/plain');
      const aliceWs = await hello(alice);
      const reply = await send(aliceWs, { roomId: room.id, attachments: [kept] });
      const messageId = (reply as { data: { message: Message } }).data.message.id;
      const del = await aliceWs.call('message.delete', { messageId });
      expect((del as { data: { message: Message } }).data.message.attachments).toBeUndefined();
      expect((await download(bob, kept)).first.status).toBe(404);

      const before = (await http.call('GET', '/api/v1/uploads/usage', undefined, alice.accessToken)).body.usedBytes as number;
      clock.advance(30 * 60_000);
      await server.services.attachments.sweep();
      expect(await server.store.getUpload(orphan)).toBeDefined();
      expect(await server.store.getUpload(kept)).toBeDefined();
      clock.advance(24 * 3600_000);
      try {
        await server.services.attachments.sweep();
        expect(await server.store.getUpload(orphan)).toBeUndefined();
        expect(await server.store.getUpload(kept)).toBeUndefined();
        // A day later the test's access token has expired (tokens follow the same clock).
        const after = (await server.services.attachments.usage(alice.user.id)).usedBytes;
        expect(before - after).toBeGreaterThanOrEqual('orphan'.length + 'kept'.length);
      } finally {
        clock.advance(-(24 * 3600_000 + 30 * 60_000));
      }
    });

    if (kind === 'local') {
      it('serves byte ranges', async () => {
        const id = await upload(alice, Buffer.from('0123456789abcdef'), 'text/plain');
        const part = await download(alice, id, '', { range: 'bytes=4-7' });
        expect(part.res.status).toBe(206);
        expect(part.res.headers.get('content-range')).toBe('bytes 4-7/16');
        expect(part.bytes.toString()).toBe('4567');
        expect((await download(alice, id, '', { range: 'bytes=-3' })).bytes.toString()).toBe('def');
        expect((await download(alice, id, '', { range: 'bytes=99-' })).res.status).toBe(416);
      });
    }

    if (kind === 's3') {
      it('answers 503 while S3 is down and the upload is retried once it is back', async () => {
        const data = Buffer.from('survives an outage');
        const created = await http.call(
          'POST',
          '/api/v1/uploads',
          { purpose: 'message', roomId: room.id, name: 'o.txt', contentType: 'text/plain', size: data.length },
          alice.accessToken,
        );
        await s3!.stop();
        try {
          await expect(postForm(created.body.transfer, 'text/plain', data)).rejects.toThrow();
          const done = await http.call('POST', `/api/v1/uploads/${created.body.upload.id}/complete`, undefined, alice.accessToken);
          expect(done).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
        } finally {
          await s3!.start();
        }
        const retry = await http.call('GET', `/api/v1/uploads/${created.body.upload.id}`, undefined, alice.accessToken);
        await postForm(retry.body.transfer, 'text/plain', data);
        const done = await http.call('POST', `/api/v1/uploads/${created.body.upload.id}/complete`, undefined, alice.accessToken);
        expect(done.body.upload.state).toBe('complete');
      });
    }

    async function sendBytes(transfer: any, type: string, data: Buffer) {
      if (transfer.kind === 'put') {
        const res = await fetch(server.url + transfer.url, {
          method: 'PUT',
          headers: { authorization: `Bearer ${alice.accessToken}` },
          body: new Uint8Array(data),
        });
        expect(res.status).toBe(200);
      } else {
        await postForm(transfer, type, data);
      }
    }
  });
}

async function postForm(transfer: { url: string; fields: Record<string, string> }, type: string, data: Buffer) {
  const form = new FormData();
  for (const [k, v] of Object.entries(transfer.fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(data)], { type }));
  const res = await fetch(transfer.url, { method: 'POST', body: form });
  if (res.status >= 300) throw new Error(`POST to S3 failed: ${res.status} ${await res.text()}`);
}
