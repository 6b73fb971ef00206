import { Type, type Static } from '@sinclair/typebox';
import { ErrorResponse, Id, MeResponse, UpdateMeBody } from '@chatchat/protocol';
import { bearer, type RouteContext } from '../../http/route-context.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse };

export function registerProfileRoutes({ app, services, guard }: RouteContext) {
  app.get('/api/v1/me', {
    preHandler: guard,
    schema: { tags: ['profile'], summary: 'The signed-in user', security: bearer, response: { 200: MeResponse, ...errors } },
  }, async (req) => ({ user: await services.profiles.get(req.userId) }));

  app.patch<{ Body: Static<typeof UpdateMeBody> }>('/api/v1/me', {
    preHandler: guard,
    schema: {
      tags: ['profile'], summary: 'Update your profile; everyone sharing a room with you gets user.updated',
      security: bearer, body: UpdateMeBody, response: { 200: MeResponse, ...errors },
    },
  }, async (req) => ({ user: await services.profiles.update(req.userId, req.body) }));

  app.get<{ Params: { userId: string } }>('/api/v1/users/:userId', {
    preHandler: guard,
    schema: { tags: ['profile'], summary: 'A user profile', security: bearer, params: Type.Object({ userId: Id }), response: { 200: MeResponse, ...errors } },
  }, async (req) => ({ user: await services.profiles.get(req.params.userId) }));
}
