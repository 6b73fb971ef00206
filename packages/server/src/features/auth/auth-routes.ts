import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import {
  AuthResponse, CookieAuthResponse, CookieTokensResponse, ErrorResponse, LoginBody, LogoutBody, RefreshBody, SignupBody,
  TokensResponse,
} from '@chatchat/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { bearer, type RouteContext } from '../../http/route-context.js';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from '../../http/refresh-cookie.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 409: ErrorResponse };
const authResponse = Type.Union([AuthResponse, CookieAuthResponse]);
const tokensResponse = Type.Union([TokensResponse, CookieTokensResponse]);

export function registerAuthRoutes({ app, services, guard }: RouteContext) {
  /** With `transport: "cookie"` the refresh token leaves the JSON and goes into the httpOnly cookie. */
  function answer<T extends { refreshToken: string }>(req: FastifyRequest, reply: FastifyReply, cookie: boolean, tokens: T) {
    if (!cookie) return tokens;
    const { refreshToken, ...rest } = tokens;
    setRefreshCookie(req, reply, refreshToken, services.auth.refreshTokenTtlSec);
    return rest;
  }

  app.post<{ Body: Static<typeof SignupBody> }>('/api/v1/auth/signup', {
    schema: { tags: ['auth'], summary: 'Create an account', body: SignupBody, response: { 201: authResponse, ...errors } },
  }, async (req, reply) => {
    const { transport, ...body } = req.body;
    return reply.status(201).send(answer(req, reply, transport === 'cookie', await services.auth.signup(body)));
  });

  app.post<{ Body: Static<typeof LoginBody> }>('/api/v1/auth/login', {
    schema: { tags: ['auth'], summary: 'Log in; wrong username and wrong password look the same', body: LoginBody, response: { 200: authResponse, ...errors } },
  }, async (req, reply) => answer(req, reply, req.body.transport === 'cookie', await services.auth.login(req.body.username, req.body.password)));

  app.post<{ Body: Static<typeof RefreshBody> }>('/api/v1/auth/refresh', {
    schema: {
      tags: ['auth'], summary: 'Rotate a refresh token (body, or the chatchat_refresh cookie when the body has none); each works once',
      body: RefreshBody, response: { 200: tokensResponse, ...errors },
    },
  }, async (req, reply) => {
    const fromBody = req.body.refreshToken;
    const token = fromBody ?? readRefreshCookie(req);
    if (!token) throw new AppError('unauthorized', 'no refresh token');
    try {
      return answer(req, reply, fromBody === undefined, await services.auth.refresh(token));
    } catch (err) {
      if (fromBody === undefined) clearRefreshCookie(req, reply);
      throw err;
    }
  });

  app.post<{ Body: Static<typeof LogoutBody> }>('/api/v1/auth/logout', {
    schema: {
      tags: ['auth'], summary: 'Revoke the session of this refresh token (body; or, with a bearer token, the cookie\'s)',
      body: LogoutBody, response: { 204: { type: 'null' }, ...errors },
    },
  }, async (req, reply) => {
    const fromBody = req.body.refreshToken;
    if (fromBody === undefined) {
      await guard.call(app, req, reply);
      const cookie = readRefreshCookie(req);
      if (cookie) await services.auth.logout(cookie);
      clearRefreshCookie(req, reply);
    } else {
      await services.auth.logout(fromBody);
    }
    return reply.status(204).send();
  });

  app.post('/api/v1/auth/logout-all', {
    preHandler: guard,
    schema: { tags: ['auth'], summary: 'Revoke every session of the signed-in user (all devices)', security: bearer, response: { 204: { type: 'null' }, ...errors } },
  }, async (req, reply) => {
    await services.auth.logoutAll(req.userId);
    clearRefreshCookie(req, reply);
    return reply.status(204).send();
  });
}
