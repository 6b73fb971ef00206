import { describe, expect, it } from 'vitest';
import { parseMentions } from './mention-parser.js';

describe('parseMentions', () => {
  it('finds @usernames and @all, not addresses or words', () => {
    expect(parseMentions('hi @Bob_1, @carol. and bob@example.com @all @al')).toEqual({ usernames: ['bob_1', 'carol'], all: true });
    expect(parseMentions('@@dave (@erin)')).toEqual({ usernames: ['erin'], all: false });
  });
});
