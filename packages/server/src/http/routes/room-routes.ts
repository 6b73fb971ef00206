import { Type, type Static } from '@sinclair/typebox';
import {
  AddMembersBody,
  CreateRoomBody,
  DirectRoomBody,
  Id,
  Member,
  MembersResponse,
  RoomResponse,
  RoomsResponse,
  UpdateMemberBody,
  UpdateRoomBody,
} from '@chatchat/protocol';
import { errorResponses, type RouteContext } from '../route-context.js';

const errors = errorResponses('invalid', 'forbidden', 'not_found', 'rate_limited');
const RoomParams = Type.Object({ roomId: Id });
const MemberParams = Type.Object({ roomId: Id, userId: Id });
type RoomParams = Static<typeof RoomParams>;
type MemberParams = Static<typeof MemberParams>;

export function registerRoomRoutes({ app, services }: RouteContext) {
  const tags = ['rooms'];

  app.post<{ Body: Static<typeof CreateRoomBody> }>(
    '/api/v1/rooms',
    {
      schema: {
        tags,
        summary: 'Create a group room; you become its owner',
        body: CreateRoomBody,
        response: { 201: RoomResponse, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send({ room: await services.rooms.createGroup(req.userId, req.body) }),
  );

  app.post<{ Body: Static<typeof DirectRoomBody> }>(
    '/api/v1/rooms/direct',
    {
      schema: {
        tags,
        summary: 'Get or create the direct room with a user (the same room every time)',
        body: DirectRoomBody,
        response: { 200: RoomResponse, 201: RoomResponse, ...errors },
      },
    },
    async (req, reply) => {
      const { room, created } = await services.rooms.getOrCreateDirect(req.userId, req.body.userId);
      return reply.status(created ? 201 : 200).send({ room });
    },
  );

  app.get(
    '/api/v1/rooms',
    {
      schema: { tags, summary: 'Your rooms, newest activity first, with unread counts', response: { 200: RoomsResponse, ...errors } },
    },
    async (req) => services.rooms.list(req.userId),
  );

  app.get<{ Params: RoomParams }>(
    '/api/v1/rooms/:roomId',
    {
      schema: { tags, summary: 'One of your rooms', params: RoomParams, response: { 200: RoomResponse, ...errors } },
    },
    async (req) => ({ room: await services.rooms.get(req.userId, req.params.roomId) }),
  );

  app.patch<{ Params: RoomParams; Body: Static<typeof UpdateRoomBody> }>(
    '/api/v1/rooms/:roomId',
    {
      schema: {
        tags,
        summary: 'Rename or change the avatar (owner, admin)',
        params: RoomParams,
        body: UpdateRoomBody,
        response: { 200: RoomResponse, ...errors },
      },
    },
    async (req) => ({ room: await services.rooms.update(req.userId, req.params.roomId, req.body) }),
  );

  app.get<{ Params: RoomParams }>(
    '/api/v1/rooms/:roomId/members',
    {
      schema: {
        tags,
        summary: 'Members with roles, read pointers, profiles and presence',
        params: RoomParams,
        response: { 200: MembersResponse, ...errors },
      },
    },
    async (req) => services.snapshots.roomMembers(req.userId, req.params.roomId),
  );

  app.post<{ Params: RoomParams; Body: Static<typeof AddMembersBody> }>(
    '/api/v1/rooms/:roomId/members',
    {
      schema: {
        tags,
        summary: 'Invite users (any member of a group room)',
        params: RoomParams,
        body: AddMembersBody,
        response: { 200: Type.Object({ members: Type.Array(Member) }), ...errors },
      },
    },
    async (req) => ({ members: await services.rooms.invite(req.userId, req.params.roomId, req.body.userIds) }),
  );

  app.delete<{ Params: RoomParams }>(
    '/api/v1/rooms/:roomId/members/me',
    {
      schema: { tags, summary: 'Leave the room', params: RoomParams, response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      await services.rooms.leave(req.userId, req.params.roomId);
      return reply.status(204).send();
    },
  );

  app.delete<{ Params: MemberParams }>(
    '/api/v1/rooms/:roomId/members/:userId',
    {
      schema: {
        tags,
        summary: 'Kick a member (owner; admins kick members only)',
        params: MemberParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      if (req.params.userId === req.userId) await services.rooms.leave(req.userId, req.params.roomId);
      else await services.rooms.kick(req.userId, req.params.roomId, req.params.userId);
      return reply.status(204).send();
    },
  );

  app.patch<{ Params: MemberParams; Body: Static<typeof UpdateMemberBody> }>(
    '/api/v1/rooms/:roomId/members/:userId',
    {
      schema: {
        tags,
        summary: 'Change a role (owner only; making someone owner hands ownership over)',
        params: MemberParams,
        body: UpdateMemberBody,
        response: { 200: Type.Object({ member: Member }), ...errors },
      },
    },
    async (req) => ({ member: await services.rooms.setRole(req.userId, req.params.roomId, req.params.userId, req.body.role) }),
  );
}
