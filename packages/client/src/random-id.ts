/**
 * A UUID v4. `crypto.randomUUID` exists only in secure contexts (https, localhost), so a
 * page served over plain http falls back to getRandomValues, which exists everywhere.
 */
export function randomId(): string {
  const c = cryptoOf();
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = randomBytes();
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  return format(bytes);
}

/**
 * A UUID v7: the millisecond first, then random bits. Used for `clientMsgId`: the server's
 * retry index is keyed by it, and ids that grow with time land side by side at its end
 * instead of on a page of their own each (see the server's migration 0008).
 */
export function timeOrderedId(nowMs: number = Date.now()): string {
  const bytes = randomBytes();
  let ms = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  return format(bytes);
}

const cryptoOf = () => (globalThis as { crypto?: Crypto }).crypto;

function randomBytes(): Uint8Array {
  const bytes = new Uint8Array(16);
  const c = cryptoOf();
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return bytes;
}

/** The variant bits (RFC 9562) and the 8-4-4-4-12 hex form. */
function format(bytes: Uint8Array): string {
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
