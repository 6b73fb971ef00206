import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../../ports/blob-store.js';
import { invalid } from '../../errors.js';
import { byteLimit } from './byte-limit.js';

const keyPattern = /^[a-z0-9][a-z0-9/_.-]*$/;

/**
 * Blobs as files under `dir`. Writes go to `dir/.partial/` and are renamed into place when
 * complete: rename is atomic within one file system, so a reader (or a restart after a
 * crash) sees the old object or the new one, never a half-written file.
 */
export function createLocalBlobStore({ dir }: { dir: string }): BlobStore {
  const partialDir = path.join(dir, '.partial');
  const fileOf = (key: string) => {
    if (!keyPattern.test(key) || key.includes('..')) throw invalid(`bad blob key "${key}"`);
    return path.join(dir, key);
  };
  let ready: Promise<unknown> | undefined;
  // Partials left by a crash are never visible as objects; they are cleared at start.
  const init = () => (ready ??= rm(partialDir, { recursive: true, force: true }).then(() => mkdir(partialDir, { recursive: true })));

  return {
    kind: 'local',

    async put(key, body, { maxBytes }) {
      const file = fileOf(key);
      await init();
      const tmp = path.join(partialDir, randomUUID());
      const limit = byteLimit(maxBytes);
      try {
        await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, limit, createWriteStream(tmp, { flags: 'wx' }));
        await mkdir(path.dirname(file), { recursive: true });
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      return { size: limit.bytes };
    },

    async head(key) {
      try {
        const s = await stat(fileOf(key));
        return s.isFile() ? { size: s.size } : undefined;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },

    async read(key, range) {
      const file = fileOf(key);
      // Opening first turns a missing file into undefined instead of a stream error later.
      if (!(await this.head(key))) return undefined;
      return createReadStream(file, range ? { start: range.start, end: range.end } : {});
    },

    async delete(key) {
      await rm(fileOf(key), { force: true });
    },

    async close() {},
  };
}
