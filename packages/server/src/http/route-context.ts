import type { FastifyInstance } from 'fastify';
import { ErrorCodes, ErrorResponse, type ErrorCode } from '@chatchat/protocol';
import type { Services } from '../services.js';

/** What every route module gets: the Fastify scope to register in and the feature services. */
export interface RouteContext {
  /** Inside the authenticated scope, `req.userId` and `req.sessionId` are set before any handler runs. */
  app: FastifyInstance;
  services: Services;
}

/** OpenAPI error responses for the codes a route can answer with, statuses from the one catalogue. */
export function errorResponses(...codes: ErrorCode[]): Record<number, typeof ErrorResponse> {
  return Object.fromEntries(codes.map((code) => [ErrorCodes[code], ErrorResponse]));
}
