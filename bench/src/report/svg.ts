import type { SystemName } from '../drivers/wire-driver.js';
import type { SuiteResult } from './results.js';
import { fmt, medianRuns, perConnKb } from './summary.js';

/** A hand-written SVG chart of a suite: efficiency, latency percentiles, persist, idle memory, sweeps. */

const width = 1000;
const left = 110;
const right = 20;
const plotW = width - left - right;
const rowH = 22;
const colors: Record<SystemName, string> = {
  chatchat: '#d9480f',
  socketio: '#1c7ed6',
  'socketio-plain': '#74c0fc',
  'ws-relay': '#868e96',
  'ws-relay-plain': '#ced4da',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Panel {
  svg: string;
  height: number;
}

interface BarRow {
  label: string;
  system: SystemName;
  /** Row name when it differs from the system (e.g. "chatchat ×2"). */
  name?: string;
  value: number;
  text: string;
}

function title(y: number, text: string, sub: string): string {
  return (
    `<text x="20" y="${y + 18}" font-size="15" font-weight="600">${esc(text)}</text>` +
    `<text x="20" y="${y + 36}" font-size="11" fill="#555">${esc(sub)}</text>`
  );
}

function barPanel(y0: number, heading: string, sub: string, rows: BarRow[]): Panel {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const barMax = plotW * 0.5;
  const parts = [title(y0, heading, sub)];
  let y = y0 + 48;
  let prevLabel = '';
  for (const r of rows) {
    if (r.label !== prevLabel) {
      if (prevLabel !== '') y += 6;
      parts.push(`<text x="20" y="${y + 14}" font-size="12" font-weight="600">${esc(r.label)}</text>`);
      y += rowH - 4;
      prevLabel = r.label;
    }
    const w = (r.value / max) * barMax;
    parts.push(`<text x="${left - 8}" y="${y + 15}" font-size="12" text-anchor="end">${esc(r.name ?? r.system)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 3}" width="${Math.max(1, w).toFixed(1)}" height="${rowH - 6}" fill="${colors[r.system]}"/>`);
    parts.push(`<text x="${left + w + 6}" y="${y + 15}" font-size="11">${esc(r.text)}</text>`);
    y += rowH;
  }
  return { svg: parts.join('\n'), height: y - y0 + 12 };
}

interface LatencyRow {
  label: string;
  system: SystemName;
  name: string;
  saturated: boolean;
  p50: number;
  p99: number;
  p999: number;
}

function logScale(min: number, max: number, size: number) {
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  return (v: number) => ((Math.log10(Math.min(max, Math.max(min, v))) - lo) / (hi - lo)) * size;
}

function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
  return out.filter((v) => v >= min && v <= max);
}

function latencyPanel(y0: number, rows: LatencyRow[]): Panel {
  const top = y0 + 48;
  const min = 0.1;
  const max = 10 ** Math.ceil(Math.log10(Math.max(10, ...rows.map((r) => r.p999))));
  const scaleW = plotW - 215;
  const x = logScale(min, max, scaleW);
  const groups = rows.filter((r, i) => i === 0 || rows[i - 1]!.label !== r.label).length;
  const h = rows.length * rowH + groups * (rowH - 4);
  const parts = [
    title(
      y0,
      'Send-to-receive latency at the fixed load (ms, log scale)',
      '● p50   ◆ p99   ▲ p99.9 — the line spans p50 to p99.9; numbers are p50 / p99 / p99.9; ⚠ the generator fell behind',
    ),
  ];
  for (const d of decades(min, max)) {
    const xx = left + x(d);
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${top}" y2="${top + h}" stroke="#ddd"/>`);
    parts.push(`<text x="${xx}" y="${top + h + 14}" font-size="10" text-anchor="middle" fill="#555">${d >= 1 ? fmt(d) : d}</text>`);
  }
  let prevLabel = '';
  let yy = top;
  for (const r of rows) {
    if (r.label !== prevLabel) {
      parts.push(`<text x="20" y="${yy + 14}" font-size="12" font-weight="600">${esc(r.label)}</text>`);
      yy += rowH - 4;
      prevLabel = r.label;
    }
    const y = yy + rowH / 2;
    const c = colors[r.system];
    parts.push(`<text x="${left - 8}" y="${y + 4}" font-size="12" text-anchor="end">${esc(r.name)}</text>`);
    parts.push(`<line x1="${left + x(r.p50)}" x2="${left + x(r.p999)}" y1="${y}" y2="${y}" stroke="${c}" stroke-width="3" opacity="0.5"/>`);
    parts.push(`<circle cx="${left + x(r.p50)}" cy="${y}" r="4" fill="${c}"/>`);
    const px = left + x(r.p99);
    parts.push(`<path d="M${px} ${y - 5} L${px + 5} ${y} L${px} ${y + 5} L${px - 5} ${y} Z" fill="${c}"/>`);
    const tx = left + x(r.p999);
    parts.push(`<path d="M${tx} ${y - 5} L${tx + 5} ${y + 4} L${tx - 5} ${y + 4} Z" fill="${c}"/>`);
    parts.push(
      `<text x="${left + scaleW + 12}" y="${y + 4}" font-size="11" fill="#333">${fmt(r.p50, 2)} / ${fmt(r.p99, 2)} / ${fmt(r.p999, 2)} ms${r.saturated ? ' ⚠' : ''}</text>`,
    );
    yy += rowH;
  }
  return { svg: parts.join('\n'), height: 48 + h + 30 };
}

