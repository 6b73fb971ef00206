import { useState } from 'react';
import type { Attachment, AttachmentVariant } from '@chatchat/protocol';
import { useClient } from '../chat-context';
import { useAttachmentLink } from '../attachment-links';
import { formatBytes } from '../format-bytes';
import { useLocale } from '../i18n/i18n';
import { placeholderUrl } from '../placeholder';
import { DownloadLink } from './download-link';
import { openImageViewer } from './image-viewer';

/** The largest box an image takes in the list (CSS px); it keeps the image's aspect. */
const maxBoxPx = 320;
const shownInline = /^image\/(png|jpeg|gif|webp)$/;

export function isInlineImage(a: Attachment): a is Attachment & { width: number; height: number } {
  return shownInline.test(a.contentType) && a.width !== undefined && a.height !== undefined;
}

export function boxSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, maxBoxPx / width, maxBoxPx / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The smallest thumbnail that is sharp at this box width on this screen, of those made so far. */
function pickVariant(a: Attachment, boxWidth: number): AttachmentVariant | undefined {
  const want = boxWidth * (globalThis.devicePixelRatio || 1) > 320 ? 'thumb1280' : 'thumb320';
  const order: AttachmentVariant[] = want === 'thumb1280' ? ['thumb1280', 'thumb320'] : ['thumb320', 'thumb1280'];
  return order.find((v) => a.variants.includes(v));
}

/**
 * A message's files. Images take a box of their known size from the first render (the
 * list never jumps when they load): the ThumbHash blur first, the thumbnail over it once it
 * arrives (by `message.updated`) and loads.
 */
export function AttachmentView({ attachments }: { attachments: readonly Attachment[] }) {
  return (
    <div className="attachments">
      {attachments.map((a) => (isInlineImage(a) ? <ImageAttachment key={a.id} a={a} /> : <FileAttachment key={a.id} a={a} />))}
    </div>
  );
}

function ImageAttachment({ a }: { a: Attachment & { width: number; height: number } }) {
  const client = useClient();
  const box = boxSize(a.width, a.height);
  const variant = pickVariant(a, box.width);
  const src = useAttachmentLink(client, variant ? a.id : undefined, variant);
  const [loaded, setLoaded] = useState<string | null>(null);
  const placeholder = placeholderUrl(a.placeholder);
  return (
    <button
      type="button"
      className="att-image"
      style={{ width: box.width, aspectRatio: `${a.width} / ${a.height}` }}
      data-attachment={a.id}
      aria-haspopup="dialog"
      onClick={() => openImageViewer(a)}
    >
      {placeholder && <img className="att-placeholder" src={placeholder} alt="" data-testid="placeholder" />}
      {src ? (
        <img
          className="att-thumb"
          src={src}
          alt={a.name}
          width={box.width}
          height={box.height}
          data-loaded={loaded === src || undefined}
          onLoad={() => setLoaded(src)}
        />
      ) : (
        <span className="visually-hidden">{a.name}</span>
      )}
    </button>
  );
}

function FileAttachment({ a }: { a: Attachment }) {
  const locale = useLocale();
  return (
    <div className="att-file" data-attachment={a.id}>
      <span className="att-file-icon" aria-hidden="true">
        📄
      </span>
      <span className="att-file-info">
        <DownloadLink attachment={a}>{a.name}</DownloadLink>
        <span className="att-file-size">{formatBytes(locale, a.size)}</span>
      </span>
    </div>
  );
}
