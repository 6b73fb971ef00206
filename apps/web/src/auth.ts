import { ChatClientError, createHttpApi } from '@chatchat/client';
import type { User } from '@chatchat/protocol';

/**
 * Browser sign-in. The refresh token lives only in the httpOnly `chatchat_refresh` cookie
 * (page script can never read it); the access token lives in this module's memory and is
 * renewed a minute before it expires. Nothing goes to localStorage or a URL.
 */
const api = createHttpApi({ url: location.origin });
/** Renew this long before the access token's `exp`. */
const renewAheadMs = 60_000;

export interface Credentials {
  username: string;
  password: string;
}

function expiryOf(token: string): number {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    return (payload.exp ?? 0) * 1000;
  } catch {
    return 0;
  }
}

/**
 * Rotation makes a refresh token work once: two tabs refreshing with the same cookie
 * would look like theft and end the session, so tabs take turns (Web Locks); the second
 * one then sends the cookie the first one got.
 */
function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? (locks.request('chatchat-refresh', fn) as Promise<T>) : fn();
}

export interface TokenKeeper {
  /** A valid access token, renewed first when it is about to expire. */
  get(): Promise<string>;
  stop(): void;
}

export function createTokenKeeper(initial: string, onExpired: () => void): TokenKeeper {
  let token = initial;
  let renewing: Promise<string> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const schedule = () => {
    if (timer) clearTimeout(timer);
    const wait = Math.max(1000, expiryOf(token) - Date.now() - renewAheadMs);
    timer = setTimeout(() => void renew().catch(() => {}), wait);
  };

  const renew = (): Promise<string> =>
    (renewing ??= withRefreshLock(() => api.request<{ accessToken: string }>('POST', '/auth/refresh', {}, { auth: false }))
      .then(({ accessToken }) => {
        token = accessToken;
        if (!stopped) schedule();
        return token;
      })
      .catch((err: unknown) => {
        if (err instanceof ChatClientError && err.code === 'unauthorized' && !stopped) onExpired();
        throw err;
      })
      .finally(() => (renewing = undefined)));

  schedule();
  return {
    get: () => (Date.now() < expiryOf(token) - renewAheadMs / 2 ? Promise.resolve(token) : renew()),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

export interface SignedIn {
  user: User;
  accessToken: string;
}

export const signIn = (c: Credentials): Promise<SignedIn> =>
  api.request('POST', '/auth/login', { ...c, transport: 'cookie' }, { auth: false });

export const signUp = (c: Credentials & { displayName: string }): Promise<SignedIn> =>
  api.request('POST', '/auth/signup', { ...c, transport: 'cookie' }, { auth: false });

/** On load: a still-valid cookie signs the tab in without asking. */
export async function resume(): Promise<string | null> {
  try {
    const { accessToken } = await withRefreshLock(() => api.request<{ accessToken: string }>('POST', '/auth/refresh', {}, { auth: false }));
    return accessToken;
  } catch {
    return null;
  }
}

export async function signOut(token: string, everywhere: boolean): Promise<void> {
  const authed = createHttpApi({ url: location.origin, getToken: () => token });
  await authed.request('POST', everywhere ? '/auth/logout-all' : '/auth/logout', {});
}
