import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BusStats } from '../ports/bus.js';

export type Metrics = ReturnType<typeof createMetrics>;

/** One registry per process (not prom-client's global), so tests can run several servers in one process. */
export function createMetrics() {
  const registry = new Registry();
  // Includes nodejs_eventloop_lag_seconds (and its percentiles), heap, GC and CPU.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  let busStats: () => Readonly<BusStats> = () => ({ published: 0, received: 0, publishErrors: 0, recoveries: 0 });
  const busGauge = (name: string, help: string, pick: (s: Readonly<BusStats>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pick(busStats()));
      },
    });
  // Gauges read from the adapter's counters at scrape time, so no `_total` (kept for counters):
  // they only grow, so rate() over them still works.
  busGauge('chatchat_bus_published_messages', 'Bus messages published (monotonic)', (s) => s.published);
  busGauge('chatchat_bus_received_messages', 'Bus messages received from other processes (monotonic)', (s) => s.received);
  busGauge(
    'chatchat_bus_failed_publishes',
    'Bus publishes dropped or failed, e.g. while Redis was away (monotonic)',
    (s) => s.publishErrors,
  );
  busGauge('chatchat_bus_recoveries', 'Bus outages recovered from (monotonic)', (s) => s.recoveries);
  let bufferedBytes = () => 0;
  new Gauge({
    name: 'chatchat_ws_buffered_bytes',
    help: 'Bytes written to WebSockets and not yet taken by the kernel, all sockets',
    registers: [registry],
    collect() {
      this.set(bufferedBytes());
    },
  });
  return {
    /** The bus adapter's own counters are read at scrape time. */
    observeBus(stats: () => Readonly<BusStats>) {
      busStats = stats;
    },
    /** The gateway's sum over its sockets, read at scrape time. */
    observeBufferedBytes(read: () => number) {
      bufferedBytes = read;
    },
    registry,
    connections: new Gauge({ name: 'chatchat_ws_connections', help: 'Open WebSocket connections', registers: [registry] }),
    ops: new Counter({
      name: 'chatchat_ws_ops_total',
      help: 'WebSocket requests by op and outcome',
      labelNames: ['op', 'outcome'],
      registers: [registry],
    }),
    eventsDelivered: new Counter({
      name: 'chatchat_ws_event_frames_total',
      help: 'Event frames written to sockets, by event',
      labelNames: ['ev'],
      registers: [registry],
    }),
    upgradesRefused: new Counter({
      name: 'chatchat_ws_upgrades_refused_total',
      help: 'WebSocket upgrades answered with an HTTP error, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'chatchat_job_runs_total',
      help: 'Periodic job runs, by job and outcome',
      labelNames: ['job', 'outcome'],
      registers: [registry],
    }),
    closes: new Counter({
      name: 'chatchat_ws_closes_total',
      help: 'Connections closed by the server, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    sendCommitSeconds: new Histogram({
      name: 'chatchat_send_commit_seconds',
      help: 'message.send from receipt to commit',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'chatchat_dependency_errors_total',
      help: 'Errors from dependencies',
      labelNames: ['dependency'],
      registers: [registry],
    }),
    http: new Counter({
      name: 'chatchat_http_requests_total',
      help: 'HTTP requests by route and status class',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
  };
}
