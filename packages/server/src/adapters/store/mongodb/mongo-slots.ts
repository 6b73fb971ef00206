import type { Collection } from 'mongodb';
import { isDuplicateKey } from './mongo-documents.js';

/** One numbered place of a capped set (`<owner>#<n>`), holding the value that took it. */
export interface SlotDoc {
  _id: string;
  owner: string;
  value: string;
}

export const slotId = (owner: string, n: number) => `${owner}#${n}`;

/**
 * A capped set without transactions: a value belongs to the set while it holds one of the
 * owner's `max` numbered slots, and a slot is taken by inserting it under its unique `_id`,
 * so racing takers of one slot get one winner and the others walk on. Racing takers of the
 * same value walk the slots in the same order and meet in the first one either took.
 * Returns the slot number, or undefined when all `max` hold other values (the set is full).
 * Every read is by `_id` (FerretDB serves only those from an index).
 */
export async function takeSlot(slots: Collection<SlotDoc>, owner: string, value: string, max: number): Promise<number | undefined> {
  const ids = Array.from({ length: Math.max(0, max) }, (_, n) => slotId(owner, n));
  const held = await Promise.all(ids.map((_id) => slots.findOne({ _id })));
  const mine = held.findIndex((d) => d?.value === value);
  if (mine >= 0) return mine;
  for (let n = 0; n < ids.length; n++) {
    if (held[n]) continue;
    try {
      await slots.insertOne({ _id: ids[n]!, owner, value });
      return n;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Taken meanwhile: by the same value (a racing twin) we share it, otherwise walk on.
      const now = await slots.findOne({ _id: ids[n]! });
      if (now?.value === value) return n;
    }
  }
  return undefined;
}

/** Gives a slot back, only if it still holds `value`. */
export async function releaseSlot(slots: Collection<SlotDoc>, owner: string, n: number, value: string): Promise<void> {
  await slots.deleteOne({ _id: slotId(owner, n), value });
}

/** Whether slot `n` of the owner still holds `value` (a racing release may have freed it). */
export async function holdsSlot(slots: Collection<SlotDoc>, owner: string, n: number, value: string): Promise<boolean> {
  return (await slots.findOne({ _id: slotId(owner, n) }))?.value === value;
}
