import { useState, type MouseEvent, type ReactNode } from 'react';
import type { ChatClient } from '@chatchat/client';
import type { Attachment } from '@chatchat/protocol';
import { useClient } from '../chat-context';
import { attachmentLink, cachedLink, useAttachmentLink } from '../attachment-links';
import { useT } from '../i18n/i18n';

/** Clicks a link made on the spot: the way to start a download once a fresh signed link is in hand. */
function follow(url: string, name: string) {
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}

/**
 * A link to the original. The href is a signed link fetched ahead (so "copy link" and
 * middle-click work for its few minutes); a click with no fresh link asks for one first.
 */
export function DownloadLink({ attachment, children, className }: { attachment: Attachment; children: ReactNode; className?: string }) {
  const client = useClient();
  const t = useT();
  const signed = useAttachmentLink(client, attachment.id);
  const [failed, setFailed] = useState(false);
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (cachedLink(client, attachment.id)) return;
    e.preventDefault();
    void download(client, attachment).then(
      () => setFailed(false),
      () => setFailed(true),
    );
  };
  return (
    <>
      <a className={className} href={signed ?? attachment.url} download={attachment.name} onClick={onClick}>
        {children}
      </a>
      {failed && (
        <span className="form-error" role="alert">
          {t('attach.downloadFailed')}
        </span>
      )}
    </>
  );
}

async function download(client: ChatClient, a: Attachment) {
  follow(await attachmentLink(client, a.id), a.name);
}
