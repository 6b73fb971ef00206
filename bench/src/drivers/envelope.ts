import type { Classified } from './wire-driver.js';

const deliveryTag = '"ev":"message.created"';

/** Classify a ChatChat-style envelope frame: `{ev,data}` events or `{re,ok,…}` replies. */
export function classifyEnvelope(frame: string): Classified {
  // A delivery is the hot path: one substring test, no JSON.parse (the body marker is read from the text).
  if (frame.includes(deliveryTag)) return { kind: 'delivery' };
  if (!frame.includes('"re":')) return { kind: 'other' };
  let parsed: { re?: unknown; ok?: unknown; error?: { code?: unknown } };
  try {
    parsed = JSON.parse(frame);
  } catch {
    return { kind: 'other' };
  }
  if (parsed.re === undefined) return { kind: 'other' };
  const ok = parsed.ok === true;
  return { kind: 'reply', id: Number(parsed.re), ok, code: ok ? null : String(parsed.error?.code ?? 'UNKNOWN') };
}
