import { describe, expect, it } from 'vitest';
import { isSingleEmoji } from './emoji.js';

describe('isSingleEmoji', () => {
  it('accepts one emoji grapheme of any shape', () => {
    for (const e of ['👍', '👍🏽', '👨‍👩‍👧', '🇰🇷', '1️⃣', '❤️', '🏳️‍🌈']) expect(isSingleEmoji(e), e).toBe(true);
  });
  it('refuses text, two emoji, marks and empty', () => {
    for (const e of ['', 'a', '1', 'ab', '👍👍', '👍a', '😀\u0301', '🇰', ' 👍', '#']) expect(isSingleEmoji(e), e).toBe(false);
  });
});
