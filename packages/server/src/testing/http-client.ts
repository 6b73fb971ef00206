import type { AuthResponse, Room } from '@chatchat/protocol';

/** Plain fetch against the HTTP API: status and body, no throwing, for asserting errors. */
export function httpClient(baseUrl: string) {
  async function call(method: string, path: string, body?: unknown, token?: string) {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const retryAfter = res.headers.get('retry-after');
    return { status: res.status, body: text ? JSON.parse(text) : undefined, ...(retryAfter ? { retryAfter } : {}) } as {
      status: number;
      body: any;
      retryAfter?: string;
    };
  }
  let counter = 0;
  return {
    call,
    async signup(name = `user${Date.now().toString(36)}${counter++}`): Promise<AuthResponse> {
      const res = await call('POST', '/api/v1/auth/signup', { username: name, password: 'correct horse battery', displayName: name });
      if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async createRoom(token: string, name: string, memberIds: string[]): Promise<Room> {
      const res = await call('POST', '/api/v1/rooms', { name, memberIds }, token);
      if (res.status !== 201) throw new Error(`create room failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.room;
    },
  };
}
