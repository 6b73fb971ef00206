import { Type, type Static } from '@sinclair/typebox';
import { ClientMsgId, HistoryQuery, Id, Message, MessageBody, MessagesResponse } from '@chatchat/protocol';
import { errorResponses, type RouteContext } from '../route-context.js';

const errors = errorResponses('invalid', 'forbidden', 'not_found', 'conflict');
const RoomParams = Type.Object({ roomId: Id });
const SendBody = Type.Object({ body: MessageBody, clientMsgId: ClientMsgId, replyTo: Type.Optional(Id) }, { additionalProperties: false });

export function registerMessageRoutes({ app, services }: RouteContext) {
  const tags = ['messages'];

  app.get<{ Params: Static<typeof RoomParams>; Querystring: Static<typeof HistoryQuery> }>(
    '/api/v1/rooms/:roomId/messages',
    {
      schema: {
        tags,
        params: RoomParams,
        querystring: HistoryQuery,
        summary: 'History in ascending seq: afterSeq pages forward, beforeSeq (or neither) pages back from the end',
        response: { 200: MessagesResponse, ...errors },
      },
    },
    async (req) => services.messages.history(req.userId, req.params.roomId, req.query),
  );

  app.post<{ Params: Static<typeof RoomParams>; Body: Static<typeof SendBody> }>(
    '/api/v1/rooms/:roomId/messages',
    {
      schema: {
        tags,
        params: RoomParams,
        body: SendBody,
        summary: 'Send over HTTP (bots, scripts); the same as the message.send op, retries included',
        response: { 201: Type.Object({ message: Message }), ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send({
        message: await services.messages.send(req.userId, { roomId: req.params.roomId, ...req.body }),
      }),
  );
}
