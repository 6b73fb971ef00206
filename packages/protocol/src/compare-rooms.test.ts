import { describe, expect, it } from 'vitest';
import { compareRooms } from './compare-rooms.js';

const room = (id: string, createdAt: string, lastAt?: string) => ({ id, createdAt, lastMessage: lastAt ? { createdAt: lastAt } : null });

describe('compareRooms', () => {
  it('puts the newest activity first: last message, else creation', () => {
    const rooms = [
      room('a', '2026-01-01T00:00:00.000Z'),
      room('b', '2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.000Z'),
      room('c', '2026-01-02T00:00:00.000Z'),
    ];
    expect(rooms.sort(compareRooms).map((r) => r.id)).toEqual(['b', 'c', 'a']);
  });

  it('breaks ties by id descending (the newer, time-ordered id first)', () => {
    const at = '2026-01-01T00:00:00.000Z';
    expect([room('01a', at), room('01c', at), room('01b', at)].sort(compareRooms).map((r) => r.id)).toEqual(['01c', '01b', '01a']);
    expect(compareRooms(room('x', at), room('x', at))).toBe(0);
  });
});
