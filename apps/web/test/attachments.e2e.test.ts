import { readFileSync } from 'node:fs';
import type { Page, Route } from 'playwright-core';
import sharp from 'sharp';
import type { Message } from '@chatchat/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startS3Server, type TestS3Server } from '@chatchat/server/testing';
import { messageLocator, openRoom, scrollSettled, startHarness, waitFor, type Harness } from './harness.js';
import { axeViolations } from './axe.js';

/** Attachments in the web app: the composer's tray, images and files in the list, avatars. */

// Real browsers on two shared cores: a scenario takes seconds, more when other files run beside it.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const maxUploadBytes = 3_000_000;
let h: Harness;
beforeAll(async () => {
  // Thumbnails made at once (the worker polls every 20 ms); a small size limit to hit.
  h = await startHarness({ JOB_POLL_MS: '20', UPLOAD_MAX_BYTES: String(maxUploadBytes) });
}, 120_000);
afterAll(() => h?.close());

/** Noise does not compress: a picture whose upload takes long enough to watch its progress. */
const noisyPng = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png()
    .toBuffer();
const flatPng = (width: number, height: number, color = '#2f9e44') =>
  sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer();

/** The article whose bubble holds this text (file names and sizes are in the bubble too). */
const rowWith = (page: Page, text: string) => page.locator('article', { has: page.locator('.bubble', { hasText: text }) });

/** Resolves when the image with this alt text has loaded real pixels. */
const thumbLoaded = (page: Page, alt: string) =>
  page.waitForFunction((name) => {
    const img = Array.from(document.querySelectorAll<HTMLImageElement>('img.att-thumb')).find((i) => i.alt === name);
    return img?.complete && img.naturalWidth > 0 ? img.naturalWidth : false;
  }, alt);

const boxOf = (page: Page, alt: string) =>
  page.evaluate((name) => {
    const box = Array.from(document.querySelectorAll('.att-image')).find(
      (b) => b.textContent === name || b.querySelector(`img[alt="${name}"]`),
    );
    const r = box?.getBoundingClientRect();
    return r ? { width: r.width, height: r.height } : null;
  }, alt);

const thumbRequest = /\/api\/v1\/attachments\/[^/?]+\?variant=thumb/;

