import { fileTypeFromBuffer } from 'file-type';

/** Raster images a browser may show inline on our origin: they cannot carry script. */
export const inlineImageTypes: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * Types whose bytes have no magic number (text). They pass the sniff when nothing binary is
 * detected and the head has no NUL byte; everything else must be recognised as what it claims.
 */
const textLike: ReadonlySet<string> = new Set(['text/plain', 'text/csv', 'text/markdown', 'application/json', 'image/svg+xml']);

const aliases: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'audio/mp3': 'audio/mpeg' };

/** `Image/PNG; charset=x` → `image/png`. */
export function normaliseContentType(raw: string): string {
  const base = raw.split(';')[0]!.trim().toLowerCase();
  return aliases[base] ?? base;
}

/** How many leading bytes the sniff needs. */
export const sniffBytes = 4100;

/** Null when the bytes are what `declared` says; otherwise what they look like instead. */
export async function sniffMismatch(declared: string, head: Buffer): Promise<string | null> {
  const found = await fileTypeFromBuffer(head);
  if (found) {
    const mime = normaliseContentType(found.mime);
    // An SVG's XML header can be sniffed as application/xml: still text.
    if (mime === declared || (declared === 'image/svg+xml' && mime === 'application/xml')) return null;
    return mime;
  }
  if (textLike.has(declared) && !head.includes(0)) return null;
  return 'unrecognised bytes';
}
