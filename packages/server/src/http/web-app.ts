import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build -w apps/web` writes the app, from this file's place in the repo. */
export const defaultWebDir = fileURLToPath(new URL('../../../../apps/web/dist', import.meta.url));

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface StaticFile {
  body: Buffer;
  type: string;
  /** Vite's hashed output under /assets never changes content under the same name. */
  immutable: boolean;
}

function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (sub: string) => {
    for (const name of readdirSync(path.join(dir, sub))) {
      const rel = path.posix.join(sub, name);
      const full = path.join(dir, rel);
      if (statSync(full).isDirectory()) walk(rel);
      else {
        files.set(`/${rel}`, {
          body: readFileSync(full),
          type: contentTypes[path.extname(name)] ?? 'application/octet-stream',
          immutable: rel.startsWith('assets/'),
        });
      }
    }
  };
  walk('');
  return files;
}

/**
 * No inline script or style element anywhere; the socket goes to the same host. The host
 * comes from the request so one build works behind any name (a client only ever learns the
 * policy for the host it asked for).
 */
function contentSecurityPolicy(host: string, blobOrigin: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${blobOrigin}`,
    `connect-src 'self' ws://${host} wss://${host}${blobOrigin}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "manifest-src 'self'",
  ].join('; ');
}

function securityHeaders(req: FastifyRequest, reply: FastifyReply, blobOrigin: string): void {
  const host = (req.headers.host ?? 'localhost').replace(/[^a-zA-Z0-9.:[\]-]/g, '');
  reply.header('content-security-policy', contentSecurityPolicy(host, blobOrigin));
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
}

export interface WebAppOptions {
  /** The built app (index.html + assets/); default `apps/web/dist`. Absent: nothing is served. */
  dir?: string;
  /**
   * Origin of the blob store when files do not come from this server (S3): images follow the
   * download's 302 there and uploads POST there, so img-src and connect-src name it.
   */
  blobOrigin?: string;
}

/**
 * Serves the built web app from memory (it is small): hashed assets immutable, index.html
 * revalidated on every load so a deploy is picked up, and every other GET that is not the
 * API falls back to index.html for client-side routes. `/api/*` keeps its JSON 404s.
 */
export function registerWebApp(app: FastifyInstance, { dir = defaultWebDir, blobOrigin }: WebAppOptions = {}): boolean {
  if (!existsSync(path.join(dir, 'index.html'))) return false;
  const files = loadFiles(dir);
  const index = files.get('/index.html')!;
  const extraOrigin = blobOrigin ? ` ${blobOrigin}` : '';

  const send = (req: FastifyRequest, reply: FastifyReply, file: StaticFile) => {
    securityHeaders(req, reply, extraOrigin);
    reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    return reply.type(file.type).send(file.body);
  };

  const operationalPaths = new Set(['/api', '/ws', '/metrics', '/healthz', '/readyz']);
  app.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    schema: { hide: true },
    handler: async (req, reply) => {
      const pathname = decodeURIComponent(req.url.split('?')[0]!);
      // Operational paths are never the app: with /metrics unserved, a scraper must see 404, not a page.
      if (pathname.startsWith('/api/') || operationalPaths.has(pathname)) {
        return reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${pathname}` } });
      }
      const file = files.get(pathname);
      if (file) return send(req, reply, file);
      // A missing hashed asset is a real 404, not the app (a stale tab after a deploy).
      if (pathname.startsWith('/assets/') || path.extname(pathname) !== '') {
        return reply.status(404).type('text/plain; charset=utf-8').send('not found');
      }
      return send(req, reply, index);
    },
  });
  return true;
}