interface Series {
  name: string;
  system: SystemName;
  dash: boolean;
  points: Array<[number, number]>;
}

function sweepPanel(y0: number, series: Series[], limitMs: number): Panel {
  const top = y0 + 48;
  const h = 240;
  const allX = series.flatMap((s) => s.points.map((p) => p[0]));
  const allY = series.flatMap((s) => s.points.map((p) => p[1]));
  const xMax = Math.max(1, ...allX) * 1.05;
  const yMin = 0.1;
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(limitMs * 2, ...allY)));
  const y = logScale(yMin, yMax, h);
  const X = (v: number) => left + (v / xMax) * plotW;
  const Y = (v: number) => top + h - y(v);
  const parts = [
    title(
      y0,
      'Saturation sweep: p99 send-to-receive vs offered load',
      `x: offered deliveries/s (messages/s × room size); y: p99 in ms (log); red dashed line: the ${limitMs} ms limit; dashed series = rooms larger than 10`,
    ),
  ];
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${h}" fill="none" stroke="#ccc"/>`);
  for (const d of decades(yMin, yMax)) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${Y(d)}" y2="${Y(d)}" stroke="#eee"/>`);
    parts.push(`<text x="${left - 6}" y="${Y(d) + 4}" font-size="10" text-anchor="end" fill="#555">${d >= 1 ? fmt(d) : d}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const v = (xMax / 5) * i;
    parts.push(`<text x="${X(v)}" y="${top + h + 14}" font-size="10" text-anchor="middle" fill="#555">${fmt(v)}</text>`);
  }
  parts.push(`<text x="${left + plotW / 2}" y="${top + h + 30}" font-size="11" text-anchor="middle">offered deliveries/s</text>`);
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${Y(limitMs)}" y2="${Y(limitMs)}" stroke="#e03131" stroke-dasharray="4 3"/>`);
  const legendTop = top + h + 48;
  series.forEach((s, i) => {
    const c = colors[s.system];
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${X(p[0]).toFixed(1)} ${Y(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 3"' : ''}/>`);
    for (const p of s.points) parts.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3" fill="${c}"/>`);
    const lx = left + (i % 2) * (plotW / 2);
    const ly = legendTop + Math.floor(i / 2) * 16;
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${c}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 3"' : ''}/>`,
    );
    parts.push(`<text x="${lx + 30}" y="${ly}" font-size="11">${esc(s.name)}</text>`);
  });
  return { svg: parts.join('\n'), height: 48 + h + 48 + Math.ceil(series.length / 2) * 16 };
}

const systemOrder: SystemName[] = ['ws-relay-plain', 'ws-relay', 'socketio-plain', 'socketio', 'chatchat'];

/** "chatchat", or "chatchat ×2" for a run over several processes. */
function rowName(m: { systemName: SystemName; system: string }): string {
  const n = / x(\d+)/.exec(m.system);
  return n ? `${m.systemName} ×${n[1]}` : m.systemName;
}

/** Cases together, and inside a case the floor first, then Socket.IO, then ChatChat. */
export function sortByCase<T extends { scenario: string; caseLabel: string; systemName: SystemName; system: string }>(list: T[]): T[] {
  const caseOrder = [...new Set(list.map((m) => `${m.scenario}|${m.caseLabel}`))];
  return [...list].sort(
    (a, b) =>
      caseOrder.indexOf(`${a.scenario}|${a.caseLabel}`) - caseOrder.indexOf(`${b.scenario}|${b.caseLabel}`) ||
      systemOrder.indexOf(a.systemName) - systemOrder.indexOf(b.systemName) ||
      a.system.localeCompare(b.system),
  );
}

