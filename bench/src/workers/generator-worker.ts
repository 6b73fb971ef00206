/**
 * A load-generator process. The coordinator (src/run/worker-pool.ts) starts several, pinned to the
 * generator CPUs, each with its own 127.0.0.x source address; they talk over the IPC channel only.
 * Everything is bounded: connects time out, runs end at a fixed time, and the process exits when
 * the coordinator goes away.
 */
import { timeOrderedId } from '@chatchat/client';
import WebSocket from 'ws';
import type { Histogram } from 'hdr-histogram-js';
import { createWireDriver } from '../drivers/create-wire-driver.js';
import type { WireDriver } from '../drivers/wire-driver.js';
import { createHistogram, encodeHistogram } from '../histogram.js';
import { nowUs } from '../proc-stats.js';
import type { ConnSpec, CoordinatorMessage, RunSpec, SendRoomSpec, WorkerInit, WorkerMessage } from './messages.js';
import { serveCoordinator } from './ipc-worker.js';

const connectTimeoutMs = 30_000;
const marker = '~B';

interface Pending {
  t0: number;
  kind: 'handshake' | 'send' | 'ping';
  room: ActiveRoom | null;
  done?: (ok: boolean, code: string | null) => void;
}

interface Conn {
  spec: ConnSpec;
  ws: WebSocket | null;
  open: boolean;
  nextId: number;
  pending: Map<number, Pending>;
}

interface ActiveRoom {
  spec: SendRoomSpec;
  turn: number;
  sentInWindow: number;
}

interface RunState {
  spec: RunSpec;
  winStart: number;
  winEnd: number;
  sendEnd: number;
  rooms: ActiveRoom[];
  sent: number;
  acked: number;
  delivered: number;
  deliveredBytes: number;
  deliveryHist: Histogram;
  ackHist: Histogram;
  sendLagHist: Histogram;
  pad: string;
  timers: NodeJS.Timeout[];
}

function send(msg: WorkerMessage): void {
  process.send?.(msg);
}

