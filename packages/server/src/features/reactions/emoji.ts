import { Limits } from '@chatchat/protocol';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** Only emoji code points and their joiners, selectors, modifiers, keycaps and tags. */
const emojiParts = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\u200d|\ufe0f|\u20e3)+$/u;
const flag = /^\p{Regional_Indicator}{2}$/u;
const keycap = /^[0-9#*]\ufe0f?\u20e3$/u;

/**
 * One emoji as a user sees it: a single grapheme made of emoji parts only (`👍`, `👍🏽`,
 * `👨‍👩‍👧`, `🇰🇷`, `1️⃣`), never text, two emoji, or an emoji with a combining mark.
 */
export function isSingleEmoji(value: string): boolean {
  if (value.length === 0 || value.length > Limits.maxEmojiChars) return false;
  let count = 0;
  for (const _ of graphemes.segment(value)) if (++count > 1) return false;
  if (!emojiParts.test(value)) return false;
  return /\p{Extended_Pictographic}/u.test(value) || flag.test(value) || keycap.test(value);
}
