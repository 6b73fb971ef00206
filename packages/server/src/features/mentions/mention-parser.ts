import { Limits } from '@chatchat/protocol';

/**
 * `@name` where name is a possible username (letters, digits, `_`, `.`, `-`), not inside a word
 * (`bob@example.com` mentions nobody); a trailing `.` or `-` ends the sentence, not the name.
 * `@all` is the whole room.
 */
const mention = /(?<![\p{L}\p{N}_.@-])@([a-zA-Z0-9_.-]+)/gu;

export function parseMentions(body: string): { usernames: string[]; all: boolean } {
  const usernames = new Set<string>();
  let all = false;
  for (const m of body.matchAll(mention)) {
    const name = m[1]!.replace(/[.-]+$/, '');
    if (name.toLowerCase() === 'all') all = true;
    else if (name.length >= 3 && name.length <= Limits.maxUsernameChars) usernames.add(name.toLowerCase());
    if (usernames.size >= Limits.maxMentionsPerMessage) break;
  }
  return { usernames: [...usernames], all };
}
