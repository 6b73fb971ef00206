import { avatarPathPattern } from '@chatchat/protocol';
import { invalid } from '../errors.js';

const avatarPath = new RegExp(avatarPathPattern);

/**
 * The checks every profile-like patch (a user's, a room's) shares beyond its schema:
 * names are trimmed and must keep something, avatars are pictures this server serves
 * (the protocol's pattern: a same-origin attachment path, never another host),
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
  if (clean.avatarUrl && !avatarPath.test(clean.avatarUrl)) throw invalid('avatarUrl must be an attachment path, /api/v1/attachments/<id>');
  if (Object.keys(clean).length === 0) throw invalid('nothing to update');
  return clean;
}
