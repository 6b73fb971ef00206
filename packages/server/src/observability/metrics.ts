import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

/** One registry per process (not prom-client's global), so tests can run several servers in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  return {
    registry,
    connections: new Gauge({ name: 'chatchat_ws_connections', help: 'Open WebSocket connections', registers: [registry] }),
    ops: new Counter({ name: 'chatchat_ws_ops_total', help: 'WebSocket requests by op and outcome', labelNames: ['op', 'outcome'], registers: [registry] }),
    eventsDelivered: new Counter({ name: 'chatchat_ws_event_frames_total', help: 'Event frames written to sockets', registers: [registry] }),
    closes: new Counter({ name: 'chatchat_ws_closes_total', help: 'Connections closed by the server, by reason', labelNames: ['reason'], registers: [registry] }),
    sendCommitSeconds: new Histogram({
      name: 'chatchat_send_commit_seconds', help: 'message.send from receipt to commit',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1], registers: [registry],
    }),
    busPublished: new Gauge({ name: 'chatchat_bus_published', help: 'Bus messages published (counter value of the adapter)', registers: [registry] }),
    busReceived: new Gauge({ name: 'chatchat_bus_received', help: 'Bus messages received (counter value of the adapter)', registers: [registry] }),
    errors: new Counter({ name: 'chatchat_dependency_errors_total', help: 'Errors from dependencies', labelNames: ['dependency'], registers: [registry] }),
    http: new Counter({ name: 'chatchat_http_requests_total', help: 'HTTP requests by route and status class', labelNames: ['route', 'status'], registers: [registry] }),
  };
}
