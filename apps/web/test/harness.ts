import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AuthResponse, Room } from '@chatchat/protocol';
import type { ChatClient } from '@chatchat/client';
import { launchChromium, sdkClient, startTestServer, waitFor, type TestServer } from '@chatchat/server/testing';

/**
 * One real server (port 0, its own SQLite) serving the built app, one Chromium per test
 * file, one browser context per user. State the UI is not testing is set up over HTTP or
 * the SDK; everything the UI shows is waited for, never slept for.
 */
export const uiTimeoutMs = 10_000;

export interface TestUser {
  username: string;
  password: string;
  auth: AuthResponse;
  id: string;
  token: string;
}

export interface Harness {
  server: TestServer;
  browser: Browser;
  url: string;
  /** A new account over HTTP. */
  user(displayName?: string): Promise<TestUser>;
  /** A browser context signed in as `user` (cookie session), on `path`. */
  open(
    user: TestUser,
    options?: { path?: string; locale?: string; viewport?: { width: number; height: number }; permissions?: string[] },
  ): Promise<Page>;
  api<T = unknown>(user: TestUser, method: string, path: string, body?: unknown): Promise<T>;
  room(owner: TestUser, name: string, members: TestUser[]): Promise<Room>;
  sdk(user: TestUser): Promise<ChatClient>;
  /** Errors the pages logged (console.error, uncaught): a test ends with none. */
  pageErrors: string[];
  close(): Promise<void>;
}

let counter = 0;

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const [server, browser] = await Promise.all([startTestServer({ READ_COALESCE_MS: '30', ...env }), launchChromium()]);
  const contexts: BrowserContext[] = [];
  const clients: ChatClient[] = [];
  const pageErrors: string[] = [];

  async function api<T>(user: TestUser, method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${user.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return {
    server,
    browser,
    url: server.url,
    pageErrors,
    async user(displayName) {
      const username = `u${Date.now().toString(36)}${counter++}`;
      const password = 'correct horse battery';
      const res = await fetch(`${server.url}/api/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password, displayName: displayName ?? username }),
      });
      const auth = (await res.json()) as AuthResponse;
      if (res.status !== 201) throw new Error(`signup: ${JSON.stringify(auth)}`);
      return { username, password, auth, id: auth.user.id, token: auth.accessToken };
    },
    async open(user, options = {}) {
      const context = await browser.newContext({
        baseURL: server.url,
        locale: options.locale ?? 'en-US',
        timezoneId: 'Asia/Seoul',
        viewport: options.viewport ?? { width: 1280, height: 800 },
        permissions: options.permissions ?? [],
      });
      contexts.push(context);
      // The browser's own login: the cookie lands in this context's jar.
      const login = await context.request.post('/api/v1/auth/login', {
        data: { username: user.username, password: user.password, transport: 'cookie' },
      });
      if (!login.ok()) throw new Error(`login ${login.status()}`);
      const page = await context.newPage();
      page.setDefaultTimeout(uiTimeoutMs);
      page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error' && !/Failed to load resource|WebSocket connection/.test(msg.text()))
          pageErrors.push(`console: ${msg.text()}`);
      });
      await page.goto(options.path ?? '/');
      await page.locator('nav[aria-label]').first().waitFor();
      return page;
    },
    api,
    room: async (owner, name, members) =>
      (await api<{ room: Room }>(owner, 'POST', '/api/v1/rooms', { name, memberIds: members.map((m) => m.id) })).room,
    async sdk(user) {
      const client = sdkClient(server.url, user.token);
      clients.push(client);
      await client.connect();
      return client;
    },
    async close() {
      for (const c of clients) c.close();
      await Promise.all(contexts.map((c) => c.close().catch(() => {})));
      await browser.close();
      await server.close();
    },
  };
}

/** Opens a room from the list by its name, like a user would. */
export async function openRoom(page: Page, name: string): Promise<void> {
  await page.locator('.room-item', { has: page.locator('.room-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) }).click();
  await page.locator('#chat-title', { hasText: name }).waitFor();
  // The view is placed (saved position, first unread or the end) before a test scrolls it.
  await page.locator('[data-testid="message-scroller"][data-placed]').waitFor();
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The article of the message with this text. */
/**
 * Resolves once the message list's scrollTop has held for `frames` animation frames: virtua
 * may still move it while rows it just rendered are measured.
 */
export function scrollSettled(page: Page, frames = 5): Promise<void> {
  return page.evaluate(
    (need) =>
      new Promise<void>((resolve) => {
        const el = document.querySelector('[data-testid="message-scroller"]')!;
        let last = -1;
        let held = 0;
        const tick = () => {
          held = el.scrollTop === last ? held + 1 : 0;
          last = el.scrollTop;
          if (held >= need) resolve();
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    frames,
  );
}

export const messageLocator = (page: Page, text: string) =>
  page.locator('article', { has: page.locator('.bubble', { hasText: new RegExp(`^${escapeRegExp(text)}( \\(edited\\))?$`) }) });

export { waitFor };
