import { useEffect, useRef } from 'react';
import type { Attachment } from '@chatchat/protocol';
import { useClient } from '../chat-context';
import { useAttachmentLink } from '../attachment-links';
import { useT } from '../i18n/i18n';
import { placeholderUrl } from '../placeholder';
import { DownloadLink } from './download-link';

/**
 * The full image in a modal dialog (the browser's own: focus kept inside, Escape closes,
 * focus goes back to the image that opened it). Shows the 1280 px version, as sharp as a
 * screen needs; the original is a download.
 */
export default function ImageViewer({ attachment: a, onClose }: { attachment: Attachment; onClose: () => void }) {
  const t = useT();
  const client = useClient();
  const ref = useRef<HTMLDialogElement>(null);
  const variant = a.variants.includes('thumb1280') ? 'thumb1280' : a.variants.includes('thumb320') ? 'thumb320' : undefined;
  const src = useAttachmentLink(client, variant ? a.id : undefined, variant);
  const placeholder = placeholderUrl(a.placeholder);

  // No close() on cleanup: a removed dialog leaves the top layer by itself, and close()
  // would queue a `close` event that lands after a StrictMode remount has opened it again.
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  return (
    <dialog ref={ref} className="image-viewer" aria-label={a.name} onClose={onClose}>
      <div className="viewer-body">
        <div className="viewer-bar">
          <span className="viewer-name">{a.name}</span>
          <DownloadLink attachment={a} className="button small">
            {t('attach.download')}
          </DownloadLink>
          <button type="button" className="small" autoFocus onClick={() => ref.current?.close()}>
            {t('common.close')}
          </button>
        </div>
        <div className="viewer-image" style={{ aspectRatio: `${a.width ?? 1} / ${a.height ?? 1}` }}>
          {placeholder && <img className="att-placeholder" src={placeholder} alt="" />}
          {src && <img className="att-thumb" data-loaded="" src={src} alt={a.name} />}
        </div>
      </div>
    </dialog>
  );
}