function createWorker(init: WorkerInit) {
  const driver: WireDriver = createWireDriver(init.system);
  const conns: Conn[] = init.conns.map((spec) => ({ spec, ws: null, open: false, nextId: 1, pending: new Map() }));
  let errors: Record<string, number> = {};
  let otherFrames = 0;
  let run: RunState | null = null;
  let closing = false;

  const countError = (key: string) => {
    errors[key] = (errors[key] ?? 0) + 1;
  };

  function onFrame(conn: Conn, frame: string): void {
    const c = driver.classify(frame);
    switch (c.kind) {
      case 'delivery': {
        const r = run;
        if (!r) return;
        const at = frame.indexOf(marker);
        if (at < 0) return;
        const sentAt = Number(frame.slice(at + 2, frame.indexOf('~', at + 2)));
        if (sentAt >= r.winStart && sentAt < r.winEnd) {
          r.delivered++;
          r.deliveredBytes += frame.length;
          r.deliveryHist.recordValue(Math.max(1, nowUs() - sentAt));
        }
        return;
      }
      case 'reply': {
        const p = conn.pending.get(c.id);
        if (!p) return;
        conn.pending.delete(c.id);
        if (!c.ok) countError(`reply:${c.code}`);
        if (p.kind === 'send') onAck(conn, p, c.ok);
        p.done?.(c.ok, c.code);
        return;
      }
      case 'respond':
        conn.ws?.send(c.frame);
        return;
      case 'ready':
        return;
      case 'other':
        otherFrames++;
        return;
    }
  }

  function onAck(conn: Conn, p: Pending, ok: boolean): void {
    const r = run;
    if (!r || !ok) return;
    if (p.t0 >= r.winStart && p.t0 < r.winEnd) {
      r.acked++;
      r.ackHist.recordValue(Math.max(1, nowUs() - p.t0));
    }
    if (r.spec.mode === 'closed' && p.room && nowUs() < r.sendEnd) sendOne(r, p.room, nowUs(), 0);
    void conn;
  }

  function request(
    conn: Conn,
    build: (id: number) => string,
    kind: Pending['kind'],
    room: ActiveRoom | null,
    t0: number,
    done?: Pending['done'],
  ): void {
    const id = conn.nextId++;
    conn.pending.set(id, { t0, kind, room, done });
    conn.ws!.send(build(id));
  }

  function connectOne(conn: Conn, url: string): Promise<boolean> {
    return new Promise((resolve) => {
      const t0 = nowUs();
      let settled = false;
      const settle = (ok: boolean, key?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!ok) {
          countError(key ?? 'connect-failed');
          conn.ws?.terminate();
        } else {
          conn.open = true;
          connectHist.recordValue(Math.max(1, nowUs() - t0));
        }
        resolve(ok);
      };
      const timer = setTimeout(() => settle(false, 'connect-timeout'), connectTimeoutMs);
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        // Every system gets the same client: no UTF-8 validation (bodies are ASCII), no compression.
        skipUTF8Validation: true,
        handshakeTimeout: connectTimeoutMs,
        ...(init.localAddress ? { localAddress: init.localAddress } : {}),
      });
      conn.ws = ws;
      const sendHandshake = () =>
        request(
          conn,
          (id) => driver.handshake(id, conn.spec),
          'handshake',
          null,
          t0,
          (ok, code) => settle(ok, ok ? undefined : `handshake:${code}`),
        );
      ws.on('open', () => {
        if (!driver.waitsForReady) sendHandshake();
      });
      ws.on('message', (data: Buffer) => {
        // latin1 decodes fastest; everything the generator reads from a frame is ASCII.
        const frame = data.toString('latin1');
        if (!settled && driver.waitsForReady && driver.classify(frame).kind === 'ready') {
          sendHandshake();
          return;
        }
        onFrame(conn, frame);
      });
      ws.on('error', (err: Error & { code?: string }) => {
        countError(`ws-error:${err.code ?? err.message.slice(0, 40)}`);
        settle(false, 'connect-error');
      });
      ws.on('close', (code: number) => {
        const wasOpen = conn.open;
        conn.open = false;
        conn.pending.clear();
        if (wasOpen && !closing) countError(`close:${code}`);
        settle(false, `closed-before-ready:${code}`);
      });
    });
  }

  let connectHist = createHistogram();
  let connectedUpTo = 0;

  /** Connect conns[connectedUpTo, upTo), then report this phase. */
  async function connectUpTo(upTo: number): Promise<void> {
    const startUs = nowUs();
    let next = connectedUpTo;
    const end = Math.min(upTo, conns.length);
    connectedUpTo = Math.max(connectedUpTo, end);
    let ok = 0;
    let failed = 0;
    const lane = async () => {
      while (next < end && !closing) {
        const conn = conns[next++]!;
        const url = driver.url(init.urls[conn.spec.gateway % init.urls.length]!);
        if (await connectOne(conn, url)) ok++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, init.connectConcurrency) }, lane));
    send({
      type: 'connected',
      ok,
      failed,
      startUs,
      endUs: nowUs(),
      connectHist: encodeHistogram(connectHist),
      errors: takeErrors(),
    });
    connectHist = createHistogram();
  }

  function takeErrors(): Record<string, number> {
    const e = errors;
    errors = {};
    return e;
  }

  function sendOne(r: RunState, room: ActiveRoom, intendedUs: number, lagUs: number): void {
    const senders = room.spec.senders;
    const conn = conns[senders[room.turn++ % senders.length]!]!;
    if (!conn.open || !conn.ws) {
      countError('send-on-closed');
      return;
    }
    const t = nowUs();
    const inWindow = t >= r.winStart && t < r.winEnd;
    if (inWindow) {
      r.sent++;
      room.sentInWindow++;
      if (r.spec.mode === 'open') r.sendLagHist.recordValue(Math.max(1, lagUs));
    }
    const body = `${marker}${Math.round(t)}~${r.pad}`;
    // What the SDK sends: a time-ordered id (the server's retry index is keyed by it).
    const clientMsgId = timeOrderedId();
    if (driver.acks) request(conn, (id) => driver.send(id, room.spec.roomId, body, clientMsgId), 'send', room, t);
    else conn.ws.send(driver.send(0, room.spec.roomId, body, clientMsgId));
    void intendedUs;
  }

  function startRun(spec: RunSpec): void {
    const rooms = init.rooms.filter((r) => r.group === spec.group).map((s) => ({ spec: s, turn: 0, sentInWindow: 0 }));
    const winStart = spec.startUs + spec.warmupMs * 1000;
    const winEnd = winStart + spec.durationMs * 1000;
    const r: RunState = {
      spec,
      winStart,
      winEnd,
      sendEnd: winEnd + spec.cooldownMs * 1000,
      rooms,
      sent: 0,
      acked: 0,
      delivered: 0,
      deliveredBytes: 0,
      deliveryHist: createHistogram(),
      ackHist: createHistogram(),
      sendLagHist: createHistogram(),
      pad: 'x'.repeat(Math.max(0, spec.bodyChars - 20)),
      timers: [],
    };
    run = r;
    errors = {};
    otherFrames = 0;
    const delayMs = Math.max(0, (spec.startUs - nowUs()) / 1000);
    if (rooms.length === 0) return;
    if (spec.mode === 'open') {
      if (spec.rate <= 0) return;
      const intervalUs = 1e6 / spec.rate;
      let nextUs = spec.startUs;
      let turn = 0;
      const tick = () => {
        if (run !== r) return;
        const now = nowUs();
        // Open loop: every message due by now goes out, however late, so a slow reply never slows the offer.
        while (nextUs <= now && nextUs < r.sendEnd) {
          sendOne(r, rooms[turn++ % rooms.length]!, nextUs, now - nextUs);
          nextUs += intervalUs;
        }
        if (nextUs < r.sendEnd) r.timers.push(setTimeout(tick, Math.min(5, Math.max(0, (nextUs - nowUs()) / 1000))));
      };
      r.timers.push(setTimeout(tick, delayMs));
    } else {
      r.timers.push(
        setTimeout(() => {
          if (run !== r) return;
          for (const room of rooms) for (let i = 0; i < spec.inflight; i++) sendOne(r, room, nowUs(), 0);
        }, delayMs),
      );
    }
  }

  function expected(r: RunState): number {
    let total = 0;
    for (const room of r.rooms) total += room.sentInWindow * room.spec.deliveriesPerMessage;
    return total;
  }

  function collect(runId: number): void {
    const r = run;
    if (!r || r.spec.runId !== runId) {
      send({ type: 'fatal', message: `collect for unknown run ${runId}` });
      return;
    }
    for (const t of r.timers) clearTimeout(t);
    run = null;
    let open = 0;
    for (const c of conns) if (c.open) open++;
    if (open < conns.length) errors['not-open-at-end'] = conns.length - open;
    send({
      type: 'result',
      runId,
      stats: {
        sent: r.sent,
        acked: r.acked,
        delivered: r.delivered,
        deliveredBytes: r.deliveredBytes,
        expected: expected(r),
        deliveryHist: encodeHistogram(r.deliveryHist),
        ackHist: encodeHistogram(r.ackHist),
        sendLagHist: encodeHistogram(r.sendLagHist),
        errors: takeErrors(),
        otherFrames,
      },
    });
  }

  async function pingAll(timeoutMs: number): Promise<void> {
    let alive = 0;
    let next = 0;
    const deadline = Date.now() + timeoutMs;
    const lane = async () => {
      while (next < conns.length && Date.now() < deadline) {
        const conn = conns[next++]!;
        if (!conn.open || !conn.ws) continue;
        const ok = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), Math.max(1, deadline - Date.now()));
          request(
            conn,
            (id) => driver.ping(id),
            'ping',
            null,
            nowUs(),
            (okReply) => {
              clearTimeout(timer);
              resolve(okReply);
            },
          );
        });
        if (ok) alive++;
      }
    };
    await Promise.all(Array.from({ length: 64 }, lane));
    send({ type: 'ping-result', alive, total: conns.length });
  }

  function close(): void {
    closing = true;
    if (run) for (const t of run.timers) clearTimeout(t);
    for (const c of conns) c.ws?.terminate();
    setTimeout(() => process.exit(0), 100).unref();
  }

  return {
    connectUpTo,
    handle(msg: CoordinatorMessage): void {
      switch (msg.type) {
        case 'run':
          startRun(msg);
          return;
        case 'progress': {
          const r = run;
          send({
            type: 'progress',
            runId: msg.runId,
            delivered: r?.delivered ?? 0,
            expected: r ? expected(r) : 0,
            acked: r?.acked ?? 0,
            sent: r?.sent ?? 0,
          });
          return;
        }
        case 'collect':
          collect(msg.runId);
          return;
        case 'ping-all':
          void pingAll(msg.timeoutMs);
          return;
        case 'close':
          close();
          return;
        case 'connect':
          void connectUpTo(msg.upTo);
          return;
        case 'init':
          return;
      }
    },
  };
}

let worker: ReturnType<typeof createWorker> | null = null;
serveCoordinator<CoordinatorMessage>((msg) => {
  if (msg.type === 'init') {
    worker = createWorker(msg);
    void worker.connectUpTo(msg.connectUpTo);
  } else worker?.handle(msg);
});
