import { Limits } from '@chatchat/protocol';
import { invalid } from '../../errors.js';

// C0 and C1 controls, DEL; bidi embeddings, overrides and isolates (U+202A-U+202E,
// U+2066-U+2069), marks that flip display order (U+200E, U+200F, U+061C): "exe.png"
// that reads "gnp.exe" is the trick these stop.
function isForbidden(cp: number): boolean {
  return (
    cp <= 0x1f ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0x200e ||
    cp === 0x200f ||
    cp === 0x061c
  );
}

/**
 * A file name as it will be shown and offered for download. Refused rather than
 * silently rewritten, so the sender learns what was wrong: path separators, control and
 * bidi characters, names of only dots, and names over `Limits.maxFileNameChars`.
 */
export function checkFileName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (!name) throw invalid('file name is empty');
  if (/[/\\]/.test(name)) throw invalid('file name may not contain path separators');
  if ([...name].some((c) => isForbidden(c.codePointAt(0)!)))
    throw invalid('file name may not contain control or bidirectional-override characters');
  if (/^\.+$/.test(name)) throw invalid('file name may not be only dots');
  if ([...name].length > Limits.maxFileNameChars) throw invalid(`file name is over ${Limits.maxFileNameChars} characters`);
  return name;
}

/** `Content-Disposition` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
