import { randomUUID } from 'node:crypto';
import type { SignupBody, User } from '@chatchat/protocol';
import type { SessionRecord, Store, UserRecord } from '../../ports/store.js';
import type { Clock } from '../../ports/clock.js';
import { AppError } from '../../errors.js';
import type { PasswordHasher } from './password-hasher.js';
import type { LoginThrottle } from './login-throttle.js';
import type { SessionRevocations } from './session-revocations.js';
import { hashRefreshToken, newRefreshToken, type AccessTokens } from './tokens.js';

export interface AuthServiceOptions {
  store: Store;
  clock: Clock;
  accessTokens: AccessTokens;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  revocations: SessionRevocations;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  /** Absolute: a session ends this long after login, however often it is refreshed. */
  sessionTtlSec: number;
}

export type AuthService = ReturnType<typeof createAuthService>;

/** Tokens for one session, with when the refresh token stops working (for a cookie's Max-Age). */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  refreshExpiresAt: string;
}

export interface Authenticated {
  user: UserRecord;
  sessionId: string;
}

export function toPublicUser(record: UserRecord): User {
  return {
    id: record.id,
    username: record.username,
    displayName: record.displayName,
    avatarUrl: record.avatarUrl,
    statusMessage: record.statusMessage,
  };
}

const sessionEnded = () => new AppError('unauthorized', 'session ended; log in again');

export function createAuthService(options: AuthServiceOptions) {
  const { store, clock, accessTokens, passwords, throttle, revocations } = options;
  const badLogin = () => new AppError('unauthorized', 'invalid username or password');
  const afterSec = (sec: number) => new Date(clock.now().getTime() + sec * 1000).toISOString();

  async function issueTokens(session: SessionRecord): Promise<IssuedTokens> {
    const refresh = newRefreshToken();
    const now = clock.nowIso();
    const expiresAt = [afterSec(options.refreshTokenTtlSec), session.expiresAt].sort()[0]!;
    await store.insertRefreshToken({ tokenHash: refresh.hash, userId: session.userId, familyId: session.id, createdAt: now, expiresAt });
    const accessToken = await accessTokens.sign({ userId: session.userId, sessionId: session.id }, Date.parse(session.expiresAt));
    return { accessToken, refreshToken: refresh.token, refreshExpiresAt: expiresAt };
  }

  async function startSession(userId: string): Promise<IssuedTokens> {
    const session: SessionRecord = {
      id: randomUUID(),
      userId,
      createdAt: clock.nowIso(),
      expiresAt: afterSec(options.sessionTtlSec),
      revokedAt: null,
    };
    await store.createSession(session);
    return issueTokens(session);
  }

  async function revoke(filter: Parameters<Store['revokeSessions']>[0]): Promise<void> {
    await revocations.revoke(await store.revokeSessions(filter, clock.nowIso()));
  }

  async function authenticate(token: string): Promise<Authenticated> {
    const { userId, sessionId } = await accessTokens.verify(token);
    if (revocations.isRevoked(sessionId)) throw sessionEnded();
    const user = await store.getUser(userId);
    if (!user) throw new AppError('unauthorized', 'user no longer exists');
    return { user, sessionId };
  }

  return {
    async signup(body: SignupBody): Promise<{ user: User } & IssuedTokens> {
      const passwordHash = await passwords.hash(body.password);
      const user = await store.createUser({
        username: body.username,
        displayName: body.displayName.trim() || body.username,
        passwordHash,
        now: clock.nowIso(),
      });
      return { user: toPublicUser(user), ...(await startSession(user.id)) };
    },

    /** `clientKey` identifies the caller (its IP) for the throttle, next to the username. */
    async login(username: string, password: string, clientKey: string): Promise<{ user: User } & IssuedTokens> {
      const ipKey = `ip:${clientKey}`;
      const userKey = `user:${username.toLowerCase()}`;
      throttle.begin([ipKey, userKey]);
      const user = await store.findUserByUsername(username);
      const ok = await passwords.verify(user?.passwordHash ?? (await passwords.dummyHash()), password);
      if (!user || !ok) throw badLogin();
      throttle.succeeded([userKey], [ipKey]);
      return { user: toPublicUser(user), ...(await startSession(user.id)) };
    },

    /**
     * Rotation: each refresh token works once. Presenting a used one means it was stolen
     * (or replayed), so the whole session is revoked and the user must log in again.
     */
    async refresh(refreshToken: string): Promise<IssuedTokens> {
      const now = clock.nowIso();
      const result = await store.useRefreshToken(hashRefreshToken(refreshToken), now);
      if (result.status === 'missing') throw new AppError('unauthorized', 'invalid refresh token');
      if (result.status === 'reused') {
        await revoke({ id: result.row.familyId });
        throw new AppError('unauthorized', 'refresh token already used; session revoked');
      }
      if (result.row.expiresAt <= now) throw new AppError('unauthorized', 'refresh token expired');
      const session = await store.getSession(result.row.familyId);
      if (!session || session.revokedAt || session.expiresAt <= now) throw sessionEnded();
      return issueTokens(session);
    },

    /** Ends one session, named by its refresh token or by the access token's session id. */
    async logout(by: { refreshToken?: string; sessionId?: string }): Promise<void> {
      if (by.sessionId) await revoke({ id: by.sessionId });
      if (by.refreshToken) {
        const result = await store.useRefreshToken(hashRefreshToken(by.refreshToken), clock.nowIso());
        if (result.status !== 'missing') await revoke({ id: result.row.familyId });
      }
    },

    logoutAll: (userId: string) => revoke({ userId }),

    /** Ends every other session of the user; the one that asked stays logged in. */
    async changePassword(userId: string, sessionId: string, currentPassword: string, newPassword: string): Promise<void> {
      const keys = [`password:${userId}`];
      throttle.begin(keys);
      const user = await store.getUser(userId);
      if (!user) throw new AppError('unauthorized', 'user no longer exists');
      if (!(await passwords.verify(user.passwordHash, currentPassword))) throw new AppError('forbidden', 'current password is wrong');
      throttle.succeeded(keys);
      await store.setPasswordHash(userId, await passwords.hash(newPassword));
      await revoke({ userId, exceptId: sessionId });
    },

    /** Resolves a bearer token to its user and session; `unauthorized` when either is gone. */
    authenticate,

    /** Process start: sessions revoked within one access-token lifetime still need refusing. */
    async warmRevocations(): Promise<void> {
      revocations.warm(await store.listRevokedSessionIds(afterSec(-options.accessTokenTtlSec)));
    },

    /** Deletes expired refresh tokens and sessions, and revoked ones no live access token can name. */
    sweepExpired: () => store.sweepSessions(clock.nowIso(), afterSec(-options.accessTokenTtlSec)),

    onSessionsRevoked: revocations.onRevoked,
  };
}
