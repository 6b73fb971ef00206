import { Type, type Static } from '@sinclair/typebox';
import { AnnouncementResponse, AnnouncementsResponse, Id, NoticeBody, NoticeResponse } from '@chatchat/protocol';
import { errorResponses, type RouteContext } from '../route-context.js';

const errors = errorResponses('invalid', 'forbidden', 'not_found');
const RoomParams = Type.Object({ roomId: Id });
const NoticeParams = Type.Object({ roomId: Id, noticeId: Id });

export function registerNoticeRoutes({ app, services }: RouteContext) {
  const tags = ['notices'];

  app.post<{ Params: Static<typeof RoomParams>; Body: Static<typeof NoticeBody> }>(
    '/api/v1/rooms/:roomId/notices',
    {
      schema: {
        tags,
        params: RoomParams,
        body: NoticeBody,
        summary: 'Post the room notice (owner, admin); it replaces the active one',
        response: { 201: NoticeResponse, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send({ notice: await services.notices.post(req.userId, req.params.roomId, req.body.body) }),
  );

  app.delete<{ Params: Static<typeof NoticeParams> }>(
    '/api/v1/rooms/:roomId/notices/:noticeId',
    {
      schema: { tags, params: NoticeParams, summary: 'Remove the notice (owner, admin)', response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      await services.notices.remove(req.userId, req.params.roomId, req.params.noticeId);
      return reply.status(204).send();
    },
  );

  app.post<{ Body: Static<typeof NoticeBody> }>(
    '/api/v1/announcements',
    {
      schema: {
        tags,
        body: NoticeBody,
        summary: 'Post a platform-wide announcement (platform admins)',
        response: { 201: AnnouncementResponse, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send({ announcement: await services.notices.announce(req.userId, req.body.body) }),
  );

  app.get(
    '/api/v1/announcements',
    {
      schema: { tags, summary: 'Recent announcements, newest first', response: { 200: AnnouncementsResponse, ...errors } },
    },
    async () => ({ announcements: await services.notices.recentAnnouncements() }),
  );
}
