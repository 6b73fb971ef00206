import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  AuthResponse,
  ChangePasswordBody,
  LoginBody,
  LogoutBody,
  RefreshBody,
  SignupBody,
  TokensResponse,
  type TokenTransport,
} from '@chatchat/protocol';
import type { HttpLimits } from '../../config.js';
import type { Clock } from '../../ports/clock.js';
import type { IssuedTokens } from '../../features/auth/auth-service.js';
import { AppError } from '../../errors.js';
import { errorResponses, type RouteContext } from '../route-context.js';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from '../refresh-cookie.js';
import { bearerToken } from '../auth-guard.js';

const errors = errorResponses('invalid', 'unauthorized', 'conflict', 'rate_limited', 'unavailable');
const tags = ['auth'];
/** Refresh and logout may come with no body at all (cookie or bearer only): validate that as `{}`. */
const emptyBodyIsObject = async (req: FastifyRequest) => {
  req.body ??= {};
};

export interface AuthRouteContext extends RouteContext {
  limits: HttpLimits;
  clock: Clock;
}

/** The routes that work without an access token: they are how one is got. */
export function registerAuthRoutes({ app, services, limits, clock }: AuthRouteContext) {
  /** JSON transport returns both tokens; cookie transport keeps the refresh token out of reach of scripts. */
  function deliver(req: FastifyRequest, reply: FastifyReply, transport: TokenTransport | undefined, issued: IssuedTokens) {
    const { refreshExpiresAt, ...tokens } = issued;
    if (transport !== 'cookie') return tokens;
    setRefreshCookie(req, reply, tokens.refreshToken, refreshExpiresAt, clock.now());
    return { accessToken: tokens.accessToken };
  }

  app.post<{ Body: SignupBody }>(
    '/api/v1/auth/signup',
    {
      config: { rateLimit: { max: limits.signupsPerIpPerHour, timeWindow: '1 hour' } },
      schema: { tags, summary: 'Create an account', body: SignupBody, response: { 201: AuthResponse, ...errors } },
    },
    async (req, reply) => {
      const { user, ...issued } = await services.auth.signup(req.body);
      return reply.status(201).send({ user, ...deliver(req, reply, req.body.transport, issued) });
    },
  );

  app.post<{ Body: LoginBody }>(
    '/api/v1/auth/login',
    {
      config: { rateLimit: { max: limits.loginsPerIpPerMin, timeWindow: '1 minute' } },
      schema: {
        tags,
        body: LoginBody,
        response: { 200: AuthResponse, ...errors },
        summary: 'Log in; wrong username and wrong password look the same, repeated failures lock the username and the IP out for a while',
      },
    },
    async (req, reply) => {
      const { user, ...issued } = await services.auth.login(req.body.username, req.body.password, req.ip);
      return { user, ...deliver(req, reply, req.body.transport, issued) };
    },
  );

  app.post<{ Body: RefreshBody | undefined }>(
    '/api/v1/auth/refresh',
    {
      preValidation: emptyBodyIsObject,
      config: { rateLimit: { max: limits.refreshesPerIpPerMin, timeWindow: '1 minute' } },
      schema: {
        tags,
        body: RefreshBody,
        response: { 200: TokensResponse, ...errors },
        summary: 'Rotate a refresh token (from the body, or else the chatchat_refresh cookie); each works once',
      },
    },
    async (req, reply) => {
      const fromBody = req.body?.refreshToken;
      const token = fromBody ?? readRefreshCookie(req);
      if (!token) throw new AppError('unauthorized', 'no refresh token in the body or the cookie');
      return deliver(req, reply, fromBody ? 'json' : 'cookie', await services.auth.refresh(token));
    },
  );

  app.post<{ Body: RefreshBody | undefined }>(
    '/api/v1/auth/logout',
    {
      preValidation: emptyBodyIsObject,
      schema: {
        tags,
        body: LogoutBody,
        response: { 204: Type.Null(), ...errors },
        summary: 'End this session: named by the refresh token (body or cookie) or by the bearer access token',
      },
    },
    async (req, reply) => {
      const access = bearerToken(req);
      const sessionId = access ? (await services.auth.authenticate(access)).sessionId : undefined;
      const refreshToken = req.body?.refreshToken ?? readRefreshCookie(req);
      if (!sessionId && !refreshToken) throw new AppError('unauthorized', 'name the session: a refresh token or a bearer access token');
      await services.auth.logout({ refreshToken, sessionId });
      clearRefreshCookie(req, reply);
      return reply.status(204).send();
    },
  );
}

/** Session routes that need the access token of the session they act from. */
export function registerSessionRoutes({ app, services }: RouteContext) {
  app.post(
    '/api/v1/auth/logout-all',
    {
      schema: {
        tags,
        summary: 'End every session of this user, this one included; their sockets close with 4403',
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await services.auth.logoutAll(req.userId);
      clearRefreshCookie(req, reply);
      return reply.status(204).send();
    },
  );

  app.post<{ Body: ChangePasswordBody }>(
    '/api/v1/auth/password',
    {
      schema: {
        tags,
        body: ChangePasswordBody,
        response: { 204: Type.Null(), ...errorResponses('invalid', 'forbidden', 'rate_limited', 'unavailable') },
        summary: 'Change the password; every other session of this user ends',
      },
    },
    async (req, reply) => {
      await services.auth.changePassword(req.userId, req.sessionId, req.body.currentPassword, req.body.newPassword);
      return reply.status(204).send();
    },
  );
}
