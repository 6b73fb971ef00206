import { createHash, createSecretKey, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { AppError } from '../../errors.js';

export interface AccessTokens {
  sign(userId: string): Promise<string>;
  /** Returns the user id, or throws `unauthorized`. */
  verify(token: string): Promise<string>;
}

export function createAccessTokens(options: { secret: string; ttlSec: number }): AccessTokens {
  // A KeyObject once, instead of raw bytes that jose would import on every sign and verify.
  const key = createSecretKey(Buffer.from(options.secret));
  return {
    sign: (userId) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuedAt()
        .setExpirationTime(`${options.ttlSec}s`)
        .sign(key),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        if (!payload.sub) throw new AppError('unauthorized', 'token has no subject');
        return payload.sub;
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
