import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { pipeline, type Readable } from 'node:stream';
import type { BlobStore } from '../../ports/blob-store.js';
import type { Clock } from '../../ports/clock.js';
import { AppError } from '../../errors.js';
import { byteLimit } from './byte-limit.js';

export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  /** Unset: AWS S3 itself. Set for S3-compatible servers (MinIO, s3rver, R2, ...). */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Unset: the SDK's default chain (env, ECS task role, instance profile). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Prefix for every key, so one bucket can serve several deployments. */
  prefix?: string;
  clock: Clock;
}

const isMissing = (err: unknown) =>
  err instanceof S3ServiceException && (err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404);

/** S3 answered with an error: a real failure. No answer at all (refused, reset, timeout): unavailable, retry later. */
function translate(err: unknown): never {
  if (err instanceof AppError) throw err;
  if (err instanceof S3ServiceException && err.$metadata?.httpStatusCode !== undefined && err.$metadata.httpStatusCode < 500) throw err;
  throw new AppError('unavailable', 'blob store unavailable, retry later');
}

export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { bucket, clock, prefix = '' } = options;
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Checksums only where S3 requires them: S3-compatible servers differ in support.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
  });
  const Key = (key: string) => prefix + key;

  return {
    kind: 's3',

    async put(key, body, { maxBytes, contentType, size }) {
      if (Buffer.isBuffer(body)) {
        if (body.length > maxBytes) throw new AppError('too_large', `more than ${maxBytes} bytes`);
      } else if (size === undefined) {
        throw new Error('S3 put of a stream needs its size');
      } else if (size > maxBytes) {
        throw new AppError('too_large', `more than ${maxBytes} bytes`);
      }
      let streamError: unknown;
      const abort = new AbortController();
      // pipeline, not pipe: an error of the source or the limit must reach us, not the process;
      // and the request stops at once instead of waiting on a body that will never come.
      const limited = Buffer.isBuffer(body)
        ? body
        : pipeline(body, byteLimit(maxBytes), (err) => {
            if (!err) return;
            streamError = err;
            abort.abort();
          });
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: Key(key),
            Body: limited,
            ContentType: contentType,
            ContentLength: Buffer.isBuffer(body) ? body.length : size,
          }),
          { abortSignal: abort.signal },
        );
      } catch (err) {
        translate(streamError ?? err);
      }
      return { size: Buffer.isBuffer(body) ? body.length : size! };
    },

    async head(key) {
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: Key(key) }));
        return { size: Number(res.ContentLength ?? 0) };
      } catch (err) {
        if (isMissing(err)) return undefined;
        translate(err);
      }
    },

    async read(key, range) {
      try {
        const res = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: Key(key),
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        return res.Body as Readable;
      } catch (err) {
        if (isMissing(err)) return undefined;
        translate(err);
      }
    },

    async delete(key) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: Key(key) }));
      } catch (err) {
        if (isMissing(err)) return;
        translate(err);
      }
    },

    async createDirectUpload(key, { maxBytes, contentType, expiresInSec }) {
      const expiresAt = new Date(clock.now().getTime() + expiresInSec * 1000).toISOString();
      try {
        const { url, fields } = await createPresignedPost(client, {
          Bucket: bucket,
          Key: Key(key),
          // S3 refuses a body outside this range or of another type before storing anything.
          Conditions: [
            ['content-length-range', 1, maxBytes],
            ['eq', '$Content-Type', contentType],
          ],
          Fields: { 'Content-Type': contentType },
          Expires: expiresInSec,
        });
        return { method: 'POST', url, fields, expiresAt };
      } catch (err) {
        translate(err);
      }
    },

    async createDirectDownload(key, { expiresInSec, contentType, contentDisposition }) {
      return getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: bucket,
          Key: Key(key),
          ResponseContentType: contentType,
          ResponseContentDisposition: contentDisposition,
        }),
        { expiresIn: expiresInSec, signingDate: clock.now() },
      );
    },

    async close() {
      client.destroy();
    },
  };
}
