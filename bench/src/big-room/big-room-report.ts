import type { LatencySummary } from '../histogram.js';
import { mergeCounts } from '../workers/worker-pool.js';
import { frameKinds, type FrameKind, type PhaseFrames, type ReadMode } from './big-room-messages.js';

/** One frame kind over every member: frames (per second in a window) at the median and the busiest member. */
export interface KindRate {
  kind: FrameKind;
  p50: number;
  max: number;
  /** Mean bytes per member (per second in a window). */
  bytesPerMember: number;
  /** Frames of this kind over all members (not per second). */
  total: number;
}

export interface FrameSummary {
  kinds: KindRate[];
  otherEvents: Record<string, number>;
}

/** Frames per member by kind over `seconds` (1 for a phase reported as totals). */
export function summariseFrames(phases: readonly PhaseFrames[], seconds: number): FrameSummary {
  const perMember = phases.flatMap((p) => p.perMember);
  const kinds = frameKinds.map((kind, k) => {
    const sorted = perMember.map((m) => m[k]! / seconds).sort((a, b) => a - b);
    const bytes = phases.reduce((a, p) => a + p.bytes[k]!, 0);
    return {
      kind,
      total: perMember.reduce((a, m) => a + m[k]!, 0),
      p50: sorted[Math.floor(sorted.length / 2)] ?? 0,
      max: sorted[sorted.length - 1] ?? 0,
      bytesPerMember: perMember.length ? bytes / perMember.length / seconds : 0,
    };
  });
  return { kinds, otherEvents: mergeCounts(phases.map((p) => p.otherEvents)) };
}

export interface BigRoomResult {
  startedAt: string;
  members: number;
  connected: number;
  senders: number;
  rate: number;
  workers: number;
  reads: ReadMode;
  readDebounceMs: number;
  /** `readDebounceMs` came from `--read-debounce`, not from the SDK's `readSpacingMs`. */
  readWhatIf: boolean;
  windowSec: number;
  setupSec: number;
  /** startUs/endUs: CLOCK_MONOTONIC µs, the --from/--to of profile-summary.ts for the connect-up. */
  connect: { seconds: number; serverCpuSec: number; frames: FrameSummary; startUs: number; endUs: number };
  sent: number;
  acked: number;
  delivered: number;
  expected: number;
  readsSent: number;
  readReplies: number;
  serverCpuSec: number;
  genCpuSec: number;
  otherCpuSec: number;
  serverRssMb: number;
  delivery: LatencySummary;
  ack: LatencySummary;
  readReply: LatencySummary;
  sendLag: LatencySummary;
  frames: FrameSummary;
  errors: Record<string, number>;
  /** The rooms-of-100 fan-out figure to compare with, when given (--reference). */
  referenceDeliveriesPerCpuSec: number | null;
  windowStartUs: number;
  windowEndUs: number;
}

/**
 * message.created frames that arrived inside the window per server CPU-second of the window: the
 * work done in the window whatever was sent when, so it holds when the server runs behind (a
 * count of the window's own messages would credit deliveries made during the drain, whose CPU is
 * not in the window).
 */
export const deliveriesPerCpuSec = (r: BigRoomResult) =>
  r.serverCpuSec > 0 ? r.frames.kinds.find((k) => k.kind === 'message.created')!.total / r.serverCpuSec : 0;

