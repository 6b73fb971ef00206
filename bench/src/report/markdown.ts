import type { IdleMeasurement, SuiteResult } from './results.js';
import { fanoutRatios, fmt, goals, medianRuns, perConnKb, type MedianRun } from './summary.js';
import { sortByCase } from './svg.js';

export interface MarkdownOptions {
  params: unknown;
  /** File name of the chart next to the report. */
  svgFile: string;
}

const ms = (n: number) => (n >= 100 ? fmt(n, 0) : n >= 10 ? fmt(n, 1) : fmt(n, 2));

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function errorsText(m: { errors: Record<string, number> }): string {
  const entries = Object.entries(m.errors);
  return entries.length === 0 ? '0' : entries.map(([k, v]) => `${v} ${k}`).join(', ');
}

function spreadText(m: MedianRun): string {
  return m.spread ? ` (${fmt(m.spread.min)}–${fmt(m.spread.max)}, median of ${m.spread.n})` : '';
}

function loadRows(list: MedianRun[]): string[][] {
  return list.map((m) => [
    m.caseLabel,
    m.system,
    m.offeredRate === null ? 'max' : fmt(m.offeredRate),
    fmt(m.deliveriesPerSec),
    fmt(m.bytesPerDelivery ?? 0),
    fmt(m.serverCpuPct),
    `**${fmt(m.deliveriesPerServerCpuSec)}**${spreadText(m)}`,
    ms(m.delivery.p50),
    ms(m.delivery.p99),
    ms(m.delivery.p999),
    // A plain peer answers no send.
    m.ack.count === 0 ? '–' : ms(m.ack.p50),
    m.ack.count === 0 ? '–' : ms(m.ack.p99),
    fmt(m.drops),
    errorsText(m),
    `${fmt(m.generatorCpuPct)}${m.generatorSaturated ? ' ⚠' : ''}`,
    fmt(m.otherCpuPct ?? 0),
  ]);
}

const loadHead = [
  'case',
  'system',
  'offered msg/s',
  'deliveries/s',
  'bytes per delivery',
  'server CPU %',
  'deliveries / server CPU-s',
  'p50 ms',
  'p99 ms',
  'p99.9 ms',
  'ack p50 ms',
  'ack p99 ms',
  'drops',
  'errors',
  'generator CPU %',
  'other CPU %',
];

