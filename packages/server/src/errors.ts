import { ErrorCodes, type ErrorBody, type ErrorCode } from '@chatchat/protocol';

/** The one error type services throw; the edges map `code` to an HTTP status or a WS error reply. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For `rate_limited`: when to come back (`retryAfterMs` in the body; HTTP adds `Retry-After`). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get httpStatus(): number {
    return ErrorCodes[this.code];
  }

  toBody(): ErrorBody {
    if (this.retryAfterMs !== undefined)
      return { code: this.code, message: this.message, retryAfterMs: Math.max(0, Math.ceil(this.retryAfterMs)) };
    return { code: this.code, message: this.message };
  }
}

/** Anything not an AppError becomes `internal` with a message that leaks nothing. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  return { code: 'internal', message: 'internal error' };
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const forbidden = (message: string) => new AppError('forbidden', message);
export const invalid = (message: string) => new AppError('invalid', message);

/** The first code listed for a status is its general one (403: forbidden, not limit_exceeded). */
const codeByStatus = new Map<number, ErrorCode>();
for (const [code, status] of Object.entries(ErrorCodes) as [ErrorCode, number][]) {
  if (!codeByStatus.has(status)) codeByStatus.set(status, code);
}

/** The catalogue read backwards, for errors that arrive with only a status (Fastify's own 4xx). */
export function codeForStatus(status: number): ErrorCode {
  return codeByStatus.get(status) ?? (status >= 500 ? 'internal' : 'invalid');
}