describe('attachments in the web app', () => {
  it('A attaches an image (progress shown) and sends; B sees a box of the right shape with the placeholder, then the thumbnail; axe clean', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Pictures', [b]);
    // (An empty room's feed has no articles, which axe counts against a feed.)
    await (await h.sdk(a)).send(room.id, 'pictures follow');
    const [pa, pb] = [await h.open(a), await h.open(b)];
    await openRoom(pa, 'Pictures');
    await openRoom(pb, 'Pictures');

    // A slow uplink (through the debugger) so the progress bar is seen between 0 and the end.
    const picture = await noisyPng(400, 300);
    const cdp = await pa.context().newCDPSession(pa);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    await pa.getByLabel('Attach files').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: picture });
    const item = pa.locator('.tray-item', { hasText: 'photo.png' });
    await item.waitFor();
    await pa.waitForFunction(() => {
      const p = document.querySelector<HTMLProgressElement>('.tray-item progress');
      return p !== null && p.value > 0 && p.value < p.max;
    });
    expect(await pa.getByRole('progressbar', { name: 'Uploading photo.png' }).count()).toBe(1);
    expect(await pa.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await pa.locator('.tray-item[data-status="done"]').waitFor({ timeout: 30_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    expect(await axeViolations(pa)).toEqual([]);

    await pa.locator('#composer').fill('look at this');
    await pa.keyboard.press('Enter');
    await pa.locator('.tray-item').waitFor({ state: 'detached' });
    await rowWith(pa, 'look at this').waitFor();

    // B: the box has the picture's shape (400×300 scaled into 320 px) and the blur first.
    const row = rowWith(pb, 'look at this');
    await row.waitFor();
    const placeholder = row.getByTestId('placeholder');
    expect(await placeholder.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const box = await boxOf(pb, 'photo.png');
    expect(box!.width).toBeCloseTo(320, 0);
    expect(box!.height).toBeCloseTo(240, 0);
    expect(await thumbLoaded(pb, 'photo.png').then((r) => r.jsonValue())).toBe(320);
    expect(await boxOf(pb, 'photo.png')).toEqual(box);
    expect(await axeViolations(pb)).toEqual([]);

    // The full picture in a dialog; Escape closes it and focus returns to the picture.
    await row.getByRole('button', { name: 'photo.png' }).click();
    const dialog = pb.getByRole('dialog', { name: 'photo.png' });
    await dialog.waitFor();
    await pb.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('dialog[open] img.att-thumb');
      return (img?.naturalWidth ?? 0) > 0;
    });
    expect(await dialog.getByRole('link', { name: 'Download' }).getAttribute('href')).toMatch(/sig=/);
    expect(await axeViolations(pb)).toEqual([]);
    await pb.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await pb.waitForFunction(() => document.activeElement?.classList.contains('att-image'));
    expect(h.pageErrors).toEqual([]);
  });

  it('a thumbnail made after the send arrives live (message.updated) into the same box', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Live pictures', [b]);
    const pb = await h.open(b);
    await openRoom(pb, 'Live pictures');
    const bob = await h.sdk(b);
    const created: Message[] = [];
    bob.on('message.created', ({ message }) => void created.push(message));
    // Until the list shows the message, nothing of it: what B's page saw first is recorded.
    await pb.evaluate(() => {
      const w = window as unknown as { firstSeen?: { thumb: boolean; height: number } };
      const observer = new MutationObserver(() => {
        const box = document.querySelector('.att-image');
        if (!box || w.firstSeen) return;
        w.firstSeen = { thumb: box.querySelector('img.att-thumb') !== null, height: box.getBoundingClientRect().height };
        observer.disconnect();
      });
      observer.observe(document.body, { subtree: true, childList: true });
    });
    const alice = await h.sdk(a);
    const id = await alice.upload(new Blob([await flatPng(400, 800)], { type: 'image/png' }), { roomId: room.id, name: 'tall.png' });
    await alice.request('message.send', { roomId: room.id, clientMsgId: 'live-thumb-1', attachments: [id] });
    await waitFor(() => created.length === 1, { what: "B's message.created" });
    await thumbLoaded(pb, 'tall.png');
    const first = await pb.evaluate(() => (window as unknown as { firstSeen: { thumb: boolean; height: number } }).firstSeen);
    // 400×800 into 320 px high: 160 wide, the same box before and after the thumbnail.
    expect(first.height).toBeCloseTo(320, 0);
    expect(await boxOf(pb, 'tall.png')).toEqual({ width: 160, height: 320 });
    // The worker usually finishes after the send; when it did, the page started with the blur alone.
    if (created[0]!.attachments![0]!.variants.length === 0) expect(first.thumb).toBe(false);
  });

  it('B downloads a non-image file from its link; its size is written for people', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Files', [b]);
    const alice = await h.sdk(a);
    const text = 'meeting notes\n'.repeat(100);
    const id = await alice.upload(new Blob([text], { type: 'text/plain' }), { roomId: room.id, name: 'notes.txt' });
    await alice.request('message.send', { roomId: room.id, clientMsgId: 'file-1', body: 'the notes', attachments: [id] });
    const pb = await h.open(b);
    await openRoom(pb, 'Files');
    const row = rowWith(pb, 'the notes');
    await row.waitFor();
    const link = row.getByRole('link', { name: 'notes.txt' });
    expect(await row.locator('.att-file-size').textContent()).toBe('1.4 kB');
    await pb.waitForFunction(() => document.querySelector('.att-file a')?.getAttribute('href')?.includes('sig='));
    const [download] = await Promise.all([pb.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('notes.txt');
    expect(readFileSync(await download.path())).toEqual(Buffer.from(text));
    expect(await axeViolations(pb)).toEqual([]);
  });

  it('a disallowed or too large file shows the error in words (Korean here) and nothing is sent', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Strict', [b]);
    const bob = await h.sdk(b);
    const pa = await h.open(a, { locale: 'ko-KR' });
    await openRoom(pa, 'Strict');
    await pa.getByLabel('파일 첨부').setInputFiles([
      { name: 'tool.exe', mimeType: 'application/x-msdownload', buffer: Buffer.alloc(2000, 1) },
      { name: 'big.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(maxUploadBytes + 1, 1) },
    ]);
    await pa.getByRole('alert').filter({ hasText: '이 형식의 파일은 보낼 수 없습니다: tool.exe' }).waitFor();
    await pa.getByRole('alert').filter({ hasText: 'big.pdf 파일은 너무 커서 보낼 수 없습니다.' }).waitFor();
    // Refused files are not retried, and they hold the send back until removed.
    expect(
      await pa
        .locator('.tray-item')
        .getByRole('button', { name: /다시 올리기/ })
        .count(),
    ).toBe(0);
    await pa.locator('#composer').fill('with the bad files');
    await pa.keyboard.press('Enter');
    expect(await pa.getByRole('button', { name: '보내기', exact: true }).isDisabled()).toBe(true);
    await pa.getByRole('button', { name: 'tool.exe 빼기' }).click();
    await pa.getByRole('button', { name: 'big.pdf 빼기' }).click();
    await pa.locator('.tray-item').first().waitFor({ state: 'detached' });
    await pa.locator('#composer').fill('after the refusal');
    await pa.keyboard.press('Enter');
    await waitFor(() => bob.messages(room.id).some((m) => m.body === 'after the refusal'), { what: 'the marker message' });
    expect(bob.messages(room.id).map((m) => m.body)).toEqual(['after the refusal']);
    expect(bob.messages(room.id).some((m) => m.attachments?.length)).toBe(false);
  });

  it('an upload cut off by the network shows Retry; the retry uploads and the message goes out', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Flaky', [b]);
    const bob = await h.sdk(b);
    const pa = await h.open(a);
    await openRoom(pa, 'Flaky');
    const bytes = /\/api\/v1\/uploads\/[^/]+\/content$/;
    await pa.route(bytes, (route) => route.abort('connectionreset'));
    await pa
      .getByLabel('Attach files')
      .setInputFiles({ name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%fake\n') });
    await pa.getByRole('alert').filter({ hasText: 'report.pdf could not be uploaded. Check your connection and retry.' }).waitFor();
    expect(await pa.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await pa.unroute(bytes);
    await pa.getByRole('button', { name: 'Retry uploading report.pdf' }).click();
    await pa.locator('.tray-item[data-status="done"]').waitFor();
    await pa.getByRole('button', { name: 'Send' }).click();
    await waitFor(() => bob.messages(room.id).find((m) => m.attachments?.[0]?.name === 'report.pdf'), { what: 'the file message' });
    expect(bob.messages(room.id)).toHaveLength(1);
    expect(bob.messages(room.id)[0]!.body).toBe('');
    // A message of files alone is named by its file in the room list.
    await pa.locator('.room-item', { hasText: '📎 report.pdf' }).waitFor();
  });

  it('an avatar change shows live for B; the profile with the avatar upload is axe clean', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Faces', [b]);
    const alice = await h.sdk(a);
    await alice.send(room.id, 'hi from alice');
    const pb = await h.open(b);
    await openRoom(pb, 'Faces');
    const row = messageLocator(pb, 'hi from alice');
    await row.waitFor();
    expect(await row.locator('.avatar img').count()).toBe(0);

    const pa = await h.open(a, { path: '/profile' });
    await pa.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
    expect(await axeViolations(pa)).toEqual([]);
    await pa
      .getByLabel('Change photo')
      .setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: await flatPng(300, 300, '#c2255c') });
    // Resizing runs in the server's thread pool, which the rest of a full run keeps busy.
    await pa.getByRole('status').filter({ hasText: 'Profile photo updated.' }).waitFor({ timeout: 20_000 });
    await pa.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.avatar-upload .avatar img');
      return (img?.naturalWidth ?? 0) > 0;
    });
    expect(await axeViolations(pa)).toEqual([]);

    await pb.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('article .avatar img.avatar-img');
      return img?.complete === true && img.naturalWidth > 0;
    });
    // The 64 px version serves the list's 36 px avatar.
    expect(await row.locator('.avatar img').getAttribute('src')).toContain('variant=avatar64');
  });

  it('a reader scrolled up does not move when an image above loads', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Scroll pictures', [b]);
    const alice = await h.sdk(a);
    for (let i = 1; i <= 10; i++) await alice.send(room.id, `before ${i}`);
    const id = await alice.upload(new Blob([await flatPng(800, 600, '#1971c2')], { type: 'image/png' }), {
      roomId: room.id,
      name: 'wide.png',
    });
    await alice.request('message.send', { roomId: room.id, clientMsgId: 'scroll-1', attachments: [id] });
    for (let i = 1; i <= 40; i++) await alice.send(room.id, `after ${i}`);
    await waitFor(
      async () =>
        (await h.api<{ upload: { attachment: { variants: string[] } } }>(a, 'GET', `/api/v1/uploads/${id}`)).upload.attachment.variants
          .length === 2,
      { what: 'the thumbnails' },
    );
    await (await h.sdk(b)).markRead(room.id);

    const pb = await h.open(b, { viewport: { width: 1100, height: 650 } });
    // The thumbnail's bytes are held back until the reader is in place, then let through.
    const held: Route[] = [];
    await pb.route(thumbRequest, (route) => void held.push(route));
    await openRoom(pb, 'Scroll pictures');
    await messageLocator(pb, 'after 40').waitFor();
    const scroller = pb.getByTestId('message-scroller');
    // Up until the picture's box is in view with a message under it.
    for (let i = 0; i < 20; i++) {
      const seen = await pb.evaluate(() => {
        const view = document.querySelector('[data-testid="message-scroller"]')!.getBoundingClientRect();
        const box = document.querySelector('.att-image')?.getBoundingClientRect();
        return box !== undefined && box.top > view.top && box.bottom < view.bottom - 100;
      });
      if (seen) break;
      await scroller.evaluate((el) => el.scrollBy(0, -300));
      await pb.waitForFunction(() => {
        const el = document.querySelector('[data-testid="message-scroller"]')!;
        return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(el.scrollTop >= 0))));
      });
    }
    await waitFor(() => held.length > 0, { what: 'the thumbnail request' });
    const topOf = () =>
      pb.evaluate(() => {
        const el = Array.from(document.querySelectorAll('article .bubble')).find((b) => b.textContent === 'after 1');
        return el ? el.getBoundingClientRect().top : null;
      });
    // Still for a few frames (virtua may adjust while rows are measured), then the image loads.
    await scrollSettled(pb, 10);
    const before = await topOf();
    expect(before).not.toBeNull();
    for (const r of held.splice(0)) await r.continue();
    await pb.unroute(thumbRequest);
    await thumbLoaded(pb, 'wide.png');
    expect(await topOf()).toBeCloseTo(before!, 0);
    expect(await boxOf(pb, 'wide.png')).toEqual({ width: 320, height: 240 });
  });
});

