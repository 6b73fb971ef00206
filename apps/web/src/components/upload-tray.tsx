import { Limits } from '@chatchat/protocol';
import { formatBytes } from '../format-bytes';
import { useLocale, useT } from '../i18n/i18n';
import type { Uploads } from './use-uploads';

/** Files waiting to go with the next message: progress, errors in words, remove and retry. */
export function UploadTray({ uploads }: { uploads: Uploads }) {
  const t = useT();
  const locale = useLocale();
  if (uploads.files.length === 0 && !uploads.notice) return null;
  return (
    <div className="upload-tray">
      {uploads.files.length > 0 && (
        <ul aria-label={t('attach.tray')}>
          {uploads.files.map((f) => {
            const name = f.file.name || t('attach.unnamed');
            return (
              <li key={f.key} className={`tray-item ${f.status}`} data-status={f.status}>
                {f.preview ? (
                  <img className="tray-preview" src={f.preview} alt="" width={40} height={40} />
                ) : (
                  <span className="tray-preview file" aria-hidden="true">
                    📄
                  </span>
                )}
                <span className="tray-info">
                  <span className="tray-name">{name}</span>
                  <span className="tray-size">{formatBytes(locale, f.file.size)}</span>
                  {f.status === 'uploading' && <progress max={f.file.size} value={f.loaded} aria-label={t('attach.progress', { name })} />}
                  {f.status === 'done' && <span className="tray-ready">{t('attach.ready')}</span>}
                  {f.status === 'failed' && f.error && (
                    <span className="form-error" role="alert">
                      {t(f.error, { name })}
                    </span>
                  )}
                </span>
                {f.status === 'failed' && f.retryable && (
                  <button type="button" className="small" onClick={() => uploads.retry(f.key)} aria-label={t('attach.retry', { name })}>
                    {t('chat.retry')}
                  </button>
                )}
                <button
                  type="button"
                  className="icon small"
                  onClick={() => uploads.remove(f.key)}
                  aria-label={t('attach.remove', { name })}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {uploads.notice && (
        <p className="form-error" role="alert">
          {t(uploads.notice, { max: Limits.maxAttachmentsPerMessage })}
        </p>
      )}
    </div>
  );
}
