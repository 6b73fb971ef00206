import { UserSearchQuery, UserSearchResponse } from '@chatchat/protocol';
import { errorResponses, type RouteContext } from '../route-context.js';

export function registerUserSearchRoutes({ app, services }: RouteContext) {
  app.get<{ Querystring: UserSearchQuery }>(
    '/api/v1/users',
    {
      schema: {
        tags: ['profile'],
        summary: 'User directory: username or display-name prefix, case-insensitive, paged by cursor',
        querystring: UserSearchQuery,
        response: { 200: UserSearchResponse, ...errorResponses('invalid') },
      },
    },
    async (req) => services.profiles.search(req.query),
  );
}
