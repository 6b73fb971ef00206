import WebSocket from 'ws';

export interface HeapSummary {
  totalBytes: number;
  /** Self size and count per object kind ("type:constructor <- retainer.edge"). */
  byKind: Map<string, { bytes: number; count: number }>;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Takes a heap snapshot through the server's loopback inspector (after a full GC) and sums it by kind. */
export async function heapSnapshotSummary(inspectorUrl: string): Promise<HeapSummary> {
  const ws = new WebSocket(inspectorUrl, { perMessageDeflate: false, maxPayload: 2 ** 31 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const chunks: string[] = [];
  let nextId = 1;
  const call = (method: string, params: object = {}) =>
    new Promise<void>((resolve, reject) => {
      const id = nextId++;
      const onMessage = (data: Buffer) => {
        const msg = JSON.parse(data.toString()) as { id?: number; method?: string; params?: { chunk: string }; error?: unknown };
        if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(msg.params!.chunk);
        if (msg.id !== id) return;
        ws.off('message', onMessage);
        if (msg.error) reject(new Error(JSON.stringify(msg.error)));
        else resolve();
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call('HeapProfiler.enable');
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    ws.terminate();
  }
  return summarize(JSON.parse(chunks.join('')) as Snapshot);
}

function summarize(s: Snapshot): HeapSummary {
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const byKind = new Map<string, { bytes: number; count: number }>();
  const kindOf = (i: number) => {
    const type = types[s.nodes[i + typeAt]!]!;
    const name = type === 'object' || type === 'closure' || type === 'native' ? s.strings[s.nodes[i + nameAt]!]! : '';
    return `${type}:${name.slice(0, 60)}`;
  };
  // Every object is named with what holds it (its first retainer and that edge): a Map's table alone says nothing.
  const owner = new Map<number, string>();
  const edgeWidth = s.snapshot.meta.edge_fields.length;
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const edgeCountAt = fields.indexOf('edge_count');
  let e = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const from = kindOf(i);
    for (let k = 0; k < s.nodes[i + edgeCountAt]!; k++, e += edgeWidth) {
      const edgeType = edgeTypes[s.edges[e]!]!;
      if (edgeType === 'weak') continue;
      const to = s.edges[e + 2]!;
      if (owner.has(to)) continue;
      const label =
        edgeType === 'element' || edgeType === 'hidden' ? `[${edgeType}]` : String(s.strings[s.edges[e + 1]!] ?? s.edges[e + 1]);
      owner.set(to, `${from}.${label}`);
    }
  }
  let totalBytes = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const kind = `${kindOf(i)} <- ${owner.get(i) ?? '?'}`;
    const size = s.nodes[i + sizeAt]!;
    totalBytes += size;
    const k = byKind.get(kind);
    if (k) {
      k.bytes += size;
      k.count++;
    } else byKind.set(kind, { bytes: size, count: 1 });
  }
  return { totalBytes, byKind };
}
