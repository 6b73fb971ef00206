import { thumbHashToDataURL } from 'thumbhash';

const decoded = new Map<string, string | null>();

/** A ThumbHash (base64) as a tiny PNG data URL (the app's CSP allows `data:` images); null if it does not decode. */
export function placeholderUrl(hash: string | undefined): string | null {
  if (!hash) return null;
  let url = decoded.get(hash);
  if (url === undefined) {
    try {
      const bytes = Uint8Array.from(atob(hash), (c) => c.charCodeAt(0));
      url = thumbHashToDataURL(bytes);
    } catch {
      url = null;
    }
    // Rows remount as the list scrolls: decode each hash once.
    if (decoded.size > 500) decoded.clear();
    decoded.set(hash, url);
  }
  return url;
}
