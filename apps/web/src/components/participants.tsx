import { useMemo, useState } from 'react';
import { canInRoom, outranks, type Role, type Room } from '@chatchat/protocol';
import { useChat, useClient, useMe } from '../chat-context';
import { errorMessageId } from '../errors';
import { useLocale, useT, withParticle } from '../i18n/i18n';
import { navigate } from '../router';
import { Avatar } from './avatar';
import { UserSearch } from './user-search';

const roleOrder: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

/** Live members with presence and roles; only the actions the permission matrix allows are offered. */
export function Participants({ room, onClose }: { room: Room; onClose: () => void }) {
  const t = useT();
  const locale = useLocale();
  const client = useClient();
  const me = useMe();
  const readers = useChat((s) => s.readers[room.id]);
  const users = useChat((s) => s.users);
  const presence = useChat((s) => s.presence);
  const [inviting, setInviting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const members = useMemo(() => {
    const list = Object.values(readers ?? {});
    return list.sort(
      (a, b) =>
        roleOrder[a.role] - roleOrder[b.role] ||
        (users[a.userId]?.displayName ?? '').localeCompare(users[b.userId]?.displayName ?? '', locale),
    );
  }, [readers, users, locale]);

  const act = (p: Promise<unknown>, done?: string) => {
    setError(null);
    p.then(
      () => done && setStatus(done),
      (err: unknown) => setError(t(errorMessageId(err))),
    );
  };

  return (
    <section className="participants" aria-labelledby="people-title">
      <header className="side-header">
        <h2 id="people-title">{t('people.title', { count: room.memberCount })}</h2>
        <button type="button" className="small" onClick={onClose}>
          {t('common.close')}
        </button>
      </header>
      {canInRoom(room.kind, room.role, 'invite') &&
        (inviting ? (
          <div className="invite">
            <UserSearch
              actionLabel={t('people.invite')}
              exclude={members.map((m) => m.userId)}
              onPick={(u) =>
                act(client.api.addMembers(room.id, [u.id]), t('people.invited', { name: withParticle(locale, u.displayName, '을/를') }))
              }
            />
            <button type="button" className="small" onClick={() => setInviting(false)}>
              {t('common.done')}
            </button>
          </div>
        ) : (
          <button type="button" className="small" onClick={() => setInviting(true)}>
            {t('people.inviteOpen')}
          </button>
        ))}
      {status && (
        <p className="muted" role="status">
          {status}
        </p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!readers ? (
        <p role="status">{t('app.loading')}</p>
      ) : (
        <ul className="people" data-testid="people">
          {members.map((m) => {
            const u = users[m.userId];
            const name = u?.displayName ?? t('chat.unknownUser');
            const online = presence[m.userId]?.online ?? m.userId === me.id;
            const self = m.userId === me.id;
            const canKick = !self && canInRoom(room.kind, room.role, 'kick') && outranks(room.role, m.role);
            const canRole = !self && canInRoom(room.kind, room.role, 'changeRole');
            return (
              <li key={m.userId} data-user-id={m.userId}>
                <Avatar name={name} seed={m.userId} userId={m.userId} size={32} />
                <span className="person">
                  <span className="person-name">
                    {name}
                    {self ? ` (${t('chat.you')})` : ''}
                  </span>
                  <span className="muted">
                    {online ? t('presence.online') : t('presence.offline')}
                    {room.kind === 'group' && ` · ${t(`role.${m.role}`)}`}
                  </span>
                  {u?.statusMessage && <span className="muted status-message">{u.statusMessage}</span>}
                </span>
                <span className="person-actions">
                  {canRole && (
                    <>
                      <label htmlFor={`role-${m.userId}`} className="visually-hidden">
                        {t('people.roleOf', { name })}
                      </label>
                      <select
                        id={`role-${m.userId}`}
                        value={m.role}
                        onChange={(e) => act(client.api.setMemberRole(room.id, m.userId, e.target.value as Role))}
                      >
                        <option value="member">{t('role.member')}</option>
                        <option value="admin">{t('role.admin')}</option>
                        <option value="owner">{t('role.owner')}</option>
                      </select>
                    </>
                  )}
                  {canKick && (
                    <button
                      type="button"
                      className="small danger"
                      onClick={() => {
                        if (confirm(t('people.kickConfirm', { name: withParticle(locale, name, '을/를') })))
                          act(client.api.kickMember(room.id, m.userId));
                      }}
                    >
                      {t('people.kick')}
                    </button>
                  )}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <button
        type="button"
        className="small danger leave"
        onClick={() => {
          if (confirm(t('people.leaveConfirm', { room: room.name }))) {
            act(client.api.leaveRoom(room.id).then(() => navigate({ name: 'home' }, true)));
          }
        }}
      >
        {t('people.leave')}
      </button>
    </section>
  );
}
