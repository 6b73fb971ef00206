import type { SystemName } from '../drivers/wire-driver.js';
import type { IdleMeasurement, Measurement, SuiteResult } from './results.js';

/** Ratio of ChatChat to a peer on one figure, for one case. */
export interface Ratio {
  caseLabel: string;
  scenario: Measurement['scenario'];
  peer: SystemName;
  /** ChatChat deliveries per server CPU-second ÷ the peer's. */
  efficiency: number | null;
  /** ChatChat p99 ÷ the peer's (lower is better). */
  p99: number | null;
}

/** The range of the headline figure over repeated runs of one case on one system. */
export interface Spread {
  n: number;
  min: number;
  max: number;
}

export type MedianRun = Measurement & { spread: Spread | null };

/** The figure a case is judged by: acked/s for persist, deliveries per server CPU-second otherwise. */
export function headline(m: Measurement): number {
  return m.scenario === 'persist' ? m.ackedPerSec : m.deliveriesPerServerCpuSec;
}

/** One row per (scenario, case, system): the median run by its headline figure (the lower of two), with the range. */
export function medianRuns(list: readonly Measurement[]): MedianRun[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of list) {
    const key = `${m.scenario}|${m.caseLabel}|${m.system}|${m.offeredRate}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].map((runs) => {
    const sorted = [...runs].sort((a, b) => headline(a) - headline(b));
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    return {
      ...median,
      spread: runs.length > 1 ? { n: runs.length, min: headline(sorted[0]!), max: headline(sorted[sorted.length - 1]!) } : null,
    };
  });
}

export function fanoutRatios(result: SuiteResult): Ratio[] {
  const out: Ratio[] = [];
  const byCase = new Map<string, Measurement[]>();
  for (const m of medianRuns(result.measurements)) {
    if (m.scenario !== 'fanout' && m.scenario !== 'smoke') continue;
    const key = `${m.scenario}|${m.caseLabel}`;
    byCase.set(key, [...(byCase.get(key) ?? []), m]);
  }
  for (const list of byCase.values()) {
    const cc = list.find((m) => m.systemName === 'chatchat');
    if (!cc) continue;
    for (const peer of ['socketio-plain', 'socketio', 'ws-relay-plain', 'ws-relay'] as const) {
      const p = list.find((m) => m.systemName === peer);
      if (!p) continue;
      out.push({
        caseLabel: cc.caseLabel,
        scenario: cc.scenario,
        peer,
        efficiency: p.deliveriesPerServerCpuSec > 0 ? cc.deliveriesPerServerCpuSec / p.deliveriesPerServerCpuSec : null,
        p99: p.delivery.p99 > 0 ? cc.delivery.p99 / p.delivery.p99 : null,
      });
    }
  }
  return out;
}

export interface Goal {
  goal: string;
  value: string;
  met: boolean | null;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The goals, each with the measured value (null: not measured in this suite). */
export function goals(result: SuiteResult): Goal[] {
  const ratios = fanoutRatios(result);
  const r = (label: string, peer: SystemName) => ratios.find((x) => x.caseLabel === label && x.peer === peer)?.efficiency ?? null;
  const out: Goal[] = [];
  // Issue 15's goals: against the peers' plain relay (no ack) and acking Socket.IO, the bare ws floor.
  const ratioGoal = (label: string, peer: SystemName, target: number, peerText: string) => {
    const v = r(label, peer);
    out.push({
      goal: `fan-out, ${label}: ≥ ${fmt(target, 2)}× ${peerText} deliveries per server CPU-s`,
      value: v === null ? 'not measured' : `${fmt(v, 2)}×`,
      met: v === null ? null : v >= target,
    });
  };
  ratioGoal('rooms of 10', 'socketio-plain', 1.0, 'plain Socket.IO (no ack)');
  ratioGoal('rooms of 10', 'socketio', 1.2, 'acking Socket.IO');
  ratioGoal('rooms of 100', 'socketio-plain', 1.2, 'plain Socket.IO (no ack)');
  ratioGoal('rooms of 100', 'ws-relay-plain', 0.85, 'the bare ws floor (no ack)');
  for (const [store, limit] of [
    ['sqlite', 8],
    ['postgres', 15],
  ] as const) {
    const m = medianRuns(result.measurements).find(
      (x) =>
        x.systemName === 'chatchat' &&
        x.scenario === 'fanout' &&
        x.caseLabel === 'rooms of 10' &&
        x.offeredRate === 4000 &&
        x.system.includes(store),
    );
    out.push({
      goal: `p99 send-to-receive < ${limit} ms at 4,000 msg/s, rooms of 10, 1,000 connections, ${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
      value: m ? `${fmt(m.delivery.p99, 2)} ms` : 'not measured',
      met: m ? m.delivery.p99 < limit : null,
    });
  }
  const idle = result.idle.filter((i: IdleMeasurement) => i.systemName === 'chatchat').sort((a, b) => b.held - a.held)[0];
  out.push({
    goal: '≤ 6 KB server memory per idle authenticated connection (the goal is at 15,000 connections)',
    value: idle
      ? `${fmt(perConnKb(idle), 1)} KB RSS, ${idle.heapPerConnKb == null ? '–' : fmt(idle.heapPerConnKb, 1)} KB JS heap ` +
        `(${fmt(idle.held)} connections${idle.held < 5000 ? '; the RSS slope is rough below ~5,000' : ''})`
      : 'not measured',
    met: idle ? perConnKb(idle) <= 6 : null,
  });
  for (const [store, target] of [
    ['sqlite', 20_000],
    ['postgres', 10_000],
  ] as const) {
    const m = medianRuns(result.measurements).find((x) => x.scenario === 'persist' && x.system.includes(store));
    out.push({
      goal: `≥ ${fmt(target)} acked msgs/s on ${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, p99 ack < 20 ms`,
      value: m ? `${fmt(m.ackedPerSec)}/s, p99 ${fmt(m.ack.p99, 2)} ms` : 'not measured',
      met: m ? m.ackedPerSec >= target && m.ack.p99 < 20 : null,
    });
  }
  return out;
}

/** The headline idle figure: the RSS slope (the goal is about RSS). */
export function perConnKb(i: IdleMeasurement): number {
  return i.rssPerConnKb;
}

export { fmt };
