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

  async function connect(user: AuthResponse, url = server.url): Promise<ChatClient> {
    const client = sdkClient(url, user.accessToken);
    clients.push(client);
    await client.connect();
    return client;
  }

  return {
    get server() {
      return server;
    },
    get http() {
      return http;
    },
    /** A connected SDK client of `user`, straight to the server or through `url` (a proxy). */
    connect,
    /** Four users in one room that `a` owns, each with two connected devices. */
    async fourUsers(roomName = 'Four') {
      const users = await Promise.all([http.signup(), http.signup(), http.signup(), http.signup()]);
      const [a, b, c, d] = users as [AuthResponse, AuthResponse, AuthResponse, AuthResponse];
      const room = await http.createRoom(a.accessToken, roomName, [b.user.id, c.user.id, d.user.id]);
      const devices = await Promise.all(users.flatMap((u) => [connect(u), connect(u)]));
      // Every device shows the room, so it holds the room's read pointers (as an app that opens it does).
      await Promise.all(devices.map((d) => d.loadReaders(room.id)));
      const [a1, a2, b1, b2, c1, c2, d1, d2] = devices as [
        ChatClient,
        ChatClient,
        ChatClient,
        ChatClient,
        ChatClient,
        ChatClient,
        ChatClient,
        ChatClient,
      ];
      return { a, b, c, d, room, a1, a2, b1, b2, c1, c2, d1, d2, devices };
    },
    /** A proxy in front of the server: `cut()` is a network loss for whoever connects through it. */
    async proxy(): Promise<{ proxy: TcpProxy; url: string }> {
      const proxy = await createTcpProxy({ targetPort: server.port });
      proxies.push(proxy);
      return { proxy, url: `http://127.0.0.1:${proxy.port}` };
    },
  };
}
