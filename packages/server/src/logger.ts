import pino, { type Logger } from 'pino';

export type { Logger };

/** Secrets never reach the logs, whatever object a caller hands to pino. */
const redactPaths = [
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'passwordHash',
  '*.passwordHash',
  'req.headers.authorization',
  'headers.authorization',
  'data.token',
];

export function createLogger(options: { level: string; name?: string; destination?: pino.DestinationStream }): Logger {
  const settings = { level: options.level, name: options.name ?? 'chatchat', redact: { paths: redactPaths, censor: '[redacted]' } };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