export function renderSvg(result: SuiteResult): string {
  const panels: Panel[] = [];
  let y = 50;
  const add = (p: Panel) => {
    panels.push({ svg: `<g>${p.svg}</g>`, height: p.height });
    y += p.height + 10;
  };
  const runs = medianRuns(result.measurements);
  const loads = sortByCase(runs.filter((m) => m.scenario !== 'persist'));
  if (loads.length > 0) {
    add(
      barPanel(
        y,
        'Deliveries per server CPU-second at a fixed offered load (higher is better)',
        'fan-out and cluster cases; ChatChat stores every message, the peers store nothing',
        loads.map((m) => ({
          label: `${m.scenario === 'cluster' ? 'cluster (through Redis), ' : ''}${m.caseLabel} @ ${fmt(m.offeredRate ?? 0)}/s`,
          system: m.systemName,
          name: rowName(m),
          value: m.deliveriesPerServerCpuSec,
          text: `${fmt(m.deliveriesPerServerCpuSec)}${m.spread ? ` [${fmt(m.spread.min)}–${fmt(m.spread.max)}]` : ''}  (${fmt(m.deliveriesPerSec)} deliveries/s, server ${fmt(m.serverCpuPct)}% CPU)${m.generatorSaturated ? ' ⚠ generator behind' : ''}`,
        })),
      ),
    );
    add(
      latencyPanel(
        y,
        loads.map((m) => ({
          label: `${m.scenario === 'cluster' ? 'cluster (through Redis), ' : ''}${m.caseLabel}`,
          system: m.systemName,
          name: rowName(m),
          saturated: m.generatorSaturated,
          p50: m.delivery.p50,
          p99: m.delivery.p99,
          p999: m.delivery.p999,
        })),
      ),
    );
  }
  const persist = runs.filter((m) => m.scenario === 'persist');
  if (persist.length > 0) {
    add(
      barPanel(
        y,
        'Persist: acked messages per second (ack after commit)',
        'closed loop, as fast as acks come back',
        persist.map((m) => ({
          label: m.system,
          system: m.systemName,
          value: m.ackedPerSec,
          text: `${fmt(m.ackedPerSec)}/s  (ack p50 ${fmt(m.ack.p50, 2)} ms, p99 ${fmt(m.ack.p99, 2)} ms)`,
        })),
      ),
    );
  }
  if (result.idle.length > 0) {
    add(
      barPanel(
        y,
        'Server RSS per idle authenticated connection (KB, lower is better)',
        'heartbeats on; RSS slope from half to all connections, each read after a forced GC; JS heap slope in brackets',
        sortByCase(result.idle.map((i) => ({ ...i, scenario: 'idle' }))).map((i) => ({
          label: i.caseLabel,
          system: i.systemName,
          value: Math.max(0, perConnKb(i)),
          text: `${fmt(perConnKb(i), 1)} KB  (JS heap ${i.heapPerConnKb == null ? '–' : fmt(i.heapPerConnKb, 1)} KB; ${fmt(i.held)} held, ${fmt(i.connectPerSec)} connects/s)`,
        })),
      ),
    );
  }
  if (result.sweeps.length > 0) {
    const limit = 100;
    add(
      sweepPanel(
        y,
        result.sweeps.map((s) => ({
          name: `${s.system}, ${s.caseLabel}${s.saturationRate ? ` (p99 ≤ limit up to ${fmt(s.saturationRate)} msg/s)` : ''}`,
          system: s.systemName,
          dash: !s.caseLabel.endsWith(' 10'),
          points: s.points.map(
            (p) => [p.offeredRate * Number(p.m.params.roomSize ?? 1), Math.max(0.1, p.m.delivery.p99)] as [number, number],
          ),
        })),
        limit,
      ),
    );
  }
  const height = y + 10;
  const legend = (['chatchat', 'socketio', 'socketio-plain', 'ws-relay', 'ws-relay-plain'] as SystemName[])
    .map(
      (s, i) =>
        `<rect x="${width - 560 + i * 112}" y="18" width="12" height="12" fill="${colors[s]}"/><text x="${width - 544 + i * 112}" y="28" font-size="12">${s}</text>`,
    )
    .join('');
  const m = result.machine;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="28" font-size="18" font-weight="700">ChatChat benchmark — ${esc(result.suite)} suite</text>
<text x="20" y="44" font-size="11" fill="#555">${esc(`${result.startedAt.slice(0, 16)}Z · ${m.cpus} CPUs · server on CPU ${m.serverCpus ?? '(unpinned)'}, generator on CPU ${m.generatorCpus ?? '(unpinned)'} · load avg ${fmt(m.loadStart, 2)}`)}</text>
${legend}
${panels.map((p) => p.svg).join('\n')}
</svg>
`;
}
