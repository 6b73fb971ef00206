import { useEffect, useState } from 'react';
import { createChatClient } from '@chatchat/client';
import { createTokenKeeper, resume, signOut, type SignedIn } from './auth';
import { createAppStores } from './app-stores';
import { SessionContext, type ChatSession } from './chat-context';
import { SignIn } from './components/sign-in';
import { Shell } from './components/shell';
import { startNotifications } from './notifications';
import { navigate, routeStore } from './router';
import { useT } from './i18n/i18n';

type Phase = { name: 'loading' } | { name: 'signed-out' } | { name: 'in'; session: ChatSession };

function startSession(accessToken: string, onEnded: () => void): ChatSession {
  const keeper = createTokenKeeper(accessToken, () => end());
  const client = createChatClient({ url: location.origin, getToken: keeper.get });
  const currentRoom = () => {
    const r = routeStore.get();
    return r.name === 'room' ? r.roomId : null;
  };
  let stores: ReturnType<typeof createAppStores> | undefined;
  const stopNotifications = startNotifications(client, currentRoom);
  // The socket would take a ping interval to notice a lost network; the browser knows now.
  const onNetwork = () => client.reconnect();
  addEventListener('online', onNetwork);
  addEventListener('offline', onNetwork);
  let ended = false;
  function end() {
    if (ended) return;
    ended = true;
    removeEventListener('online', onNetwork);
    removeEventListener('offline', onNetwork);
    stopNotifications();
    stores?.close();
    client.close();
    keeper.stop();
    onEnded();
  }
  client.on('error', (err) => {
    if (err.code === 'unauthorized') end();
  });
  const session: ChatSession = {
    client,
    get stores() {
      return stores!;
    },
    async signOut(everywhere) {
      try {
        await signOut(await keeper.get(), everywhere);
      } finally {
        end();
      }
    },
  };
  // Stores need my id: it comes with the first snapshot, but the token already names me.
  const userId = JSON.parse(atob(accessToken.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).sub as string;
  stores = createAppStores(client, userId, currentRoom);
  return session;
}

export function App() {
  const t = useT();
  const [phase, setPhase] = useState<Phase>({ name: 'loading' });

  const begin = (token: string) => {
    setPhase({ name: 'loading' });
    const session = startSession(token, () => {
      setPhase({ name: 'signed-out' });
      navigate({ name: 'home' }, true);
    });
    session.client.connect().then(
      () => setPhase({ name: 'in', session }),
      () => setPhase({ name: 'signed-out' }),
    );
  };

  useEffect(() => {
    let cancelled = false;
    void resume().then((token) => {
      if (cancelled) return;
      if (token) begin(token);
      else setPhase({ name: 'signed-out' });
    });
    return () => {
      cancelled = true;
    };
  }, []);

  if (phase.name === 'loading') {
    return (
      <div className="splash" role="status">
        {t('app.loading')}
      </div>
    );
  }
  if (phase.name === 'signed-out') {
    return <SignIn onSignedIn={(r: SignedIn) => begin(r.accessToken)} />;
  }
  return (
    <SessionContext.Provider value={phase.session}>
      <Shell />
    </SessionContext.Provider>
  );
}
