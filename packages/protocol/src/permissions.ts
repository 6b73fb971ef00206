import type { Role, RoomKind } from './entities.js';

/**
 * Who may do what in a group room (the server enforces it; clients offer only what it allows).
 * In a direct room both people are plain members of a room nobody can be invited into,
 * kicked from or moderate; either may post its notice.
 *
 * | action                     | owner | admin        | member |
 * |----------------------------|-------|--------------|--------|
 * | invite                     | yes   | yes          | yes    |
 * | kick                       | yes   | members only | no     |
 * | change roles               | yes   | no           | no     |
 * | edit room (name, avatar)   | yes   | yes          | no     |
 * | post / remove notices      | yes   | yes          | no     |
 * | delete others' messages    | yes   | yes          | no     |
 * | pin / unpin messages       | yes   | yes          | no     |
 * | mention `@all`             | yes   | yes          | no     |
 *
 * Direct rooms have no `@all`; either person may pin there.
 */
export type RoomAction = 'invite' | 'kick' | 'changeRole' | 'editRoom' | 'manageNotices' | 'moderateMessages' | 'pin' | 'mentionAll';

const matrix: Record<RoomAction, readonly Role[]> = {
  invite: ['owner', 'admin', 'member'],
  kick: ['owner', 'admin'],
  changeRole: ['owner'],
  editRoom: ['owner', 'admin'],
  manageNotices: ['owner', 'admin'],
  moderateMessages: ['owner', 'admin'],
  pin: ['owner', 'admin'],
  mentionAll: ['owner', 'admin'],
};

export function can(role: Role, action: RoomAction): boolean {
  return matrix[action].includes(role);
}

const rank: Record<Role, number> = { owner: 2, admin: 1, member: 0 };

/** A kick also needs the actor to outrank the target: admins cannot kick admins or the owner. */
export function outranks(actor: Role, target: Role): boolean {
  return rank[actor] > rank[target];
}

/** `can` for a room of either kind: direct rooms allow only the notice and pins. */
export function canInRoom(kind: RoomKind, role: Role, action: RoomAction): boolean {
  return kind === 'direct' ? action === 'manageNotices' || action === 'pin' : can(role, action);
}