/** The human report: headline table, ratios, goals, then every scenario, setup and caveats. */
export function renderMarkdown(result: SuiteResult, options: MarkdownOptions): string {
  const out: string[] = [];
  const mc = result.machine;
  out.push(`# ChatChat benchmark: ${result.suite} suite`);
  out.push('');
  out.push(
    `${result.startedAt} · ${fmt(result.durationSec)} s · ${mc.cpus} × ${mc.cpuModel} · Node ${mc.node} · ` +
      `load average ${fmt(mc.loadStart, 2)} at start, ${fmt(mc.loadEnd, 2)} at end · server CPUs ${mc.serverCpus ?? 'unpinned'}, ` +
      `generator CPUs ${mc.generatorCpus ?? 'unpinned'} (${mc.generatorWorkers} worker processes) · ` +
      `ChatChat ${mc.chatchatServer === 'bundle' ? 'from its bundle, as the image runs it' : 'from its sources through tsx'}`,
  );
  out.push('');
  out.push(`![latency and throughput per system](${options.svgFile})`);
  out.push('');

  const runs = medianRuns(result.measurements);
  const fanout = sortByCase(runs.filter((m) => m.scenario === 'fanout' || m.scenario === 'smoke'));
  if (fanout.length > 0) {
    out.push('## Fan-out at a fixed offered load');
    out.push('');
    out.push(
      'The headline is deliveries per server CPU-second at a load below saturation: on 2 cores the generator saturates before a fast server does. ' +
        "Latency is send → receive at every member connection (the sender's own echo included). ⚠ marks a run where the generator fell behind its schedule or ran out of CPU. " +
        '"other CPU %" is what everything else on the machine used during the window (of one core; 200% = both cores): high values mean a noisy run.',
    );
    out.push('');
    if (fanout.some((m) => m.spread)) {
      out.push(
        'Each case ran in several rounds with fresh servers (systems in turn); rows show the median round by deliveries per server CPU-second, with the range.',
      );
      out.push('');
    }
    out.push(table(loadHead, loadRows(fanout)));
    out.push('');
    const ratios = fanoutRatios(result);
    if (ratios.length > 0) {
      out.push('ChatChat ÷ peer, pair by pair (efficiency: higher is better; p99: lower is better):');
      out.push('');
      out.push(
        table(
          ['case', 'peer', 'deliveries / server CPU-s', 'p99 latency'],
          ratios.map((r) => [
            r.caseLabel,
            r.peer,
            r.efficiency === null ? '–' : `${fmt(r.efficiency, 2)}×`,
            r.p99 === null ? '–' : `${fmt(r.p99, 2)}×`,
          ]),
        ),
      );
      out.push('');
    }
  }

  const g = goals(result);
  if (g.some((x) => x.met !== null)) {
    out.push('## Goals');
    out.push('');
    out.push(
      table(
        ['goal', 'measured', 'met'],
        g.map((x) => [x.goal, x.value, x.met === null ? '–' : x.met ? 'yes' : '**no**']),
      ),
    );
    out.push('');
  }

  const persist = runs.filter((m) => m.scenario === 'persist');
  if (persist.length > 0) {
    out.push('## Persist: acked messages per second (closed loop, ack after commit)');
    out.push('');
    out.push(
      table(
        [
          'case',
          'system',
          'acked msgs/s',
          'ack p50 ms',
          'ack p99 ms',
          'ack p99.9 ms',
          'server CPU %',
          'acked / server CPU-s',
          'DB CPU % (all postgres processes)',
          'storage KB written per ack (4 KB pages)',
          'errors',
          'other CPU %',
        ],
        persist.map((m) => [
          m.caseLabel,
          m.system,
          `**${fmt(m.ackedPerSec)}**${spreadText(m)}`,
          ms(m.ack.p50),
          ms(m.ack.p99),
          ms(m.ack.p999),
          fmt(m.serverCpuPct),
          fmt(m.ackedPerServerCpuSec),
          m.system.includes('postgres') ? fmt(m.auxCpuPct) : '–',
          m.storageBytesPerAck == null ? '–' : fmt(m.storageBytesPerAck / 1024, 2),
          errorsText(m),
          fmt(m.otherCpuPct ?? 0),
        ]),
      ),
    );
    out.push('');
    out.push(
      'Storage written is `write_bytes` of the server (and, on PostgreSQL, every postgres process) over the window: WAL frames, ' +
        'checkpoint copies and table pages, divided by the sends acknowledged. Statements per group commit: per send, one ' +
        'duplicate check, one seq bump (the membership check rides on it), one insert, one read-pointer move, one search-backlog ' +
        'row per text message and one row per mention; per batch, BEGIN and COMMIT (PostgreSQL sends each kind of statement once per batch, for all its rows).',
    );
    out.push('');
  }

  if (result.idle.length > 0) {
    out.push('## Idle authenticated connections');
    out.push('');
    out.push(
      'KB per connection: half the connections are opened, then all; before each reading the server gets a full GC (through its loopback inspector), ' +
        'so connect-time garbage is not counted. The figure is the RSS slope (RSS with all − RSS with half) ÷ connections added. V8 resizing its heap moves RSS ' +
        'by megabytes, so with only a few thousand connections added the JS heap slope (live objects after the GC) is the steadier cross-check. ' +
        'Held = answered an application ping after the hold (heartbeats on).',
    );
    out.push('');
    out.push(
      table(
        [
          'case',
          'system',
          'held / target',
          'connects/s',
          'connect p99 ms',
          'RSS before MB',
          'RSS at half MB',
          'RSS at all MB',
          'RSS KB per connection',
          'JS heap KB per connection',
          'idle server CPU %',
        ],
        sortByCase(result.idle.map((i) => ({ ...i, scenario: 'idle' }))).map((i: IdleMeasurement) => [
          i.caseLabel,
          i.system,
          `${fmt(i.held)} / ${fmt(i.connectionsTarget)}`,
          fmt(i.connectPerSec),
          ms(i.connectLatency.p99),
          fmt(i.rssBeforeMb, 1),
          fmt(i.rssHalfMb ?? 0, 1),
          fmt(i.rssAfterMb, 1),
          `**${fmt(perConnKb(i), 1)}**`,
          i.heapPerConnKb == null ? '–' : fmt(i.heapPerConnKb, 1),
          fmt(i.idleServerCpuPct, 1),
        ]),
      ),
    );
    out.push('');
  }

  if (result.sweeps.length > 0) {
    out.push('## Saturation sweeps (offered msg/s until p99 passes the limit)');
    out.push('');
    out.push(
      table(
        ['case', 'system', 'saturation msg/s', 'stopped because', 'points (msg/s: deliveries/s, p99 ms)'],
        result.sweeps.map((s) => [
          s.caseLabel,
          s.system,
          s.saturationRate === null ? '–' : `**${fmt(s.saturationRate)}**`,
          s.stoppedBecause,
          s.points
            .map((p) => `${fmt(p.offeredRate)}: ${fmt(p.m.deliveriesPerSec)}, ${ms(p.m.delivery.p99)}${p.m.generatorSaturated ? ' ⚠' : ''}`)
            .join('; '),
        ]),
      ),
    );
    out.push('');
  }

  const cluster = sortByCase(runs.filter((m) => m.scenario === 'cluster'));
  if (cluster.length > 0) {
    out.push('## Cluster: two processes through Redis against one process');
    out.push('');
    out.push('Server CPU sums both processes; Redis CPU is shown apart.');
    out.push('');
    out.push(
      table(
        [...loadHead, 'Redis/DB CPU %'],
        loadRows(cluster).map((row, i) => [...row, fmt(cluster[i]!.auxCpuPct)]),
      ),
    );
    out.push('');
    const pairs = ['ws-relay', 'socketio', 'chatchat'].flatMap((name) => {
      const one = cluster.find((m) => m.systemName === name && !m.system.includes(' x'));
      const two = cluster.find((m) => m.systemName === name && m.system.includes(' x'));
      return one && two && one.deliveriesPerServerCpuSec > 0
        ? [
            [
              name,
              `${fmt(two.deliveriesPerServerCpuSec / one.deliveriesPerServerCpuSec, 2)}×`,
              one.delivery.p99 > 0 ? `${fmt(two.delivery.p99 / one.delivery.p99, 2)}×` : '–',
            ],
          ]
        : [];
    });
    if (pairs.length > 0) {
      out.push('Two processes ÷ one process, per system (efficiency: the cost of scaling out; p99: the added hop):');
      out.push('');
      out.push(table(['system', 'deliveries / server CPU-s', 'p99 latency'], pairs));
      out.push('');
    }
  }

  if (result.setup.length > 0) {
    out.push('## Setup (not counted in any result)');
    out.push('');
    out.push(
      table(
        ['system', 'users', 'rooms', 'seconds'],
        result.setup.map((s) => [s.system, fmt(s.users), fmt(s.rooms), fmt(s.seconds, 1)]),
      ),
    );
    out.push('');
  }
  if (result.skipped.length > 0) {
    out.push('## Skipped');
    out.push('');
    for (const s of result.skipped) out.push(`- ${s}`);
    out.push('');
  }
  out.push('## Notes');
  out.push('');
  for (const n of result.notes) out.push(`- ${n}`);
  out.push('');
  out.push('<details><summary>Parameters</summary>');
  out.push('');
  out.push('```json');
  out.push(JSON.stringify(options.params, null, 2));
  out.push('```');
  out.push('</details>');
  out.push('');
  return out.join('\n');
}
