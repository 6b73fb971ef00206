import { randomUUID } from 'node:crypto';
import type { AuthResponse, SignupBody, TokensResponse, User } from '@chatchat/protocol';
import type { Store, UserRecord } from '../../ports/store.js';
import type { Clock } from '../../ports/clock.js';
import { AppError } from '../../errors.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js';
import { hashRefreshToken, newRefreshToken, type AccessTokens } from './tokens.js';

export interface AuthServiceOptions {
  store: Store;
  clock: Clock;
  accessTokens: AccessTokens;
  refreshTokenTtlSec: number;
}

export type AuthService = ReturnType<typeof createAuthService>;

export function toPublicUser(record: UserRecord): User {
  return {
    id: record.id,
    username: record.username,
    displayName: record.displayName,
    avatarUrl: record.avatarUrl,
    statusMessage: record.statusMessage,
  };
}

export function createAuthService({ store, clock, accessTokens, refreshTokenTtlSec }: AuthServiceOptions) {
  const badLogin = () => new AppError('unauthorized', 'invalid username or password');

  async function issueTokens(userId: string, familyId: string): Promise<TokensResponse> {
    const refresh = newRefreshToken();
    const now = clock.now();
    await store.insertRefreshToken({
      tokenHash: refresh.hash,
      userId,
      familyId,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + refreshTokenTtlSec * 1000).toISOString(),
    });
    return { accessToken: await accessTokens.sign(userId), refreshToken: refresh.token };
  }

  return {
    async signup(body: SignupBody): Promise<AuthResponse> {
      const passwordHash = await hashPassword(body.password);
      const user = await store.createUser({
        username: body.username,
        displayName: body.displayName.trim() || body.username,
        passwordHash,
        now: clock.nowIso(),
      });
      return { user: toPublicUser(user), ...(await issueTokens(user.id, randomUUID())) };
    },

    async login(username: string, password: string): Promise<AuthResponse> {
      const user = await store.findUserByUsername(username);
      if (!user) {
        await verifyPassword(await dummyPasswordHash(), password);
        throw badLogin();
      }
      if (!(await verifyPassword(user.passwordHash, password))) throw badLogin();
      return { user: toPublicUser(user), ...(await issueTokens(user.id, randomUUID())) };
    },

    /**
     * Rotation: each refresh token works once. Presenting a used one means it was stolen
     * (or replayed), so the whole family is revoked and the user must log in again.
     */
    async refresh(refreshToken: string): Promise<TokensResponse> {
      const result = await store.useRefreshToken(hashRefreshToken(refreshToken), clock.nowIso());
      if (result.status === 'missing') throw new AppError('unauthorized', 'invalid refresh token');
      if (result.status === 'reused') {
        await store.revokeRefreshFamily(result.row.familyId);
        throw new AppError('unauthorized', 'refresh token already used; session revoked');
      }
      if (result.row.expiresAt <= clock.nowIso()) throw new AppError('unauthorized', 'refresh token expired');
      return issueTokens(result.row.userId, result.row.familyId);
    },

    async logout(refreshToken: string): Promise<void> {
      const result = await store.useRefreshToken(hashRefreshToken(refreshToken), clock.nowIso());
      if (result.status !== 'missing') await store.revokeRefreshFamily(result.row.familyId);
    },

    /** Log out on every device: no refresh token of the user works any more. */
    async logoutAll(userId: string): Promise<void> {
      await store.revokeUserRefreshTokens(userId);
    },

    refreshTokenTtlSec,

    /** Resolves a bearer token to its user; `unauthorized` when the token or the user is gone. */
    async authenticate(token: string): Promise<UserRecord> {
      const userId = await accessTokens.verify(token);
      const user = await store.getUser(userId);
      if (!user) throw new AppError('unauthorized', 'user no longer exists');
      return user;
    },
  };
}
