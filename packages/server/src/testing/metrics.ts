import { testMetricsToken } from './test-server.js';

/** A test server's `/metrics` text (the Prometheus exposition), read with the test token. */
export async function scrapeMetrics(serverUrl: string): Promise<string> {
  const res = await fetch(`${serverUrl}/metrics`, { headers: { authorization: `Bearer ${testMetricsToken}` } });
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** The sum of a metric's series in `text` whose labels include `labels` (e.g. `op="ping"`); 0 when none. */
export function metric(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (labels && !rest.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