/** Why the offered load was not carried as offered, if it was not: then the figures are at saturation. */
export function saturation(r: BigRoomResult): string[] {
  const why: string[] = [];
  if (r.sendLag.count === 0 || r.sent < 0.95 * r.rate * r.windowSec) why.push(`sent ${r.sent} of ${r.rate * r.windowSec} offered`);
  if (r.sendLag.p99 > 20) why.push(`generator send lag p99 ${r.sendLag.p99.toFixed(0)} ms`);
  if (r.delivery.p50 > 1000) why.push(`delivery p50 ${r.delivery.p50.toFixed(0)} ms (the server runs behind)`);
  if (r.genCpuSec / r.windowSec > 0.9) why.push('generator CPU > 90 %');
  return why;
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const n1 = (x: number) => x.toFixed(1);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function frameTable(f: FrameSummary, unit: string): string {
  const rows = f.kinds.map((k) => `| ${k.kind} | ${n1(k.p50)} | ${n1(k.max)} | ${kb(k.bytesPerMember)} |`);
  const other = Object.entries(f.otherEvents).map(([ev, c]) => `${ev} ${c}`);
  return [
    `| frame kind | ${unit} p50 | ${unit} max | bytes per member${unit.includes('/s') ? '/s' : ''} |`,
    '| --- | ---: | ---: | ---: |',
    ...rows,
    '',
    other.length ? `Other events (total over members): ${other.join(', ')}.` : 'No other events.',
  ].join('\n');
}

export function renderMarkdown(r: BigRoomResult, command: string): string {
  const eff = deliveriesPerCpuSec(r);
  const ref = r.referenceDeliveriesPerCpuSec;
  const vsRef = ref
    ? `${((eff / ref) * 100).toFixed(0)} % of the rooms-of-100 figure (${n0(ref)}/CPU-s); goal ≥ 80 %`
    : 'no reference given';
  const lat = (s: LatencySummary) => `${s.p50.toFixed(2)} / ${s.p99.toFixed(2)} / ${s.max.toFixed(2)}`;
  return `# Big room: one room of ${n0(r.members)} members on one gateway

${r.startedAt} — ${r.otherCpuSec / r.windowSec < 0.1 ? 'quiet machine (2 cores; other processes under 10 % of a core in the window)' : 'shared machine (2 cores, other work running: see "other CPU")'}: ratios per server CPU-second are the figures to read.
Server (SQLite, embedded) pinned to CPU 0, ${r.workers} member worker process(es) and the coordinator to CPU 1.

\`\`\`sh
${command}
\`\`\`

Every member is connected once (hello with \`readers: [room]\`) and ${
    r.reads === 'sdk'
      ? `reads every message as it arrives the
way the SDK does (\`packages/client/src/read-sync.ts\`): one \`room.read\` in flight per member, the newest
pointer next when the reply comes, none for its own message.${
          r.readWhatIf
            ? ` **What-if, not the SDK:** at most one \`room.read\` per member per ${r.readDebounceMs} ms (\`--read-debounce\`).`
            : r.readDebounceMs
              ? ` In a room this big the next one goes no sooner than ${r.readDebounceMs} ms after the last (\`readSpacingMs\` of the protocol package).`
              : ''
        }`
      : '**sends no `room.read` at all** (`--reads none`: a diagnostic that parts the fan-out from the reads; no real client).'
  } ${r.senders} members send ${r.rate} msg/s in total
(open loop, acked). Measured window ${r.windowSec} s after warm-up.

## Headline

| figure | value |
| --- | ---: |
| members connected | ${n0(r.connected)} of ${n0(r.members)} |
| messages sent / acked in window | ${n0(r.sent)} / ${n0(r.acked)} |
| deliveries of the window's messages (drain included) | ${n0(r.delivered)} of ${n0(r.expected)} expected |
| message.created frames arriving in window | ${n0(r.frames.kinds.find((k) => k.kind === 'message.created')!.total)} |
| **deliveries (arrived in window) per server CPU-s** | **${n0(eff)}** — ${vsRef} |
| offered load carried? | ${saturation(r).length ? `⚠ no: ${saturation(r).join('; ')}` : 'yes'} |
| server CPU | ${n0((r.serverCpuSec / r.windowSec) * 100)} % of one core |
| server RSS at window end | ${n0(r.serverRssMb)} MB |
| generator CPU (workers + coordinator) | ${n0((r.genCpuSec / r.windowSec) * 100)} % of one core |
| other CPU on the machine | ${n0((r.otherCpuSec / r.windowSec) * 100)} % of one core |
| room.read requests sent / answered in window | ${n0(r.readsSent)} / ${n0(r.readReplies)} (${n0(r.readsSent / r.windowSec)}/s, ${n1(r.readsSent / r.windowSec / Math.max(1, r.connected))} per member/s) |
| send → receive ms p50 / p99 / max | ${lat(r.delivery)} |
| ack ms p50 / p99 / max | ${lat(r.ack)} |
| room.read reply ms p50 / p99 / max | ${lat(r.readReply)} |
| send lag ms p99 (generator keeping its schedule) | ${r.sendLag.p99.toFixed(2)} |
| errors | ${
    Object.keys(r.errors).length
      ? Object.entries(r.errors)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ')
      : 'none'
  } |

## Frames per member per second in the window (by arrival)

${frameTable(r.frames, 'frames/s')}

## Connect-up (every member says hello, before any message)

${n0(r.connected)} hellos in ${n1(r.connect.seconds)} s until the sockets went quiet; server ${n1(r.connect.serverCpuSec)} CPU-s.
Frames per member over the whole connect-up (totals, not per second):

${frameTable(r.connect.frames, 'frames')}

Set-up (sign-ups with argon2, the room and its invites) took ${n1(r.setupSec)} s and is not part of any figure.
`;
}
