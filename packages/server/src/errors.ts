import { ErrorCodes, type ErrorBody, type ErrorCode } from '@chatchat/protocol';

/** The one error type services throw; the edges map `code` to an HTTP status or a WS error reply. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get httpStatus(): number {
    return ErrorCodes[this.code];
  }

  toBody(): ErrorBody {
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

const codeByStatus = new Map<number, ErrorCode>(
  (Object.entries(ErrorCodes) as [ErrorCode, number][]).map(([code, status]) => [status, code]),
);

/** The catalogue read backwards, for errors that arrive with only a status (Fastify's own 4xx). */
export function codeForStatus(status: number): ErrorCode {
  return codeByStatus.get(status) ?? (status >= 500 ? 'internal' : 'invalid');
}