describe('attachments on the S3 blob store', () => {
  let s3: TestS3Server;
  let hs: Harness;
  beforeAll(async () => {
    s3 = await startS3Server();
    hs = await startHarness({ ...s3.env, JOB_POLL_MS: '20' });
  }, 120_000);
  afterAll(async () => {
    await hs?.close();
    await s3?.close();
  });

  it("images follow the download's 302 to the bucket (the CSP names its origin), files download from it", async () => {
    const [a, b] = await Promise.all([hs.user('Alice'), hs.user('Bob')]);
    const room = await hs.room(a, 'Bucket', [b]);
    const alice = await hs.sdk(a);
    const image = await alice.upload(new Blob([await flatPng(640, 480)], { type: 'image/png' }), { roomId: room.id, name: 's3.png' });
    const text = 'from the bucket\n';
    const file = await alice.upload(new Blob([text], { type: 'text/plain' }), { roomId: room.id, name: 'bucket.txt' });
    await alice.request('message.send', { roomId: room.id, clientMsgId: 's3-1', body: 'in the bucket', attachments: [image, file] });
    const pb = await hs.open(b);
    const csp: string[] = [];
    pb.on('console', (m) => {
      if (/Content Security Policy/.test(m.text())) csp.push(m.text());
    });
    await openRoom(pb, 'Bucket');
    await rowWith(pb, 'in the bucket').waitFor();
    expect(await thumbLoaded(pb, 's3.png').then((r) => r.jsonValue())).toBe(320);
    await pb.waitForFunction(() => document.querySelector('.att-file a')?.getAttribute('href')?.includes('sig='));
    const [download] = await Promise.all([pb.waitForEvent('download'), pb.getByRole('link', { name: 'bucket.txt' }).click()]);
    expect(readFileSync(await download.path()).toString()).toBe(text);
    expect(csp).toEqual([]);
  });
});
