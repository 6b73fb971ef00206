import { Fragment, type ReactNode } from 'react';
import type { Message, User } from '@chatchat/protocol';
import { linkify } from '../linkify';

// The server's rule (features/mentions/mention-parser.ts): `@name` not inside a word.
const mentionPattern = /(?<![\p{L}\p{N}_.@-])@([a-zA-Z0-9_.-]+)/gu;

/**
 * A message body as text (links made safe by linkify) with its mentions marked: only the
 * names the server resolved (`message.mentions`, `@all` when `mentionsAll`), mine emphasised.
 */
export function renderBody(
  body: string,
  message: Pick<Message, 'mentions' | 'mentionsAll'> | null,
  users: Readonly<Record<string, User>>,
  meId: string,
): ReactNode[] {
  if (!message || (message.mentions.length === 0 && !message.mentionsAll)) return linkify(body);
  const names = new Map<string, string>();
  for (const id of message.mentions) {
    const u = users[id];
    if (u) names.set(u.username.toLowerCase(), id);
  }
  const out: ReactNode[] = [];
  let last = 0;
  for (const m of body.matchAll(mentionPattern)) {
    const name = m[1]!.replace(/[.-]+$/, '');
    const lower = name.toLowerCase();
    const all = lower === 'all' && message.mentionsAll;
    const id = names.get(lower);
    if (!all && !id) continue;
    const start = m.index;
    if (start > last) out.push(<Fragment key={`t${last}`}>{linkify(body.slice(last, start))}</Fragment>);
    const me = all || id === meId;
    out.push(
      <mark key={`m${start}`} className={`mention${me ? ' mention-me' : ''}`} data-testid={me ? 'mention-me' : 'mention'}>
        @{name}
      </mark>,
    );
    last = start + 1 + name.length;
  }
  if (last < body.length) out.push(<Fragment key={`t${last}`}>{linkify(body.slice(last))}</Fragment>);
  return out;
}
