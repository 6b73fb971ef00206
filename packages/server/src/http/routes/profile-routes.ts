import { Type, type Static } from '@sinclair/typebox';
import { Id, MeResponse, UpdateMeBody } from '@chatchat/protocol';
import { errorResponses, type RouteContext } from '../route-context.js';

const errors = errorResponses('invalid', 'not_found');
const UserParams = Type.Object({ userId: Id });

export function registerProfileRoutes({ app, services }: RouteContext) {
  const tags = ['profile'];

  app.get(
    '/api/v1/me',
    {
      schema: { tags, summary: 'The signed-in user', response: { 200: MeResponse, ...errors } },
    },
    async (req) => ({ user: await services.profiles.get(req.userId) }),
  );

  app.patch<{ Body: Static<typeof UpdateMeBody> }>(
    '/api/v1/me',
    {
      schema: {
        tags,
        summary: 'Update your profile; everyone sharing a room with you gets user.updated',
        body: UpdateMeBody,
        response: { 200: MeResponse, ...errors },
      },
    },
    async (req) => ({ user: await services.profiles.update(req.userId, req.body) }),
  );

  app.get<{ Params: Static<typeof UserParams> }>(
    '/api/v1/users/:userId',
    {
      schema: { tags, summary: 'A user profile', params: UserParams, response: { 200: MeResponse, ...errors } },
    },
    async (req) => ({ user: await services.profiles.get(req.params.userId) }),
  );
}
