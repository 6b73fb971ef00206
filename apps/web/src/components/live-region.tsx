import { useSession } from '../chat-context';
import { useValue } from '../external-store';

/**
 * Screen readers hear each incoming message once, as "sender: text": the region only ever
 * gains lines (polite, additions only), so nothing is read twice and timestamps never are.
 */
export function LiveRegion() {
  const { stores } = useSession();
  const lines = useValue(stores.live);
  return (
    <div className="visually-hidden" role="log" aria-live="polite" aria-relevant="additions" data-testid="live-region">
      {lines.map((l) => (
        <p key={l.id}>{l.text}</p>
      ))}
    </div>
  );
}
