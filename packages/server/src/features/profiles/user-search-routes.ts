import { ErrorResponse, UserSearchQuery, UserSearchResponse } from '@chatchat/protocol';
import { bearer, type RouteContext } from '../../http/route-context.js';

export function registerUserSearchRoutes({ app, services, guard }: RouteContext) {
  app.get<{ Querystring: UserSearchQuery }>('/api/v1/users', {
    preHandler: guard,
    schema: {
      tags: ['profile'],
      summary: 'User directory: username or display-name prefix, case-insensitive, paged by cursor',
      security: bearer,
      querystring: UserSearchQuery,
      response: { 200: UserSearchResponse, 400: ErrorResponse, 401: ErrorResponse },
    },
  }, async (req) => services.profiles.search(req.query));
}
