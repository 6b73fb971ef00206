import { describe, expect, it } from 'vitest';
import { Limits } from '@chatchat/protocol';
import { highlight } from './highlight.js';
import { indexTokens, matchRanges, queryTerms } from './search-tokenizer.js';

describe('search tokenizer', () => {
  it('indexes words folded and CJK runs as bigrams plus their last character', () => {
    expect(indexTokens('Café NAÏVE 회의실에서')).toEqual(['cafe', 'naive', '회의', '의실', '실에', '에서', '서']);
    expect(indexTokens('회의room room회의 3층')).toEqual(['회의', '의', 'room', 'room', '회의', '의', '3', '층']);
    expect(indexTokens('"*% \\ --')).toEqual([]);
  });

  it('turns any input into prefix words and CJK phrases, never syntax', () => {
    expect(queryTerms('"NEAR"* 회의 여')).toEqual([
      { kind: 'prefix', token: 'near' },
      { kind: 'phrase', tokens: ['회의'], prefixLast: false },
      { kind: 'phrase', tokens: ['여'], prefixLast: true },
    ]);
    expect(queryTerms('붉은여우')).toEqual([{ kind: 'phrase', tokens: ['붉은', '은여', '여우'], prefixLast: false }]);
    expect(queryTerms('% \\ " *')).toEqual([]);
    expect(queryTerms('a '.repeat(100))).toHaveLength(16);
  });

  it('finds match ranges by the same rules, and highlights a snippet around the first', () => {
    const body = '붉은여우는 Café에서 running';
    expect(matchRanges(body, queryTerms('여우 cafe run')).map((r) => body.slice(r.start, r.end))).toEqual(['여우', 'Café', 'running']);
    const long = `${'x '.repeat(200)}needle ${'y '.repeat(200)}`;
    const h = highlight(long, queryTerms('needle'));
    expect(h.text.length).toBeLessThanOrEqual(Limits.searchSnippetChars + 2);
    expect(h.ranges.map((r) => h.text.slice(r.start, r.end))).toEqual(['needle']);
  });
});
