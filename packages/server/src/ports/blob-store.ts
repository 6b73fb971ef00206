import type { Readable } from 'node:stream';

/** Byte range, both ends inclusive (as in an HTTP `Range: bytes=start-end`). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface BlobInfo {
  size: number;
}

/** How a client sends bytes straight to the blob store (S3 presigned POST); local stores have none. */
export interface DirectUpload {
  method: 'POST';
  url: string;
  /** Form fields to send before the `file` field, in this order. */
  fields: Record<string, string>;
  expiresAt: string;
}

export interface DirectDownloadOptions {
  expiresInSec: number;
  contentType: string;
  /** The full Content-Disposition value the blob store should answer with. */
  contentDisposition: string;
}

/**
 * Where attachment bytes live. Keys are opaque paths made by the server (`[a-z0-9/_.-]`);
 * nothing from a client is ever used as a key.
 */
export interface BlobStore {
  readonly kind: 'local' | 's3';
  /**
   * Streams `body` into `key`. Stops reading and throws AppError('too_large') as soon as
   * more than `maxBytes` arrive; the object is visible only once fully written, so a
   * failed or crashed write leaves the previous object (or none), never half a file.
   * Replaces an existing object. S3 needs `size` when `body` is a stream.
   */
  put(key: string, body: Readable | Buffer, options: { maxBytes: number; contentType: string; size?: number }): Promise<BlobInfo>;
  /** Undefined when the object does not exist. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** The object's bytes (or the range of them); undefined when it does not exist. */
  read(key: string, range?: ByteRange): Promise<Readable | undefined>;
  /** Deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** S3 only: a presigned POST that S3 itself limits to `maxBytes` and the content type. */
  createDirectUpload?(key: string, options: { maxBytes: number; contentType: string; expiresInSec: number }): Promise<DirectUpload>;
  /** S3 only: a short-lived presigned GET. */
  createDirectDownload?(key: string, options: DirectDownloadOptions): Promise<string>;
  close(): Promise<void>;
}
