import { useEffect, useState } from 'react';
import type { ChatClient } from '@chatchat/client';
import type { AttachmentVariant } from '@chatchat/protocol';

/**
 * `<img src>` and `<a href>` cannot send the bearer token, so files are shown through the
 * server's short-lived signed links (`GET /attachments/:id/link`). Links name the user they
 * were made for, so the cache belongs to one client (one signed-in user).
 */
interface Link {
  url: string;
  /** ms since the epoch. */
  expires: number;
}

/** A link this close to its expiry is asked for again, so it still works when the browser uses it. */
const freshMarginMs = 30_000;
const caches = new WeakMap<ChatClient, { links: Map<string, Link>; inflight: Map<string, Promise<string>> }>();

function cacheOf(client: ChatClient) {
  let c = caches.get(client);
  if (!c) caches.set(client, (c = { links: new Map(), inflight: new Map() }));
  return c;
}

const keyOf = (id: string, variant?: AttachmentVariant) => `${id}:${variant ?? ''}`;

export function cachedLink(client: ChatClient, id: string, variant?: AttachmentVariant): string | undefined {
  const link = cacheOf(client).links.get(keyOf(id, variant));
  return link && link.expires - freshMarginMs > Date.now() ? link.url : undefined;
}

export function attachmentLink(client: ChatClient, id: string, variant?: AttachmentVariant): Promise<string> {
  const cached = cachedLink(client, id, variant);
  if (cached) return Promise.resolve(cached);
  const { links, inflight } = cacheOf(client);
  const key = keyOf(id, variant);
  let p = inflight.get(key);
  if (!p) {
    const query = variant ? `?variant=${encodeURIComponent(variant)}` : '';
    p = client.api
      .request<{ url: string; expiresAt: string }>('GET', `/attachments/${encodeURIComponent(id)}/link${query}`)
      .then((r) => {
        links.set(key, { url: r.url, expires: Date.parse(r.expiresAt) });
        return r.url;
      })
      .finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

/** The signed link once it is known (undefined before, or when it cannot be had). */
export function useAttachmentLink(client: ChatClient, id: string | undefined, variant?: AttachmentVariant): string | undefined {
  const [link, setLink] = useState<{ key: string; url: string } | null>(null);
  const key = id ? keyOf(id, variant) : '';
  const cached = id ? cachedLink(client, id, variant) : undefined;
  useEffect(() => {
    if (!id || cached) return;
    let live = true;
    attachmentLink(client, id, variant).then(
      (url) => live && setLink({ key, url }),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [client, id, variant, key, cached]);
  return cached ?? (link?.key === key ? link.url : undefined);
}

/** `/api/v1/attachments/<id>[?variant=…]` (an avatar or a message file) as its parts. */
export function parseAttachmentPath(path: string): { id: string; variant?: AttachmentVariant } | null {
  const m = /^\/api\/v1\/attachments\/([A-Za-z0-9_-]+)(?:\?variant=([a-z0-9]+))?$/.exec(path);
  if (!m) return null;
  return m[2] ? { id: m[1]!, variant: m[2] as AttachmentVariant } : { id: m[1]! };
}
