import { invalid } from '../errors.js';

/**
 * The checks every profile-like patch (a user's, a room's) shares beyond its schema:
 * names are trimmed and must keep something, avatars are http(s) URLs or server paths,
 * and an empty patch is a client mistake.
 */
export function cleanPatch<T extends { avatarUrl?: string | null }>(patch: T, nameField: keyof T & string): T {
  const clean = { ...patch };
  const name = clean[nameField];
  if (typeof name === 'string') {
    const trimmed = name.trim();
    if (!trimmed) throw invalid(`${nameField} is empty`);
    (clean as Record<string, unknown>)[nameField] = trimmed;
  }
  if (clean.avatarUrl && !/^(https?:\/\/|\/)/.test(clean.avatarUrl)) throw invalid('avatarUrl must be an http(s) URL or a path');
  if (Object.keys(clean).length === 0) throw invalid('nothing to update');
  return clean;
}
