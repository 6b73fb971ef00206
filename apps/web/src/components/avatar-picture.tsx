import { useState } from 'react';
import type { AttachmentVariant } from '@chatchat/protocol';
import { useClient } from '../chat-context';
import { parseAttachmentPath, useAttachmentLink } from '../attachment-links';

/**
 * A user's picture over their initial. The server names the 256 px version once it is
 * made; the 64 px one is made with it, and is enough for the small avatars of the list.
 * Until then the original (others get `not_ready`) or a failed load leaves the initial.
 */
export function AvatarPicture({ path, size }: { path: string; size: number }) {
  const client = useClient();
  const parsed = parseAttachmentPath(path);
  let variant: AttachmentVariant | undefined = parsed?.variant;
  if (variant === 'avatar256' && size * (globalThis.devicePixelRatio || 1) <= 64) variant = 'avatar64';
  const src = useAttachmentLink(client, parsed?.id, variant);
  const [failed, setFailed] = useState<string | null>(null);
  if (!src || failed === src) return null;
  return <img className="avatar-img" src={src} alt="" width={size} height={size} onError={() => setFailed(src)} />;
}
