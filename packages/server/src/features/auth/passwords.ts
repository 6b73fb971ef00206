import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id`; the package ships it as an ambient const enum, which isolated modules cannot read. */
const argon2id = 2;

/** argon2id with the library's defaults (19 MiB, t=2), OWASP's baseline. */
export async function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: argon2id });
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * Verifying against this when the username does not exist makes a failed login take
 * the same time either way, so response timing does not tell whether a user exists.
 */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('not-a-real-password-just-for-timing');
  return dummyHash;
}
