/** The fields the room-list order reads; `Room` has them, and so does the server's room view. */
export interface RoomOrderKey {
  readonly id: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly lastMessage: { readonly createdAt: string } | null;
}

/**
 * The room list's order, for the server's snapshot and the SDK's `rooms()` alike: newest
 * activity first (the last message, else the room's creation); ties by id descending, so
 * the newer room comes first (ids are time-ordered). ISO timestamps compare as strings.
 */
export function compareRooms(a: RoomOrderKey, b: RoomOrderKey): number {
  const x = a.lastMessage?.createdAt ?? a.createdAt;
  const y = b.lastMessage?.createdAt ?? b.createdAt;
  if (x !== y) return x < y ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
