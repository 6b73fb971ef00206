import type { CreateRoomBody, Member, Role, Room, UpdateRoomBody, User } from '@chatchat/protocol';
import type { MemberRecord, Store } from '../../ports/store.js';
import type { Clock } from '../../ports/clock.js';
import type { EventPublisher } from '../../realtime/event-publisher.js';
import { AppError, forbidden, invalid, notFound } from '../../errors.js';
import { toPublicUser } from '../auth/auth-service.js';
import { can, outranks, type RoomAction } from './permissions.js';
import { presentRooms } from './room-presenter.js';
import { cleanPatch } from '../patch-fields.js';
import { requireMembership } from './require-membership.js';
import type { RoomLimits } from '../../config.js';
import { createHourlyQuota } from '../hourly-quota.js';

export interface RoomServiceOptions {
  store: Store;
  clock: Clock;
  events: EventPublisher;
  limits: RoomLimits;
}

export type RoomService = ReturnType<typeof createRoomService>;

const toMember = (m: MemberRecord): Member => ({
  userId: m.userId,
  role: m.role,
  joinedSeq: m.joinedSeq,
  lastReadSeq: m.lastReadSeq,
});

export function createRoomService({ store, clock, events, limits }: RoomServiceOptions) {
  const creates = createHourlyQuota({ clock, perHour: limits.createsPerHour, what: 'rooms created' });
  const invites = createHourlyQuota({ clock, perHour: limits.invitesPerHour, what: 'users added to rooms' });

  /** Nobody can be put into more rooms than the cap, by themselves or by anyone else. */
  async function requireRoomSpace(userIds: readonly string[]) {
    const counts = await Promise.all(userIds.map(async (id) => ({ id, rooms: (await store.listRoomIdsForUser(id)).length })));
    const full = counts.find((c) => c.rooms >= limits.maxRoomsPerUser);
    if (full) throw new AppError('limit_exceeded', `user ${full.id} is already in ${limits.maxRoomsPerUser} rooms, the most allowed`);
  }

  const requireMember = (roomId: string, userId: string) => requireMembership(store, roomId, userId);

  async function requireGroupAction(roomId: string, userId: string, action: RoomAction) {
    const { member, room } = await requireMember(roomId, userId);
    if (room.kind === 'direct') throw forbidden('direct rooms have no members to manage');
    if (!can(member.role, action)) throw forbidden(`your role (${member.role}) may not ${action} in this room`);
    return { member, room };
  }

  async function requireUsers(ids: readonly string[]): Promise<User[]> {
    const users = await store.getUsers(ids);
    if (users.length !== ids.length) {
      const found = new Set(users.map((u) => u.id));
      throw new AppError('not_found', `user not found: ${ids.find((id) => !found.has(id))}`);
    }
    return users.map(toPublicUser);
  }

  async function viewFor(roomId: string, userId: string): Promise<Room> {
    const view = await store.getRoomForUser(roomId, userId);
    if (!view) throw notFound('room');
    const [room] = await presentRooms(store, [view]);
    return room!;
  }

  /** The added users' own devices learn about the room; everyone else in it sees them join. */
  async function announceJoin(roomId: string, actorId: string, added: readonly MemberRecord[], users: readonly User[]) {
    await Promise.all(
      added.map(async (m) =>
        events.toUser(m.userId, 'room.added', { room: await viewFor(roomId, m.userId) }, { kind: 'join', roomId, userId: m.userId }),
      ),
    );
    const addedIds = new Set(added.map((m) => m.userId));
    await events.toRoom(roomId, 'member.joined', {
      roomId,
      members: added.map(toMember),
      users: users.filter((u) => addedIds.has(u.id)),
      byUserId: actorId,
    });
  }

  async function removeFromRoom(roomId: string, userId: string, actorId: string, reason: 'left' | 'kicked') {
    const removed = await store.removeMember(roomId, userId, clock.nowIso());
    if (!removed) throw notFound('member');
    // The leave effect stops the user's connections getting this room's events at once.
    await events.toRoom(roomId, 'member.left', { roomId, userId, reason, byUserId: actorId }, { kind: 'leave', roomId, userId });
    await events.toUser(userId, 'room.removed', { roomId, reason }, { kind: 'leave', roomId, userId });
  }

  /** Room kinds never change, so they are remembered (bounded): sends ask for every message. */
  const kinds = new Map<string, string>();
  async function kindOf(roomId: string): Promise<string | undefined> {
    const known = kinds.get(roomId);
    if (known) return known;
    const room = await store.getRoom(roomId);
    if (!room) return undefined;
    if (kinds.size >= 10_000) kinds.delete(kinds.keys().next().value!);
    kinds.set(roomId, room.kind);
    return room.kind;
  }

  return {
    requireMember,

    /**
     * A direct room that the other person left comes back for them when this one writes:
     * they are a member again before the message is stored (so it is unread for them), and the
     * returned function, called once it is stored, puts the room back on their devices.
     */
    async restoreDirectPeer(roomId: string, senderId: string): Promise<(() => Promise<void>) | undefined> {
      if ((await kindOf(roomId)) !== 'direct') return undefined;
      if ((await store.listMembers(roomId)).length >= 2) return undefined;
      const view = await store.getRoomForUser(roomId, senderId);
      if (!view?.peerId) return undefined;
      const added = await store.addMembers(roomId, [view.peerId], 'member', clock.nowIso());
      if (added.length === 0) return undefined;
      const users = (await store.getUsers([view.peerId])).map(toPublicUser);
      return () => announceJoin(roomId, senderId, added, users);
    },

    async createGroup(creatorId: string, body: CreateRoomBody): Promise<Room> {
      const memberIds = [...new Set(body.memberIds)].filter((id) => id !== creatorId);
      await requireUsers(memberIds);
      await requireRoomSpace([creatorId, ...memberIds]);
      creates.take(creatorId);
      if (memberIds.length) invites.take(creatorId, memberIds.length);
      const room = await store.createRoom({
        kind: 'group',
        name: body.name.trim() || 'Room',
        creatorId,
        memberIds,
        now: clock.nowIso(),
      });
      // The creator's other devices and every invited member get the room live.
      await Promise.all(
        [creatorId, ...memberIds].map(async (userId) =>
          events.toUser(userId, 'room.added', { room: await viewFor(room.id, userId) }, { kind: 'join', roomId: room.id, userId }),
        ),
      );
      return viewFor(room.id, creatorId);
    },

    async getOrCreateDirect(userId: string, otherId: string): Promise<{ room: Room; created: boolean }> {
      if (otherId === userId) throw invalid('a direct room needs another user');
      await requireUsers([otherId]);
      await requireRoomSpace([userId, otherId]);
      invites.take(userId);
      const { room, created } = await store.getOrCreateDirectRoom({ userA: userId, userB: otherId, now: clock.nowIso() });
      if (created) {
        await Promise.all(
          [userId, otherId].map(async (id) =>
            events.toUser(id, 'room.added', { room: await viewFor(room.id, id) }, { kind: 'join', roomId: room.id, userId: id }),
          ),
        );
      } else if (!(await store.getMember(room.id, userId))) {
        // Coming back to a direct room you left restores it to your list.
        const added = await store.addMembers(room.id, [userId], 'member', clock.nowIso());
        const [me] = await store.getUsers([userId]);
        await announceJoin(room.id, userId, added, me ? [toPublicUser(me)] : []);
      }
      return { room: await viewFor(room.id, userId), created };
    },

    async list(userId: string): Promise<{ rooms: Room[]; totalUnread: number; totalMentions: number }> {
      const rooms = await presentRooms(store, await store.listRoomsForUser(userId));
      return {
        rooms,
        totalUnread: rooms.reduce((sum, r) => sum + r.unreadCount, 0),
        totalMentions: rooms.reduce((sum, r) => sum + r.mentionCount, 0),
      };
    },

    get: (userId: string, roomId: string) => viewFor(roomId, userId),

    listIds: (userId: string) => store.listRoomIdsForUser(userId),

    async update(actorId: string, roomId: string, patch: UpdateRoomBody): Promise<Room> {
      const clean = cleanPatch(patch, 'name');
      if (clean.description !== undefined) clean.description = clean.description?.trim() || null;
      await requireGroupAction(roomId, actorId, 'editRoom');
      const room = await store.updateRoom(roomId, clean);
      await events.toRoom(roomId, 'room.updated', { roomId, name: room.name, avatarUrl: room.avatarUrl, description: room.description });
      return viewFor(roomId, actorId);
    },

    async invite(actorId: string, roomId: string, userIds: readonly string[]): Promise<Member[]> {
      await requireGroupAction(roomId, actorId, 'invite');
      const ids = [...new Set(userIds)];
      const users = await requireUsers(ids);
      await requireRoomSpace(ids);
      invites.take(actorId, ids.length);
      const added = await store.addMembers(roomId, ids, 'member', clock.nowIso());
      if (added.length) await announceJoin(roomId, actorId, added, users);
      return added.map(toMember);
    },

    async leave(userId: string, roomId: string): Promise<void> {
      const { member } = await requireMember(roomId, userId);
      await removeFromRoom(roomId, userId, userId, 'left');
      if (member.role === 'owner') await handOverOwnership(roomId, userId);
    },

    async kick(actorId: string, roomId: string, targetId: string): Promise<void> {
      const { member: actor } = await requireGroupAction(roomId, actorId, 'kick');
      if (targetId === actorId) throw invalid('use leave to leave a room');
      const target = await store.getMember(roomId, targetId);
      if (!target) throw notFound('member');
      if (!outranks(actor.role, target.role)) throw forbidden(`an ${actor.role} may not kick an ${target.role}`);
      await removeFromRoom(roomId, targetId, actorId, 'kicked');
    },

    async setRole(actorId: string, roomId: string, targetId: string, role: Role): Promise<Member> {
      await requireGroupAction(roomId, actorId, 'changeRole');
      if (targetId === actorId) throw invalid('you cannot change your own role; make someone else owner instead');
      if (!(await store.getMember(roomId, targetId))) throw notFound('member');
      const updated = await store.setMemberRole(roomId, targetId, role);
      await events.toRoom(roomId, 'member.updated', { roomId, member: toMember(updated), byUserId: actorId });
      if (role === 'owner') {
        // One owner per room: handing it over makes the old owner an admin.
        const demoted = await store.setMemberRole(roomId, actorId, 'admin');
        await events.toRoom(roomId, 'member.updated', { roomId, member: toMember(demoted), byUserId: actorId });
      }
      return toMember(updated);
    },

    async members(userId: string, roomId: string): Promise<{ members: Member[]; users: User[] }> {
      await requireMember(roomId, userId);
      const members = await store.listMembers(roomId);
      const users = await store.getUsers(members.map((m) => m.userId));
      return { members: members.map(toMember), users: users.map(toPublicUser) };
    },
  };

  /** A group never stays without an owner: the longest-standing admin, else member, takes over. */
  async function handOverOwnership(roomId: string, formerOwnerId: string) {
    const room = await store.getRoom(roomId);
    if (!room || room.kind === 'direct') return;
    const rest = await store.listMembers(roomId);
    if (rest.some((m) => m.role === 'owner')) return;
    const heir = rest.find((m) => m.role === 'admin') ?? rest[0];
    if (!heir) return;
    const updated = await store.setMemberRole(roomId, heir.userId, 'owner');
    await events.toRoom(roomId, 'member.updated', { roomId, member: toMember(updated), byUserId: formerOwnerId });
  }
}
