import type { QueryTerm } from '../../features/search/search-tokenizer.js';

/**
 * How each dialect stores and asks for the shared tokenizer's tokens. Tokens are letters and
 * digits only; every one is still quoted, so no user input is ever FTS or tsquery syntax.
 */

/** SQLite FTS5 column text: the tokens separated by spaces (unicode61 splits on them). */
export function sqliteSearchText(tokens: readonly string[]): string {
  return tokens.join(' ');
}

const ftsQuote = (t: string) => `"${t.replace(/"/g, '""')}"`;

/** An FTS5 MATCH expression: every term must match; prefixes as `"tok" *`, CJK runs as phrases. */
export function sqliteMatchQuery(terms: readonly QueryTerm[]): string {
  return terms
    .map((t) => {
      if (t.kind === 'prefix') return `${ftsQuote(t.token)} *`;
      const phrase = ftsQuote(t.tokens.join(' '));
      return t.prefixLast ? `${phrase} *` : phrase;
    })
    .join(' AND ');
}

const pgQuote = (t: string) => `'${t.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** A tsvector literal with positions (`'tok':1 'tok':2`), so CJK phrases can require adjacency. */
export function postgresTsvector(tokens: readonly string[]): string {
  // PostgreSQL keeps positions up to 16383; later tokens still match as words.
  return tokens.map((t, i) => `${pgQuote(t)}:${Math.min(i + 1, 16383)}`).join(' ');
}

/** A tsquery literal: prefixes as `'tok':*`, CJK runs as `'a' <-> 'b'`, all joined with `&`. */
export function postgresTsquery(terms: readonly QueryTerm[]): string {
  return terms
    .map((t) => {
      if (t.kind === 'prefix') return `${pgQuote(t.token)}:*`;
      const parts = t.tokens.map((tok, i) => (t.prefixLast && i === t.tokens.length - 1 ? `${pgQuote(tok)}:*` : pgQuote(tok)));
      return parts.length > 1 ? `(${parts.join(' <-> ')})` : parts[0]!;
    })
    .join(' & ');
}
