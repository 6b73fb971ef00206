import { Limits, type Highlight } from '@chatchat/protocol';
import { matchRanges, type QueryTerm } from './search-tokenizer.js';

/**
 * A snippet of `body` around its first match, at most `Limits.searchSnippetChars` long, with
 * the matched ranges relative to the snippet. Cut points never split a surrogate pair.
 */
export function highlight(body: string, terms: readonly QueryTerm[]): Highlight {
  const all = matchRanges(body, terms);
  const max = Limits.searchSnippetChars;
  if (body.length <= max) return { text: body, ranges: all };
  const first = all[0]?.start ?? 0;
  // Some context before the first match, the rest after it.
  let start = Math.max(0, Math.min(first - Math.floor(max / 4), body.length - max));
  let end = Math.min(body.length, start + max);
  if (start > 0 && isLowSurrogate(body.charCodeAt(start))) start++;
  if (end < body.length && isLowSurrogate(body.charCodeAt(end))) end--;
  const text = (start > 0 ? '…' : '') + body.slice(start, end) + (end < body.length ? '…' : '');
  const shift = start > 0 ? 1 - start : 0;
  const ranges = all
    .filter((r) => r.end > start && r.start < end)
    .map((r) => ({ start: Math.max(r.start, start) + shift, end: Math.min(r.end, end) + shift }));
  return { text, ranges };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
