import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@chatchat/protocol';
import type { ChatClient } from '../src/index.js';
import { httpClient, launchChromium, sdkClient, startTestServer, waitFor, type TestServer } from '@chatchat/server/testing';

/**
 * The SDK in a real Chromium: bundled by esbuild as an IIFE, loaded by a page served over
 * http from another port than the chat server, connecting with the browser's own WebSocket.
 * Only the socket side runs in the page: `client.api` would be a cross-origin fetch that
 * the server's (absent) CORS headers forbid, so HTTP setup is done from Node.
 */

const harnessHtml = readFileSync(new URL('./browser/index.html', import.meta.url), 'utf8');
const waitMs = 5000;

/** What the bundle and the page code below put on `window`. */
interface PageGlobals {
  ChatChat: typeof import('../src/index.js');
  chat?: ChatClient;
  created?: Message[];
}

let chatServer: TestServer | undefined;
let pageServer: http.Server | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let nodeClient: ChatClient | undefined;
const pageErrors: string[] = [];

async function bundleSdk(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'ChatChat',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Serves the harness page and the bundle; nothing else. */
async function startPageServer(bundle: string): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    const body = req.url === '/' ? harnessHtml : req.url === '/chatchat.js' ? bundle : undefined;
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': req.url === '/' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8' });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

beforeAll(async () => {
  const [bundle, server] = await Promise.all([bundleSdk(), startTestServer()]);
  chatServer = server;
  const served = await startPageServer(bundle);
  pageServer = served.server;
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
  });
  await page.goto(served.url);
  await page.waitForFunction(() => typeof (window as unknown as PageGlobals).ChatChat?.createChatClient === 'function', undefined, {
    timeout: waitMs,
  });
});

afterAll(async () => {
  await page?.evaluate(() => (window as unknown as PageGlobals).chat?.close()).catch(() => {});
  nodeClient?.close();
  await browser?.close();
  if (pageServer) {
    pageServer.closeAllConnections();
    await new Promise<void>((resolve) => pageServer!.close(() => resolve()));
  }
  await chatServer?.close();
});

describe('SDK in a real browser', () => {
  it('talks to a Node SDK client over the native WebSocket: messages both ways, read receipts both ways', async () => {
    const server = chatServer!;
    const p = page!;
    const api = httpClient(server.url);
    const [a, b] = await Promise.all([api.signup(), api.signup()]);
    const room = await api.createRoom(a.accessToken, 'browser', [b.user.id]);

    const bob = sdkClient(server.url, b.accessToken);
    nodeClient = bob;
    const bobSaw: Message[] = [];
    bob.on('message.created', ({ message }) => bobSaw.push(message));
    await bob.connect();
    await bob.loadReaders(room.id);

    // Alice in the page: no WebSocket option, so the SDK must take the browser's own.
    const sent = await p.evaluate(
      async ({ url, token, roomId }) => {
        const w = window as unknown as PageGlobals;
        const chat = w.ChatChat.createChatClient({ url, token });
        w.chat = chat;
        w.created = [];
        chat.on('message.created', ({ message }) => w.created!.push(message));
        await chat.connect();
        await chat.loadReaders(roomId);
        const message = await chat.send(roomId, 'hello from the browser');
        return { id: message.id, seq: message.seq, me: chat.me()?.id, status: chat.status };
      },
      { url: server.url, token: a.accessToken, roomId: room.id },
    );
    expect(sent.me).toBe(a.user.id);
    expect(sent.status).toBe('connected');

    await waitFor(() => bob.messages(room.id).some((m) => m.id === sent.id), { timeoutMs: waitMs, what: 'bob gets the browser message' });
    expect(bobSaw.map((m) => [m.id, m.body])).toEqual([[sent.id, 'hello from the browser']]);

    // Only bob has not read it yet (a sender has read their own message).
    expect(
      await p.evaluate(({ roomId, seq }) => (window as unknown as PageGlobals).chat!.readCount(roomId, seq), {
        roomId: room.id,
        seq: sent.seq,
      }),
    ).toBe(1);
    // Bob reads before replying: his reply would move his pointer in the page on its own.
    await bob.markRead(room.id, sent.seq);
    await p.waitForFunction(
      ({ roomId, seq }) => (window as unknown as PageGlobals).chat!.readCount(roomId, seq) === 0,
      { roomId: room.id, seq: sent.seq },
      { timeout: waitMs, polling: 10 },
    );

    const reply = await bob.send(room.id, 'hello from node');
    await p.waitForFunction(
      ({ roomId, id }) => (window as unknown as PageGlobals).chat!.messages(roomId).some((m) => m.id === id),
      { roomId: room.id, id: reply.id },
      { timeout: waitMs, polling: 10 },
    );
    const seen = await p.evaluate((roomId) => {
      const w = window as unknown as PageGlobals;
      return { bodies: w.chat!.messages(roomId).map((m) => m.body), events: w.created!.map((m) => m.id) };
    }, room.id);
    expect(seen.bodies).toEqual(['hello from the browser', 'hello from node']);
    // The server echoes a sender's own message to all their sockets, so both are events here.
    expect(seen.events).toEqual([sent.id, reply.id]);

    // And the other way: the page reads the reply, bob sees his message read.
    expect(bob.readCount(room.id, reply.seq)).toBe(1);
    await p.evaluate((roomId) => (window as unknown as PageGlobals).chat!.markRead(roomId), room.id);
    await waitFor(() => bob.readCount(room.id, reply.seq) === 0, { timeoutMs: waitMs, what: 'bob sees the browser read his reply' });

    expect(pageErrors).toEqual([]);
  });
});
