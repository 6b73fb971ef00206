import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ChatClient } from '@chatchat/client';
import type { AuthResponse } from '@chatchat/protocol';
import { startTestServer, type TestServer } from './test-server.js';
import { httpClient } from './http-client.js';
import { sdkClient } from './sdk-client.js';
import { createTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * One real server for a test file, SDK clients and TCP proxies (to cut a client's network)
 * that are closed after every test.
 */
export function useSdkServer(env: Record<string, string> = {}) {
  let server: TestServer;
  let http: ReturnType<typeof httpClient>;
  let clients: ChatClient[] = [];
  let proxies: TcpProxy[] = [];

  beforeAll(async () => {
    server = await startTestServer(env);
    http = httpClient(server.url);
  });
  afterEach(async () => {
    for (const c of clients) c.close();
    clients = [];
    await Promise.all(proxies.map((p) => p.close()));
    proxies = [];
  });
  afterAll(() => server.close());

  return {
    get server() {
      return server;
    },
    get http() {
      return http;
    },
    /** A connected SDK client of `user`, straight to the server or through `url` (a proxy). */
    async connect(user: AuthResponse, url = server.url): Promise<ChatClient> {
      const client = sdkClient(url, user.accessToken);
      clients.push(client);
      await client.connect();
      return client;
    },
    /** A proxy in front of the server: `cut()` is a network loss for whoever connects through it. */
    async proxy(): Promise<{ proxy: TcpProxy; url: string }> {
      const proxy = await createTcpProxy({ targetPort: server.port });
      proxies.push(proxy);
      return { proxy, url: `http://127.0.0.1:${proxy.port}` };
    },
  };
}
