import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  AttachmentLinkResponse,
  AttachmentQuery,
  AttachmentVariant,
  CreateUploadBody,
  CreateUploadResponse,
  ErrorResponse,
  Id,
  UploadResponse,
  UploadStatusResponse,
  UploadUsageResponse,
} from '@chatchat/protocol';
import { AppError } from '../../errors.js';
import { createAuthGuard } from '../auth-guard.js';
import { errorResponses, type RouteContext } from '../route-context.js';

const UploadParams = Type.Object({ uploadId: Id });
const AttachmentParams = Type.Object({ attachmentId: Id });
const LinkQuery = Type.Object({ variant: Type.Optional(AttachmentVariant) });
const uploadErrors = errorResponses(
  'invalid',
  'not_found',
  'conflict',
  'too_large',
  'unsupported_type',
  'quota_exceeded',
  'rate_limited',
  'forbidden',
  'unavailable',
);
/** Bytes a refused upload body may still send before the socket is cut, so the client can read the 413. */
const drainAfterRefusalBytes = 1024 * 1024;

/** Upload routes: inside the authenticated scope. */
export function registerUploadRoutes({ app, services }: RouteContext) {
  const tags = ['uploads'];

  app.post<{ Body: Static<typeof CreateUploadBody> }>(
    '/api/v1/uploads',
    {
      schema: {
        tags,
        body: CreateUploadBody,
        summary: 'Ask to upload a file: checks membership, limits and quota; answers how to send the bytes (transfer)',
        response: { 201: CreateUploadResponse, ...uploadErrors },
      },
    },
    async (req, reply) => reply.status(201).send(await services.attachments.create(req.userId, req.body)),
  );

  app.get(
    '/api/v1/uploads/usage',
    {
      schema: { tags, summary: 'Your stored bytes, quota and upload limits', response: { 200: UploadUsageResponse } },
    },
    async (req) => services.attachments.usage(req.userId),
  );

  app.get<{ Params: Static<typeof UploadParams> }>(
    '/api/v1/uploads/:uploadId',
    {
      schema: {
        tags,
        params: UploadParams,
        summary: 'An upload, with a fresh transfer while pending (to retry sending the bytes)',
        response: { 200: UploadStatusResponse, ...uploadErrors },
      },
    },
    async (req) => services.attachments.status(req.userId, req.params.uploadId),
  );

  app.post<{ Params: Static<typeof UploadParams> }>(
    '/api/v1/uploads/:uploadId/complete',
    {
      schema: {
        tags,
        params: UploadParams,
        summary: 'Check the stored bytes (exact size, content matches the declared type) and make the upload attachable',
        response: { 200: UploadResponse, ...uploadErrors },
      },
    },
    async (req) => ({ upload: await services.attachments.complete(req.userId, req.params.uploadId) }),
  );

  // The raw body, streamed: its own scope so no other route loses the JSON parser.
  void app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_req, _payload, done) => done(null));
    raw.put<{ Params: Static<typeof UploadParams> }>(
      '/api/v1/uploads/:uploadId/content',
      {
        schema: {
          tags,
          params: UploadParams,
          summary:
            'Local blob store: the file bytes as the raw body, streamed; refused with 413 past the declared size. Sending again replaces them.',
          response: { 200: UploadResponse, ...uploadErrors },
        },
      },
      async (req, reply) => {
        try {
          return { upload: await services.attachments.putContent(req.userId, req.params.uploadId, req.raw) };
        } catch (err) {
          drainThenCut(req);
          void reply.header('connection', 'close');
          throw err;
        }
      },
    );
  });

  app.get<{ Params: Static<typeof AttachmentParams>; Querystring: Static<typeof LinkQuery> }>(
    '/api/v1/attachments/:attachmentId/link',
    {
      schema: {
        tags: ['attachments'],
        params: AttachmentParams,
        querystring: LinkQuery,
        summary: 'A short-lived signed same-origin URL for the attachment (for <img src>): no token in it, access checked again on use',
        response: { 200: AttachmentLinkResponse, ...errorResponses('not_found', 'not_ready') },
      },
    },
    async (req) => services.attachments.link(req.userId, req.params.attachmentId, req.query.variant),
  );
}

/** Let a refused body finish (bounded) so the client reads our answer instead of a reset. */
function drainThenCut(req: FastifyRequest) {
  let extra = 0;
  req.raw.on('data', (c: Buffer) => {
    extra += c.length;
    if (extra > drainAfterRefusalBytes) req.raw.destroy();
  });
  req.raw.resume();
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges or another unit: answer with the whole file, as RFC 9110 allows.
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/**
 * Downloads: a bearer token or a signed link (`/link`). Outside the authenticated scope
 * because `<img src>` cannot send a header; the route authenticates itself.
 */
export function registerAttachmentDownloadRoutes({ app, services }: RouteContext) {
  const guard = createAuthGuard(services);
  app.get<{ Params: Static<typeof AttachmentParams>; Querystring: Static<typeof AttachmentQuery> }>(
    '/api/v1/attachments/:attachmentId',
    {
      schema: {
        tags: ['attachments'],
        params: AttachmentParams,
        querystring: AttachmentQuery,
        security: [{ bearerAuth: [] }, {}],
        summary:
          'The bytes (local store; Range supported, 206) or a 302 to a short-lived presigned URL (S3). Members of the room only; avatars: any signed-in user.',
        response: { 401: ErrorResponse, ...errorResponses('forbidden', 'not_found', 'not_ready', 'unavailable') },
      },
    },
    async (req, reply) => {
      const { attachmentId } = req.params;
      const q = req.query;
      let userId: string;
      if (q.sig !== undefined || q.u !== undefined || q.exp !== undefined) {
        if (q.sig === undefined || q.u === undefined || q.exp === undefined) throw new AppError('forbidden', 'incomplete signed link');
        userId = services.attachments.verifyLink(attachmentId, q.variant, { u: q.u, exp: q.exp, sig: q.sig });
      } else {
        await guard(req);
        userId = req.userId;
      }
      const plan = await services.attachments.planDownload(userId, attachmentId, q.variant);
      // Whatever the bytes are, they never run as a page of our origin.
      void reply.headers({
        'x-content-type-options': 'nosniff',
        'content-security-policy': "sandbox; default-src 'none'",
        'cross-origin-resource-policy': 'same-origin',
        'content-disposition': plan.disposition,
      });
      if (plan.redirect) {
        return reply.header('cache-control', 'no-store').redirect(await plan.redirect(), 302);
      }
      void reply.headers({ 'cache-control': 'private, max-age=300', 'accept-ranges': 'bytes', 'content-type': plan.contentType });
      const range = parseRange(req.headers.range, plan.size);
      if (range === 'unsatisfiable') {
        return reply
          .status(416)
          .headers({ 'content-range': `bytes */${plan.size}`, 'content-type': 'application/json' })
          .send({ error: { code: 'invalid', message: 'range not satisfiable' } });
      }
      const stream = await services.attachments.read(plan.key, range);
      if (!stream) throw new AppError('not_found', 'attachment not found');
      if (range) {
        return reply
          .status(206)
          .headers({ 'content-range': `bytes ${range.start}-${range.end}/${plan.size}`, 'content-length': range.end - range.start + 1 })
          .send(stream);
      }
      return reply.header('content-length', plan.size).send(stream);
    },
  );
}
