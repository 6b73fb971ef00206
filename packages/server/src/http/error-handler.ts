import type { FastifyError, FastifyInstance } from 'fastify';
import type { ErrorBody } from '@chatchat/protocol';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Every failure leaves as `{ error: { code, message } }` with the catalogue's status; no stack traces. */
export function installErrorHandler(app: FastifyInstance, log: Logger, onUnexpected: (err: unknown) => void) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let status: number;
    let body: ErrorBody;
    if (err instanceof AppError) {
      status = err.httpStatus;
      body = err.toBody();
    } else if (err.validation) {
      status = 400;
      body = { code: 'invalid', message: `${err.validationContext ?? 'request'}${err.validation[0]?.instancePath ?? ''} ${err.validation[0]?.message ?? 'is invalid'}` };
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = { code: 'too_large', message: 'request body too large' };
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      body = { code: status === 413 ? 'too_large' : status === 429 ? 'rate_limited' : 'invalid', message: err.message };
    } else {
      onUnexpected(err);
      log.error({ err, url: req.url, method: req.method }, 'request failed');
      status = 500;
      body = { code: 'internal', message: 'internal error' };
    }
    void reply.status(status).send({ error: body });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
}
