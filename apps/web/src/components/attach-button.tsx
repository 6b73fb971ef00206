import { useId, useRef } from 'react';
import { useT } from '../i18n/i18n';

/**
 * The file input itself is the control (visually hidden, still focusable and labelled);
 * the label is what the pointer sees. Picking the same file twice works: the input is reset.
 */
export function AttachButton({ onFiles }: { onFiles: (files: File[]) => void }) {
  const t = useT();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  return (
    <span className="file-pick attach">
      <input
        ref={input}
        id={id}
        type="file"
        multiple
        className="visually-hidden"
        data-testid="attach-input"
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          if (files.length) onFiles(files);
        }}
      />
      <label htmlFor={id} className="button icon" title={t('attach.button')}>
        <span aria-hidden="true">📎</span>
        <span className="visually-hidden">{t('attach.button')}</span>
      </label>
    </span>
  );
}
