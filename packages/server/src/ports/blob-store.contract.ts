import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store.js';

export interface BlobStoreContractSubject {
  store: BlobStore;
  cleanup(): Promise<void>;
}

/** Bytes produced lazily, chunk by chunk, so no test holds a whole file in memory. */
export function byteStream(total: number, chunk = 64 * 1024, fill = 0x61): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(chunk, total - sent);
      sent += n;
      this.push(Buffer.alloc(n, fill));
    },
  });
}

/** The behaviour every BlobStore adapter must have. */
export function describeBlobStoreContract(name: string, make: () => Promise<BlobStoreContractSubject>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let subject: BlobStoreContractSubject;
    let store: BlobStore;
    beforeAll(async () => {
      subject = await make();
      store = subject.store;
    });
    afterAll(() => subject.cleanup());
    const key = () => `test/${randomUUID()}`;

    it('stores a stream and reads it back whole and by range', async () => {
      const k = key();
      const info = await store.put(k, Readable.from([Buffer.from('hello '), Buffer.from('world')]), {
        maxBytes: 100,
        contentType: 'text/plain',
        size: 11,
      });
      expect(info.size).toBe(11);
      expect(await store.head(k)).toEqual({ size: 11 });
      expect(await text((await store.read(k))!)).toBe('hello world');
      expect(await text((await store.read(k, { start: 6, end: 10 }))!)).toBe('world');
    });

    it('stores a buffer and replaces an existing object', async () => {
      const k = key();
      await store.put(k, Buffer.from('first version'), { maxBytes: 100, contentType: 'text/plain' });
      await store.put(k, Buffer.from('second'), { maxBytes: 100, contentType: 'text/plain' });
      expect(await text((await store.read(k))!)).toBe('second');
    });

    it('streams a large object without holding it', async () => {
      const k = key();
      const size = 5 * 1024 * 1024 + 7;
      await store.put(k, byteStream(size), { maxBytes: size, contentType: 'application/octet-stream', size });
      expect(await store.head(k)).toEqual({ size });
      let read = 0;
      for await (const c of (await store.read(k))!) read += (c as Buffer).length;
      expect(read).toBe(size);
    });

    it('stops at the byte limit with too_large and leaves nothing (or the old object) visible', async () => {
      const k = key();
      await expect(store.put(k, Buffer.alloc(101), { maxBytes: 100, contentType: 'text/plain' })).rejects.toMatchObject({
        code: 'too_large',
      });
      expect(await store.head(k)).toBeUndefined();
      await store.put(k, Buffer.from('kept'), { maxBytes: 100, contentType: 'text/plain' });
      await expect(store.put(k, byteStream(1000), { maxBytes: 100, contentType: 'text/plain', size: 100 })).rejects.toMatchObject({
        code: 'too_large',
      });
      expect(await text((await store.read(k))!)).toBe('kept');
    });

    it('answers undefined for a missing object and deletes idempotently', async () => {
      const k = key();
      expect(await store.head(k)).toBeUndefined();
      expect(await store.read(k)).toBeUndefined();
      await store.delete(k);
      await store.put(k, Buffer.from('x'), { maxBytes: 10, contentType: 'text/plain' });
      await store.delete(k);
      expect(await store.head(k)).toBeUndefined();
    });
  });
}
