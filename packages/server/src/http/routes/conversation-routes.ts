import { Type, type Static } from '@sinclair/typebox';
import { Id, ReactionUsersResponse, RoomSettingsBody, RoomSettingsResponse, SearchQuery, SearchResponse } from '@chatchat/protocol';
import { errorResponses, type RouteContext } from '../route-context.js';

const errors = errorResponses('invalid', 'forbidden', 'not_found');
const MessageParams = Type.Object({ messageId: Id });
const RoomParams = Type.Object({ roomId: Id });

/** Search, who reacted, and my room settings: the HTTP side of replies, reactions, mentions, search, pins, settings. */
export function registerConversationRoutes({ app, services }: RouteContext) {
  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/api/v1/search/messages',
    {
      schema: {
        tags: ['search'],
        querystring: SearchQuery,
        summary: 'Full-text search in your rooms (or one room), newest first; page with `before` = the previous `nextBefore`',
        response: { 200: SearchResponse, ...errors },
      },
    },
    async (req) => services.search.search(req.userId, req.query),
  );

  app.get<{ Params: Static<typeof MessageParams> }>(
    '/api/v1/messages/:messageId/reactions',
    {
      schema: {
        tags: ['messages'],
        params: MessageParams,
        summary: 'Who reacted with which emoji, in order of first use',
        response: { 200: ReactionUsersResponse, ...errors },
      },
    },
    async (req) => services.reactions.who(req.userId, req.params.messageId),
  );

  app.put<{ Params: Static<typeof RoomParams>; Body: Static<typeof RoomSettingsBody> }>(
    '/api/v1/rooms/:roomId/settings',
    {
      schema: {
        tags: ['rooms'],
        params: RoomParams,
        body: RoomSettingsBody,
        summary: 'Your notification level and mute for the room (the room.settings op)',
        response: { 200: RoomSettingsResponse, ...errors },
      },
    },
    async (req) => services.roomSettings.set(req.userId, req.params.roomId, req.body),
  );
}
