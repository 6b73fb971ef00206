/**
 * Upload benchmark: uploads/s and MB/s through the local blob store and S3 (s3rver) with
 * 1 MiB and 10 MiB files, thumbnail jobs/s on one worker core, and the server's RSS
 * while 50 uploads stream at once. The server runs as its own process (RSS is its own);
 * files are read from disk as Blobs, so nothing here holds them whole.
 *
 *   npm run bench:uploads [-- --quick]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openAsBlob, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { createHttpApi, uploadFile } from '../../../packages/client/src/index.js';
import { startS3Server } from '../../../packages/server/src/testing/s3-server.js';
import { createStore } from '../../../packages/server/src/adapters/store/index.js';
import { createLocalBlobStore } from '../../../packages/server/src/adapters/blobs/local-blob-store.js';
import { createAttachmentService } from '../../../packages/server/src/features/attachments/attachment-service.js';
import { createEventPublisher } from '../../../packages/server/src/realtime/event-publisher.js';
import { createMemoryHub } from '../../../packages/server/src/adapters/bus/memory-hub.js';
import { systemClock } from '../../../packages/server/src/ports/clock.js';
import { createLogger } from '../../../packages/server/src/logger.js';
import { loadConfig } from '../../../packages/server/src/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const quick = process.argv.includes('--quick');
const MiB = 1024 * 1024;
const work = mkdtempSync(path.join(os.tmpdir(), 'chatchat-upload-bench-'));

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(work, 'data-'));
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, path.join(root, 'packages/server/src/cli.ts'), 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ROLE: 'api',
      UPLOAD_QUOTA_BYTES: String(100 * 1024 * MiB),
      UPLOAD_RATE_PER_MIN: '100000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    async stop() {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

async function signupRoom(url: string) {
  const api = createHttpApi({ url });
  const auth = await api.signup({ username: `bench${Date.now().toString(36)}`, password: 'correct horse battery', displayName: 'bench' });
  const authed = createHttpApi({ url, getToken: () => auth.accessToken });
  const { room } = await authed.createRoom({ name: 'bench', memberIds: [] });
  return { api: authed, token: auth.accessToken, roomId: room.id };
}

function makeFile(size: number): string {
  const file = path.join(work, `file-${size}.txt`);
  writeFileSync(file, Buffer.alloc(size, 0x61));
  return file;
}

async function runUploads(url: string, file: string, count: number, concurrency: number) {
  const { api, token, roomId } = await signupRoom(url);
  const blob = await openAsBlob(file, { type: 'text/plain' });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await uploadFile({ api, url, getToken: () => token }, blob, { roomId, name: 'bench.txt' });
      }
    }),
  );
  const sec = (performance.now() - started) / 1000;
  return { count, sec, perSec: count / sec, mbPerSec: (count * blob.size) / MiB / sec };
}

async function throughput() {
  const rows: string[] = [];
  const s3 = await startS3Server('bench');
  try {
    for (const store of ['local', 's3'] as const) {
      const server = await startServer(store === 's3' ? s3.env : {});
      try {
        for (const size of [1 * MiB, 10 * MiB]) {
          const file = makeFile(size);
          const count = quick ? (size === MiB ? 20 : 6) : size === MiB ? 100 : 30;
          await runUploads(server.url, file, 2, 2); // warm-up
          const r = await runUploads(server.url, file, count, 4);
          rows.push(`| ${store} | ${size / MiB} MiB | ${r.count} | 4 | ${r.perSec.toFixed(1)} | ${r.mbPerSec.toFixed(1)} |`);
          console.log(rows.at(-1));
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await s3.close();
  }
  return rows;
}

async function rssUnderLoad() {
  const server = await startServer({});
  try {
    const file = makeFile(10 * MiB);
    const idle = rssOf(server.child.pid!);
    let peak = idle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(server.child.pid!));
    }, 25);
    const r = await runUploads(server.url, file, 50, 50);
    clearInterval(sampler);
    return { idle, peak, ...r };
  } finally {
    await server.stop();
  }
}

async function thumbnails() {
  sharp.concurrency(1);
  const dir = mkdtempSync(path.join(work, 'thumbs-'));
  const config = loadConfig({ DATA_DIR: dir, JWT_SECRET: 'bench-secret-0123456789abcdef' });
  const store = await createStore({ kind: 'sqlite', file: path.join(dir, 'db.sqlite') });
  await store.migrate();
  const blobs = createLocalBlobStore({ dir: path.join(dir, 'blobs') });
  const svc = createAttachmentService({
    config: config.uploads,
    store,
    blobs,
    clock: systemClock,
    log: createLogger({ level: 'silent' }),
    secret: config.jwtSecret,
    events: createEventPublisher({ bus: createMemoryHub().createBus() }),
  });
  const user = await store.createUser({ username: 'thumbs', displayName: 't', passwordHash: 'x', now: systemClock.nowIso() });
  const room = await store.createRoom({ kind: 'group', name: 'r', creatorId: user.id, memberIds: [], now: systemClock.nowIso() });
  const photo = await sharp({
    create: { width: 3000, height: 2000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .jpeg({ quality: 85 })
    .toBuffer();
  const n = quick ? 10 : 30;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { upload } = await svc.create(user.id, {
      purpose: 'message',
      roomId: room.id,
      name: 'p.jpg',
      contentType: 'image/jpeg',
      size: photo.length,
    });
    await blobs.put(`uploads/${user.id}/${upload.id}/original`, photo, { maxBytes: photo.length, contentType: 'image/jpeg' });
    await svc.complete(user.id, upload.id);
    ids.push(upload.id);
  }
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  for (const id of ids)
    await svc.processImage({
      id,
      kind: 'image-variants',
      key: id,
      payload: { uploadId: id },
      attempts: 1,
      leaseOwner: 'b',
      leaseUntil: '',
    });
  const sec = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await store.close();
  return { n, sec, perSec: n / sec, cpuSecPerJob: (cpu.user + cpu.system) / 1e6 / n, bytes: photo.length };
}

const t = await throughput();
const rss = await rssUnderLoad();
const th = await thumbnails();
rmSync(work, { recursive: true, force: true });

const report = `# Upload benchmark

Run: ${new Date().toISOString()} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}${quick ? ', --quick' : ''}.
The server is its own process (ROLE=api); the SDK's \`uploadFile\` sends files read from disk as Blobs.
Each upload is the whole flow: POST /uploads, the bytes (local: streamed PUT to the api; S3: presigned POST
straight to s3rver on 127.0.0.1), POST /complete (size check and magic-byte sniff). Text files, so no image work.

## Throughput (4 uploads in flight)

| store | file | uploads | in flight | uploads/s | MB/s |
|---|---|---|---|---|---|
${t.join('\n')}

## Server RSS while 50 uploads of 10 MiB stream at once (local store)

Idle ${(rss.idle / MiB).toFixed(0)} MiB, peak ${(rss.peak / MiB).toFixed(0)} MiB (sampled every 25 ms) while 500 MiB
passed through in ${rss.sec.toFixed(1)} s (${rss.mbPerSec.toFixed(0)} MB/s): bytes are streamed to disk, never held whole.

## Thumbnail jobs, one worker core

${th.n} JPEG photos of 3000×2000 (${(th.bytes / MiB).toFixed(1)} MiB each, noisy: worst case for the encoder), \`sharp.concurrency(1)\`:
${th.perSec.toFixed(2)} jobs/s, ${th.cpuSecPerJob.toFixed(2)} CPU-s per job. A job decodes the original once per output:
WebP 320 px and 1280 px, and the original re-encoded without metadata.
`;
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/uploads.md'), report);
console.log(report);
