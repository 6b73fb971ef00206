import type { ReactNode } from 'react';

const urlPattern = /\bhttps?:\/\/[^\s<>"']+/gi;
/** Trailing punctuation is the sentence's, not the link's. */
const trailing = /[.,;:!?)\]]+$/;

/**
 * Text stays text (React escapes it); only http(s) URLs become links, opened in a new tab
 * with no opener and no referrer. No other scheme (javascript:, data:) is ever linked.
 */
export function linkify(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(urlPattern)) {
    let url = match[0];
    const cut = trailing.exec(url);
    if (cut) url = url.slice(0, -cut[0].length);
    const start = match.index;
    if (start > last) out.push(text.slice(last, start));
    let safe: URL | undefined;
    try {
      safe = new URL(url);
    } catch {
      safe = undefined;
    }
    if (safe && (safe.protocol === 'http:' || safe.protocol === 'https:')) {
      out.push(
        <a key={start} href={safe.href} target="_blank" rel="noopener noreferrer">
          {url}
        </a>,
      );
    } else {
      out.push(url);
    }
    last = start + url.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
