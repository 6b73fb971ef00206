function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** `http://host[:port][/prefix]` → `ws://host[:port][/prefix]/ws`; ws(s) URLs pass through. */
export function wsUrlFrom(baseUrl: string): string {
  const base = trimSlash(baseUrl);
  if (/^wss?:\/\//i.test(base)) return /\/ws$/i.test(base) ? base : `${base}/ws`;
  return `${base.replace(/^http/i, 'ws')}/ws`;
}

/** `http://host[/prefix]` + `/rooms` → `http://host[/prefix]/api/v1/rooms`. */
export function apiUrlFrom(baseUrl: string, path: string): string {
  return `${trimSlash(baseUrl)}/api/v1${path}`;
}
