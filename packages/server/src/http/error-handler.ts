import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCodes, type ErrorBody } from '@chatchat/protocol';
import { AppError, codeForStatus } from '../errors.js';
import type { Logger } from '../logger.js';

/** Every failure leaves as `{ error: { code, message } }` with the catalogue's status; no stack traces. */
export function installErrorHandler(app: FastifyInstance, log: Logger, onUnexpected: (err: unknown) => void) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let status: number;
    let body: ErrorBody;
    if (err instanceof AppError) {
      status = err.httpStatus;
      body = err.toBody();
      if (err.retryAfterMs !== undefined) void reply.header('retry-after', String(Math.ceil(err.retryAfterMs / 1000)));
    } else if (err.validation) {
      status = ErrorCodes.invalid;
      body = {
        code: 'invalid',
        message: `${err.validationContext ?? 'request'}${err.validation[0]?.instancePath ?? ''} ${err.validation[0]?.message ?? 'is invalid'}`,
      };
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      body = { code: codeForStatus(status), message: err.message };
    } else {
      onUnexpected(err);
      log.error({ err, url: req.url, method: req.method }, 'request failed');
      status = 500;
      body = { code: 'internal', message: 'internal error' };
    }
    void reply.status(status).send({ error: body });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(ErrorCodes.not_found)
      .send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
}
