import { useChat } from '../chat-context';
import { AvatarPicture } from './avatar-picture';

const colors = ['#3b5bdb', '#0c8599', '#2f9e44', '#e8590c', '#c2255c', '#7048e8', '#1971c2', '#5c940d'];

function colorOf(seed: string): string {
  let h = 0;
  for (let i = 0; i < seed.length; i++) h = (h * 31 + seed.charCodeAt(i)) | 0;
  return colors[Math.abs(h) % colors.length]!;
}

/** Initial on a colour (decorative: the name is always next to it), with a presence dot. */
export function Avatar({ name, seed, userId, size = 36 }: { name: string; seed: string; userId?: string | null; size?: number }) {
  const online = useChat((s) => (userId ? s.presence[userId]?.online : undefined));
  const picture = useChat((s) => (userId ? (s.me?.id === userId ? s.me.avatarUrl : s.users[userId]?.avatarUrl) : null));
  return (
    <span className="avatar" aria-hidden="true">
      <span className="avatar-face" style={{ background: colorOf(seed), width: size, height: size, fontSize: size * 0.45 }}>
        {Array.from(name.trim())[0]?.toUpperCase() ?? '?'}
        {picture && <AvatarPicture key={picture} path={picture} size={size} />}
      </span>
      {online !== undefined && <span className={`presence-dot${online ? ' online' : ''}`} />}
    </span>
  );
}
