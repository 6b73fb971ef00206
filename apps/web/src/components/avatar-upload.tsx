import { useId, useState } from 'react';
import { useClient, useMe } from '../chat-context';
import type { MessageId } from '../i18n/en';
import { useT } from '../i18n/i18n';
import { Avatar } from './avatar';
import { uploadError } from './use-uploads';

const avatarTypes = 'image/png,image/jpeg,image/gif,image/webp';

type State =
  | { kind: 'idle' }
  | { kind: 'uploading'; loaded: number; total: number }
  | { kind: 'saved' }
  | { kind: 'error'; error: MessageId; name: string };

/** The profile picture: upload (purpose `avatar`), then point the profile at it; peers see it by `user.updated`. */
export default function AvatarUpload() {
  const t = useT();
  const client = useClient();
  const me = useMe();
  const id = useId();
  const [state, setState] = useState<State>({ kind: 'idle' });
  const busy = state.kind === 'uploading';

  async function pick(file: File) {
    setState({ kind: 'uploading', loaded: 0, total: file.size });
    try {
      const avatarUploadId = await client.upload(file, {
        purpose: 'avatar',
        onProgress: ({ loaded, total }) => setState({ kind: 'uploading', loaded, total }),
      });
      await client.api.updateMe({ avatarUploadId });
      setState({ kind: 'saved' });
    } catch (err) {
      setState({ kind: 'error', error: uploadError(err).error, name: file.name });
    }
  }

  async function removePicture() {
    try {
      await client.api.updateMe({ avatarUrl: null });
      setState({ kind: 'saved' });
    } catch (err) {
      setState({ kind: 'error', error: uploadError(err).error, name: '' });
    }
  }

  return (
    <div className="avatar-upload">
      <Avatar name={me.displayName} seed={me.id} userId={me.id} size={72} />
      <div className="stack">
        <span className="file-pick">
          <input
            id={id}
            type="file"
            accept={avatarTypes}
            disabled={busy}
            className="visually-hidden"
            data-testid="avatar-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void pick(file);
            }}
          />
          <label htmlFor={id} className="button">
            {t('avatar.change')}
          </label>
        </span>
        {me.avatarUrl && (
          <button type="button" className="small" disabled={busy} onClick={() => void removePicture()}>
            {t('avatar.remove')}
          </button>
        )}
        <span id={`${id}-state`}>
          {state.kind === 'uploading' && <progress max={state.total} value={state.loaded} aria-label={t('avatar.uploading')} />}
          {state.kind === 'saved' && (
            <span className="muted" role="status">
              {t('avatar.saved')}
            </span>
          )}
          {state.kind === 'error' && (
            <span className="form-error" role="alert">
              {t(state.error, { name: state.name })}
            </span>
          )}
        </span>
      </div>
    </div>
  );
}
