import { Transform } from 'node:stream';
import { AppError } from '../../errors.js';

/** Passes bytes through until more than `maxBytes` arrive, then fails the pipeline with too_large. */
export function byteLimit(maxBytes: number): Transform & { readonly bytes: number } {
  let bytes = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(new AppError('too_large', `more than ${maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  return Object.defineProperty(t, 'bytes', { get: () => bytes }) as Transform & { readonly bytes: number };
}
