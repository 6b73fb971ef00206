import {
  ErrorCodes,
  type Announcement,
  type AuthResponse,
  type CreateRoomBody,
  type ErrorCode,
  type HistoryQuery,
  type LoginBody,
  type Member,
  type Message,
  type Notice,
  type Role,
  type Room,
  type SignupBody,
  type TokensResponse,
  type UpdateMeBody,
  type UpdateRoomBody,
  type User,
} from '@chatchat/protocol';
import { ChatClientError, retryAfterOf } from './chat-client-error.js';
import { apiUrlFrom } from './endpoint-urls.js';

export interface HttpApiOptions {
  /** http(s) base of the server, e.g. `http://127.0.0.1:8080`. */
  url: string;
  fetch?: typeof fetch;
  /** Access token for authenticated routes; called per request. */
  getToken?: () => Promise<string> | string;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequestOptions {
  /** Default true: send the bearer token from getToken. */
  auth?: boolean;
  query?: Record<string, string | number | undefined>;
}

/** Thin typed wrapper over `/api/v1`: one method per route, response bodies as the server sends them. */
export interface HttpApi {
  /** Any route under `/api/v1` (path starts with `/`); 204 resolves to undefined. */
  request<T>(method: HttpMethod, path: string, body?: unknown, options?: HttpRequestOptions): Promise<T>;
  signup(body: SignupBody): Promise<AuthResponse>;
  login(body: LoginBody): Promise<AuthResponse>;
  refresh(refreshToken: string): Promise<TokensResponse>;
  logout(refreshToken: string): Promise<void>;
  me(): Promise<{ user: User }>;
  updateMe(patch: UpdateMeBody): Promise<{ user: User }>;
  user(userId: string): Promise<{ user: User }>;
  createRoom(body: CreateRoomBody): Promise<{ room: Room }>;
  /** The same direct room every time for a pair of users. */
  directRoom(userId: string): Promise<{ room: Room }>;
  listRooms(): Promise<{ rooms: Room[]; totalUnread: number }>;
  getRoom(roomId: string): Promise<{ room: Room }>;
  updateRoom(roomId: string, patch: UpdateRoomBody): Promise<{ room: Room }>;
  members(roomId: string): Promise<{ members: Member[]; users: User[] }>;
  addMembers(roomId: string, userIds: string[]): Promise<{ members: Member[] }>;
  leaveRoom(roomId: string): Promise<void>;
  kickMember(roomId: string, userId: string): Promise<void>;
  setMemberRole(roomId: string, userId: string, role: Role): Promise<{ member: Member }>;
  history(roomId: string, query?: HistoryQuery): Promise<{ messages: Message[] }>;
  /** Send over HTTP (bots, scripts); same dedupe by clientMsgId as the WS op. */
  sendMessage(roomId: string, body: string, clientMsgId: string): Promise<{ message: Message }>;
  postNotice(roomId: string, body: string): Promise<{ notice: Notice }>;
  removeNotice(roomId: string, noticeId: string): Promise<void>;
  announcements(): Promise<{ announcements: Announcement[] }>;
  announce(body: string): Promise<{ announcement: Announcement }>;
}

const codeByStatus = new Map<number, ErrorCode>(
  (Object.entries(ErrorCodes) as [ErrorCode, number][]).map(([code, status]) => [status, code]),
);

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && code in ErrorCodes;
}

export function createHttpApi(options: HttpApiOptions): HttpApi {
  const doFetch = options.fetch ?? (globalThis.fetch as typeof fetch | undefined);
  if (!doFetch) throw new ChatClientError('invalid', 'no fetch implementation: pass options.fetch');
  const enc = encodeURIComponent;

  async function request<T>(method: HttpMethod, path: string, body?: unknown, opts: HttpRequestOptions = {}): Promise<T> {
    let url = apiUrlFrom(options.url, path);
    if (opts.query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.query)) if (v !== undefined) params.set(k, String(v));
      const qs = params.toString();
      if (qs) url += `?${qs}`;
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (opts.auth !== false && options.getToken) headers.authorization = `Bearer ${await options.getToken()}`;

    let res: Response;
    try {
      res = await doFetch!(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ChatClientError('network', `${method} ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const error = (json as { error?: { code?: unknown; message?: unknown; retryAfterMs?: unknown } } | undefined)?.error;
      const code = isErrorCode(error?.code) ? error.code : (codeByStatus.get(res.status) ?? 'internal');
      const message = typeof error?.message === 'string' ? error.message : `${method} ${path} failed with ${res.status}`;
      throw new ChatClientError(code, message, res.status, retryAfterOf(error));
    }
    return json as T;
  }

  return {
    request,
    signup: (body) => request('POST', '/auth/signup', body, { auth: false }),
    login: (body) => request('POST', '/auth/login', body, { auth: false }),
    refresh: (refreshToken) => request('POST', '/auth/refresh', { refreshToken }, { auth: false }),
    logout: (refreshToken) => request('POST', '/auth/logout', { refreshToken }, { auth: false }),
    me: () => request('GET', '/me'),
    updateMe: (patch) => request('PATCH', '/me', patch),
    user: (userId) => request('GET', `/users/${enc(userId)}`),
    createRoom: (body) => request('POST', '/rooms', body),
    directRoom: (userId) => request('POST', '/rooms/direct', { userId }),
    listRooms: () => request('GET', '/rooms'),
    getRoom: (roomId) => request('GET', `/rooms/${enc(roomId)}`),
    updateRoom: (roomId, patch) => request('PATCH', `/rooms/${enc(roomId)}`, patch),
    members: (roomId) => request('GET', `/rooms/${enc(roomId)}/members`),
    addMembers: (roomId, userIds) => request('POST', `/rooms/${enc(roomId)}/members`, { userIds }),
    leaveRoom: (roomId) => request('DELETE', `/rooms/${enc(roomId)}/members/me`),
    kickMember: (roomId, userId) => request('DELETE', `/rooms/${enc(roomId)}/members/${enc(userId)}`),
    setMemberRole: (roomId, userId, role) => request('PATCH', `/rooms/${enc(roomId)}/members/${enc(userId)}`, { role }),
    history: (roomId, query = {}) => request('GET', `/rooms/${enc(roomId)}/messages`, undefined, { query }),
    sendMessage: (roomId, body, clientMsgId) => request('POST', `/rooms/${enc(roomId)}/messages`, { body, clientMsgId }),
    postNotice: (roomId, body) => request('POST', `/rooms/${enc(roomId)}/notices`, { body }),
    removeNotice: (roomId, noticeId) => request('DELETE', `/rooms/${enc(roomId)}/notices/${enc(noticeId)}`),
    announcements: () => request('GET', '/announcements'),
    announce: (body) => request('POST', '/announcements', { body }),
  };
}
