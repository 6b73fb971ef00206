import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Message } from '@chatchat/protocol';
import { httpClient, RawClient, sdkClient, startTestServer, waitFor, type TestServer } from '@chatchat/server/testing';
import { createQueueWorker } from '../src/features/attachments/jobs/queue-worker.js';
import { imageJobKind } from '../src/features/attachments/attachment-service.js';
import { createLogger } from '../src/logger.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

describe('a worker killed during a thumbnail job', () => {
  let server: TestServer;
  const secret = 'test-secret-0123456789abcdef';
  beforeAll(async () => {
    // No worker role here: the job waits for the child process.
    server = await startTestServer({ ROLE: 'api,gateway', JWT_SECRET: secret });
  });
  afterAll(() => server.close());

  it('leaves the job leased, and the next worker finishes it once the lease runs out', async () => {
    const http = httpClient(server.url);
    const alice = await http.signup();
    const bob = await http.signup();
    const room = await http.createRoom(alice.accessToken, 'crash', [bob.user.id]);
    const bytes = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#357' } })
      .png()
      .toBuffer();
    const id = await sdkClient(server.url, alice.accessToken).upload(new Blob([new Uint8Array(bytes)], { type: 'image/png' }), {
      roomId: room.id,
      name: 'p.png',
    });
    const { client: bobWs } = await RawClient.hello(server.wsUrl, bob.accessToken);
    const { client: aliceWs } = await RawClient.hello(server.wsUrl, alice.accessToken);
    try {
      const sent = await aliceWs.request('message.send', { roomId: room.id, clientMsgId: 'crash-1', attachments: [id] });

      const child = spawn(process.execPath, ['--import', tsx, path.join(here, 'fixtures/stalling-worker.ts')], {
        env: {
          ...process.env,
          DATA_DIR: server.dataDir,
          JWT_SECRET: secret,
          ROLE: 'worker',
          JOB_LEASE_MS: '60000',
          MIGRATE_ON_START: 'false',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      await waitFor(() => out.includes(`leased ${id}`), { what: 'the child to lease the job', timeoutMs: 60_000 });
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;

      // Killed mid-job: not done, not lost.
      expect(await server.store.getJob(imageJobKind, id)).toMatchObject({ state: 'queued', attempts: 1 });
      // Within the dead worker's lease nobody takes it again.
      const now = { now: () => new Date(), nowIso: () => new Date().toISOString() };
      const early = createQueueWorker({
        store: server.store,
        clock: now,
        log: createLogger({ level: 'silent' }),
        leaseMs: 60_000,
        handlers: { [imageJobKind]: (job) => server.services.attachments.processImage(job) },
      });
      expect(await early.runOne()).toBe(false);

      // The next worker, its clock past the lease.
      const later = { now: () => new Date(Date.now() + 61_000), nowIso: () => new Date(Date.now() + 61_000).toISOString() };
      const next = createQueueWorker({
        store: server.store,
        clock: later,
        log: createLogger({ level: 'silent' }),
        leaseMs: 60_000,
        handlers: { [imageJobKind]: (job) => server.services.attachments.processImage(job) },
      });
      expect(await next.runOne()).toBe(true);
      expect(await server.store.getJob(imageJobKind, id)).toMatchObject({ state: 'done', attempts: 2 });
      const updated = await bobWs.waitForEvent('message.updated', (d) => d.message.id === sent.message.id);
      expect(updated.message.attachments![0]!.variants).toEqual(['thumb320', 'thumb1280']);
      // Done once in effect: nothing is due any more.
      expect(await next.runOne()).toBe(false);
      const history = await http.call('GET', `/api/v1/rooms/${room.id}/messages`, undefined, bob.accessToken);
      expect(history.body.messages.filter((m: Message) => m.id === sent.message.id)).toHaveLength(1);
    } finally {
      bobWs.close();
      aliceWs.close();
    }
  }, 120_000);
});
