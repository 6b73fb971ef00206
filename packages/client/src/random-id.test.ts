import { describe, expect, it } from 'vitest';
import { randomId, timeOrderedId } from './random-id.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-([89ab])[0-9a-f]{3}-[0-9a-f]{12}$/;

describe('ids', () => {
  it('randomId is a UUID v4', () => {
    expect(randomId()).toMatch(uuid);
    expect(randomId().charAt(14)).toBe('4');
  });

  it('timeOrderedId is a UUID v7 whose first 48 bits are the millisecond', () => {
    const ms = Date.UTC(2026, 11, 4, 18, 30, 0, 123);
    const id = timeOrderedId(ms);
    expect(id).toMatch(uuid);
    expect(id.charAt(14)).toBe('7');
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
  });

  it('sorts by time as text, and differs within one millisecond', () => {
    const ms = Date.UTC(2026, 0, 1);
    const ids = [ms + 1000, ms, ms + 1, ms + 256, ms + 2 ** 32].map((t) => timeOrderedId(t));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[3], ids[0], ids[4]]);
    expect(timeOrderedId(ms)).not.toBe(timeOrderedId(ms));
  });
});
