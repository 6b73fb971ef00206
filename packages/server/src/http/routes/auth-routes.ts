import type { Static } from '@sinclair/typebox';
import { AuthResponse, LoginBody, LogoutBody, RefreshBody, SignupBody, TokensResponse } from '@chatchat/protocol';
import { errorResponses, type RouteContext } from '../route-context.js';

const errors = errorResponses('invalid', 'unauthorized', 'conflict');

/** The routes that work without an access token: they are how one is got. */
export function registerAuthRoutes({ app, services }: RouteContext) {
  const tags = ['auth'];

  app.post<{ Body: Static<typeof SignupBody> }>('/api/v1/auth/signup', {
    schema: { tags, summary: 'Create an account', body: SignupBody, response: { 201: AuthResponse, ...errors } },
  }, async (req, reply) => reply.status(201).send(await services.auth.signup(req.body)));

  app.post<{ Body: Static<typeof LoginBody> }>('/api/v1/auth/login', {
    schema: { tags, summary: 'Log in; wrong username and wrong password look the same', body: LoginBody, response: { 200: AuthResponse, ...errors } },
  }, async (req) => services.auth.login(req.body.username, req.body.password));

  app.post<{ Body: Static<typeof RefreshBody> }>('/api/v1/auth/refresh', {
    schema: { tags, summary: 'Rotate a refresh token; each works once', body: RefreshBody, response: { 200: TokensResponse, ...errors } },
  }, async (req) => services.auth.refresh(req.body.refreshToken));

  app.post<{ Body: Static<typeof LogoutBody> }>('/api/v1/auth/logout', {
    schema: { tags, summary: 'Revoke the session of this refresh token', body: LogoutBody, response: { 204: { type: 'null' }, ...errors } },
  }, async (req, reply) => {
    await services.auth.logout(req.body.refreshToken);
    return reply.status(204).send();
  });
}
