import { createHash, createSecretKey, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { AppError } from '../../errors.js';
import type { Clock } from '../../ports/clock.js';

export interface AccessClaims {
  userId: string;
  /** The session (login) the token belongs to; revoking it ends the token before `exp`. */
  sessionId: string;
}

export interface AccessTokens {
  /** `notAfter` (ms) caps the expiry: a token never outlives its session. */
  sign(claims: AccessClaims, notAfterMs?: number): Promise<string>;
  /** Throws `unauthorized` for a bad, expired or session-less token. */
  verify(token: string): Promise<AccessClaims>;
}

export interface AccessTokensOptions {
  secret: string;
  ttlSec: number;
  /** iat, exp and the expiry check all read this clock, so tests move time instead of waiting. */
  clock: Clock;
}

export function createAccessTokens({ secret, ttlSec, clock }: AccessTokensOptions): AccessTokens {
  // A KeyObject once, instead of raw bytes that jose would import on every sign and verify.
  const key = createSecretKey(Buffer.from(secret));
  return {
    sign({ userId, sessionId }, notAfterMs = Infinity) {
      const nowMs = clock.now().getTime();
      const expMs = Math.min(nowMs + ttlSec * 1000, notAfterMs);
      return new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuedAt(Math.floor(nowMs / 1000))
        .setExpirationTime(Math.floor(expMs / 1000))
        .sign(key);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], currentDate: clock.now() });
        if (!payload.sub) throw new AppError('unauthorized', 'token has no subject');
        if (typeof payload.sid !== 'string') throw new AppError('unauthorized', 'token has no session');
        return { userId: payload.sub, sessionId: payload.sid };
      } catch (err) {
        if (err instanceof AppError) throw err;
        const expired = err instanceof joseErrors.JWTExpired;
        throw new AppError('unauthorized', expired ? 'token expired' : 'invalid token');
      }
    },
  };
}

/** Refresh tokens are random; only their SHA-256 is stored, so a database leak yields no usable token. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
