import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeBlobStoreContract } from '../../ports/blob-store.contract.js';
import { systemClock } from '../../ports/clock.js';
import { startS3Server } from '@chatchat/server/testing';
import { createLocalBlobStore } from './local-blob-store.js';
import { createS3BlobStore } from './s3-blob-store.js';

describeBlobStoreContract('local directory', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chatchat-blobs-'));
  return { store: createLocalBlobStore({ dir }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describeBlobStoreContract('S3 (s3rver)', async () => {
  const s3 = await startS3Server();
  const store = createS3BlobStore({ ...s3.options, clock: systemClock });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await s3.close();
    },
  };
});

describe('local blob store', () => {
  it('leaves no partial file behind when a write fails midway', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chatchat-blobs-'));
    try {
      const store = createLocalBlobStore({ dir });
      let chunks = 0;
      const failing = new Readable({
        read() {
          if (chunks++ < 3) this.push(Buffer.alloc(64 * 1024));
          else this.destroy(new Error('client went away'));
        },
      });
      await expect(store.put('a/b', failing, { maxBytes: 10 * 1024 * 1024, contentType: 'x' })).rejects.toThrow();
      expect(readdirSync(path.join(dir, '.partial'))).toEqual([]);
      expect(await store.head('a/b')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses keys that could leave its directory', async () => {
    const store = createLocalBlobStore({ dir: os.tmpdir() });
    await expect(store.put('../etc/passwd', Readable.from([]), { maxBytes: 1, contentType: 'x' })).rejects.toMatchObject({
      code: 'invalid',
    });
  });
});

describe('S3 blob store', () => {
  it('answers unavailable while the server is down and works again once it is back', async () => {
    const s3 = await startS3Server();
    const store = createS3BlobStore({ ...s3.options, clock: systemClock });
    try {
      await s3.stop();
      await expect(store.head('k')).rejects.toMatchObject({ code: 'unavailable' });
      await s3.start();
      await store.put('k', Buffer.from('back'), { maxBytes: 10, contentType: 'text/plain' });
      expect(await store.head('k')).toEqual({ size: 4 });
    } finally {
      await store.close();
      await s3.close();
    }
  });
});
