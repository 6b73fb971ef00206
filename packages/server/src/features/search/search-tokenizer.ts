/**
 * The one home of how text is matched by search, used by every store adapter (SQLite FTS5,
 * PostgreSQL tsvector) and by the highlighter, so an index and its queries always agree.
 *
 * - Latin and other spaced scripts: words of letters and digits, lowercased, accents removed
 *   (`Café` → `cafe`); a query word matches words it is a prefix of.
 * - CJK (Hangul, Han, kana): a run of CJK characters is indexed as its overlapping bigrams plus
 *   its last character, so any substring of two or more characters is a phrase of bigrams
 *   (`회의` finds `회의실에서`, `여우` finds `붉은여우는`) and a single character is a prefix
 *   of some indexed token. Korean particles and compounds attach to words without spaces, which
 *   is why a word index alone finds nothing there, and trigram indexes miss two-syllable words.
 *
 * Tokens contain only letters and digits: they are never query syntax in any store.
 */

const cjkScripts = '\\p{Script=Hangul}\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}';
/**
 * One pass over the text: a CJK run (CJK characters and their marks), or a word of other
 * letters and digits (with their marks). Marks without a base are skipped. (`v` for the set
 * difference; built with `new RegExp` because the compile target predates the flag.)
 */
const SEGMENT = new RegExp(
  `([${cjkScripts}][${cjkScripts}\\p{M}]*)|([[\\p{L}\\p{N}]--[${cjkScripts}]][[\\p{L}\\p{N}\\p{M}]--[${cjkScripts}]]*)`,
  'gv',
);
const ASCII = /^[\p{ASCII}]*$/u;

export interface Segment {
  /** The normalised text of a word or CJK run. */
  text: string;
  cjk: boolean;
  /** UTF-16 offsets of the segment in the original string. */
  start: number;
  end: number;
}

/** A search term: a word prefix, or a CJK phrase of consecutive bigrams (one token when the run is one character). */
export type QueryTerm = { kind: 'prefix'; token: string } | { kind: 'phrase'; tokens: string[]; prefixLast: boolean };

/** Query words beyond this are ignored (a 200-character query of one-letter words is still a bounded query). */
const maxQueryTerms = 16;

function foldLatin(word: string): string {
  // NFD splits accents off their letters; Hangul never comes here (NFD would split syllables into jamo).
  return ASCII.test(word) ? word.toLowerCase() : word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Words and CJK runs of `text` with their positions. */
export function segments(text: string): Segment[] {
  const out: Segment[] = [];
  for (const match of text.matchAll(SEGMENT)) {
    const cjk = match[1] !== undefined;
    const raw = match[0];
    const normalised = cjk ? raw.normalize('NFC') : foldLatin(raw);
    if (normalised.length > 0) out.push({ text: normalised, cjk, start: match.index, end: match.index + raw.length });
  }
  return out;
}

function chars(s: string): string[] {
  return Array.from(s);
}

/** Overlapping bigrams of a CJK run plus its last character. */
function cjkTokens(run: string): string[] {
  const cs = chars(run);
  if (cs.length === 1) return cs;
  const out: string[] = [];
  for (let i = 0; i + 1 < cs.length; i++) out.push(cs[i]! + cs[i + 1]!);
  out.push(cs[cs.length - 1]!);
  return out;
}

/** The tokens a message body is indexed under, in order (positions matter for CJK phrases). */
export function indexTokens(body: string): string[] {
  const out: string[] = [];
  for (const seg of segments(body)) {
    if (seg.cjk) out.push(...cjkTokens(seg.text));
    else out.push(seg.text);
  }
  return out;
}

/**
 * Terms of a user's query; all must match. Anything that is not a letter or digit (quotes,
 * `*`, `%`, `\`, operators) separates words and is otherwise ignored; `NEAR` is just a word.
 */
export function queryTerms(query: string): QueryTerm[] {
  const out: QueryTerm[] = [];
  for (const seg of segments(query)) {
    if (out.length >= maxQueryTerms) break;
    if (!seg.cjk) {
      out.push({ kind: 'prefix', token: seg.text });
      continue;
    }
    const cs = chars(seg.text);
    if (cs.length === 1) out.push({ kind: 'phrase', tokens: cs, prefixLast: true });
    else {
      const bigrams: string[] = [];
      for (let i = 0; i + 1 < cs.length; i++) bigrams.push(cs[i]! + cs[i + 1]!);
      out.push({ kind: 'phrase', tokens: bigrams, prefixLast: false });
    }
  }
  return out;
}

/** Where `terms` match in `body`: UTF-16 ranges, sorted and merged. The same rules as the index. */
export function matchRanges(body: string, terms: readonly QueryTerm[]): Array<{ start: number; end: number }> {
  const ranges: Array<{ start: number; end: number }> = [];
  const needles = terms.map((t) => (t.kind === 'prefix' ? t.token : phraseText(t)));
  for (const seg of segments(body)) {
    for (let k = 0; k < terms.length; k++) {
      const term = terms[k]!;
      const needle = needles[k]!;
      if (term.kind === 'prefix') {
        if (!seg.cjk && seg.text.startsWith(needle)) ranges.push({ start: seg.start, end: seg.end });
        continue;
      }
      if (!seg.cjk) continue;
      if (seg.end - seg.start !== seg.text.length) {
        // Normalisation changed the run's length (decomposed input): mark the whole run.
        if (seg.text.includes(needle)) ranges.push({ start: seg.start, end: seg.end });
        continue;
      }
      // A CJK segment is NFC of the original run, which keeps Hangul syllables one code unit each.
      for (let at = seg.text.indexOf(needle); at >= 0; at = seg.text.indexOf(needle, at + 1)) {
        ranges.push({ start: seg.start + at, end: seg.start + at + needle.length });
      }
    }
  }
  ranges.sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Array<{ start: number; end: number }> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}

function phraseText(term: Extract<QueryTerm, { kind: 'phrase' }>): string {
  const [first, ...rest] = term.tokens;
  return (first ?? '') + rest.map((t) => chars(t).slice(1).join('')).join('');
}
