/**
 * A big-room generator process: holds a slice of the room's members, each on its own socket,
 * each reading every message as it arrives the way the SDK does (read-sync.ts): a pointer move
 * sends `room.read` unless one is in flight for the room, and when the reply comes the newest
 * pointer asked for meanwhile goes out next — one in flight per member, and in a room over 100
 * members no sooner than the protocol's `readSpacingMs` after the last (`readDebounceMs`).
 * The member's own message moves its pointer without a request (the server did it).
 * Some members also send, open loop, with an ack. Exits when the coordinator goes away.
 */
import WebSocket from 'ws';
import { createHistogram, encodeHistogram } from '../histogram.js';
import { nowUs } from '../proc-stats.js';
import { serveCoordinator } from '../workers/ipc-worker.js';
import { frameKinds, type FromWorker, type MemberInit, type MemberRun, type PhaseFrames, type ToWorker } from './big-room-messages.js';

const connectTimeoutMs = 60_000;
const marker = '~B';
const kindIndex = new Map<string, number>(frameKinds.map((k, i) => [k, i]));
const otherEventKind = kindIndex.get('other-event')!;
const replyKind = kindIndex.get('reply')!;
const createdKind = kindIndex.get('message.created')!;

interface Member {
  userId: string;
  senderTag: string;
  ws: WebSocket | null;
  open: boolean;
  lastReadSeq: number;
  /** The seq of the room.read in flight, 0 when none. */
  readInFlight: number;
  /** Highest seq asked for and not yet sent (the SDK's `pending`). */
  readPending: number;
  readSentAt: number;
  readTimer: NodeJS.Timeout | null;
  nextId: number;
  /** Send request id → send time (µs). */
  sends: Map<number, number>;
}

interface Phase {
  perMember: number[][];
  bytes: number[];
  otherEvents: Record<string, number>;
}

function createPhase(members: number): Phase {
  return { perMember: Array.from({ length: members }, () => frameKinds.map(() => 0)), bytes: frameKinds.map(() => 0), otherEvents: {} };
}

function post(msg: FromWorker): void {
  process.send?.(msg);
}

function createWorker(init: MemberInit) {
  const members: Member[] = init.members.map((m) => ({
    userId: m.userId,
    senderTag: `"senderId":"${m.userId}"`,
    ws: null,
    open: false,
    lastReadSeq: 0,
    readInFlight: 0,
    readPending: 0,
    readSentAt: 0,
    readTimer: null,
    nextId: 1,
    sends: new Map(),
  }));
  const connectPhase = createPhase(members.length);
  let windowPhase = createPhase(members.length);
  let errors: Record<string, number> = {};
  const countError = (key: string) => void (errors[key] = (errors[key] ?? 0) + 1);
  let frames = 0;
  let closing = false;

  let run: MemberRun | null = null;
  let winStart = Number.POSITIVE_INFINITY;
  let winEnd = Number.POSITIVE_INFINITY;
  let sendEnd = 0;
  let sent = 0;
  let acked = 0;
  let delivered = 0;
  let readsSent = 0;
  let readReplies = 0;
  const deliveryHist = createHistogram();
  const ackHist = createHistogram();
  const readReplyHist = createHistogram();
  const sendLagHist = createHistogram();
  const timers: NodeJS.Timeout[] = [];

  function phaseAt(t: number): Phase | null {
    if (!run || t < run.startUs) return connectPhase;
    return t >= winStart && t < winEnd ? windowPhase : null;
  }

  function sendRead(m: Member, seq: number): void {
    m.readInFlight = seq;
    m.readPending = 0;
    m.readSentAt = nowUs();
    if (m.readSentAt >= winStart && m.readSentAt < winEnd) readsSent++;
    m.ws!.send(`{"id":"r${seq}","op":"room.read","data":{"roomId":"${init.roomId}","seq":${seq}}}`);
  }

  function onCreated(m: Member, frame: string, t: number): void {
    const at = frame.indexOf('"seq":');
    const seq = at < 0 ? 0 : Number.parseInt(frame.slice(at + 6, at + 20), 10);
    const mark = frame.indexOf(marker);
    if (mark >= 0) {
      const sentAt = Number(frame.slice(mark + 2, frame.indexOf('~', mark + 2)));
      if (sentAt >= winStart && sentAt < winEnd) {
        delivered++;
        deliveryHist.recordValue(Math.max(1, t - sentAt));
      }
    }
    if (seq <= m.lastReadSeq) return;
    m.lastReadSeq = seq;
    // Sending moved the sender's own pointer on the server; the SDK applies that, asks nothing.
    if (frame.includes(m.senderTag) || init.reads === 'none') return;
    m.readPending = Math.max(m.readPending, seq);
    flushRead(m);
  }

  /** The SDK's rule: one in flight, the newest next, spaced by `readDebounceMs` (the SDK's or a what-if). */
  function flushRead(m: Member): void {
    if (m.readInFlight || m.readTimer || m.readPending === 0 || !m.open) return;
    const wait = m.readSentAt + init.readDebounceMs * 1000 - nowUs();
    if (init.readDebounceMs === 0 || wait <= 0) {
      sendRead(m, m.readPending);
      return;
    }
    m.readTimer = setTimeout(() => {
      m.readTimer = null;
      flushRead(m);
    }, wait / 1000);
  }

  function onReply(m: Member, frame: string, t: number): void {
    // Replies are `{"re":"<id>",…`: r<seq> for reads, h for the hello, digits for sends.
    const id = frame.slice(7, frame.indexOf('"', 7));
    const ok = frame.includes('"ok":true');
    if (!ok) countError(`reply:${/"code":"([^"]+)"/.exec(frame)?.[1] ?? 'unknown'}`);
    if (id.startsWith('r')) {
      if (m.readSentAt >= winStart && m.readSentAt < winEnd) {
        readReplies++;
        readReplyHist.recordValue(Math.max(1, t - m.readSentAt));
      }
      m.readInFlight = 0;
      flushRead(m);
      return;
    }
    const sentAt = m.sends.get(Number(id));
    if (sentAt === undefined) return;
    m.sends.delete(Number(id));
    if (ok && sentAt >= winStart && sentAt < winEnd) {
      acked++;
      ackHist.recordValue(Math.max(1, t - sentAt));
    }
  }

  function onFrame(index: number, data: Buffer): void {
    const m = members[index]!;
    const t = nowUs();
    frames++;
    // Only the head is decoded to tell the kind: receipts of a big room are hundreds of KB each.
    const head = data.toString('latin1', 0, 48);
    let kind = replyKind;
    let ev = '';
    if (head.startsWith('{"ev":"')) {
      ev = head.slice(7, head.indexOf('"', 7));
      kind = kindIndex.get(ev) ?? otherEventKind;
    }
    const phase = phaseAt(t);
    if (phase) {
      phase.perMember[index]![kind]!++;
      phase.bytes[kind]! += data.length;
      if (kind === otherEventKind) phase.otherEvents[ev] = (phase.otherEvents[ev] ?? 0) + 1;
    }
    // latin1 decodes fastest; everything read from a frame here is ASCII.
    if (kind === createdKind) onCreated(m, data.toString('latin1'), t);
    else if (kind === replyKind) onReply(m, data.toString('latin1'), t);
  }

  function connectOne(index: number): Promise<boolean> {
    const m = members[index]!;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (ok: boolean, key?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (ok) m.open = true;
        else {
          countError(key ?? 'connect-failed');
          m.ws?.terminate();
        }
        resolve(ok);
      };
      const timer = setTimeout(() => settle(false, 'connect-timeout'), connectTimeoutMs);
      const ws = new WebSocket(`${init.url}/ws`, {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: connectTimeoutMs,
        localAddress: init.localAddress,
      });
      m.ws = ws;
      ws.on('open', () => {
        ws.send(JSON.stringify({ id: 'h', op: 'hello', data: { token: init.members[index]!.token, readers: [init.roomId] } }));
      });
      ws.on('message', (data: Buffer) => {
        if (!settled) {
          const frame = data.toString('latin1');
          if (!frame.startsWith('{"re":"h"')) return;
          if (!frame.includes('"ok":true')) return settle(false, 'hello-refused');
          const room = /"lastReadSeq":(\d+)/.exec(frame);
          m.lastReadSeq = room ? Number(room[1]) : 0;
          settle(true);
          return;
        }
        onFrame(index, data);
      });
      ws.on('error', (err: Error & { code?: string }) => {
        countError(`ws-error:${err.code ?? err.message.slice(0, 40)}`);
        settle(false, 'connect-error');
      });
      ws.on('close', (code: number) => {
        const wasOpen = m.open;
        m.open = false;
        if (wasOpen && !closing) countError(`close:${code}`);
        settle(false, `closed-before-hello:${code}`);
      });
    });
  }

  async function connectAll(): Promise<void> {
    let next = 0;
    let ok = 0;
    let failed = 0;
    const lane = async () => {
      while (next < members.length && !closing) {
        if (await connectOne(next++)) ok++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, init.connectConcurrency) }, lane));
    const e = errors;
    errors = {};
    post({ type: 'connected', ok, failed, errors: e });
  }

  function sendOne(turn: number, lagUs: number, bodyPad: string, counter: number): void {
    const m = members[init.senders[turn % init.senders.length]!]!;
    if (!m.open || !m.ws) {
      countError('send-on-closed');
      return;
    }
    const t = nowUs();
    if (t >= winStart && t < winEnd) {
      sent++;
      sendLagHist.recordValue(Math.max(1, lagUs));
    }
    const id = m.nextId++;
    m.sends.set(id, t);
    const body = `${marker}${Math.round(t)}~${bodyPad}`;
    m.ws.send(
      `{"id":"${id}","op":"message.send","data":{"roomId":"${init.roomId}","body":"${body}","clientMsgId":"${init.localAddress}.${counter}"}}`,
    );
  }

  function startRun(spec: MemberRun): void {
    run = spec;
    winStart = spec.startUs + spec.warmupMs * 1000;
    winEnd = winStart + spec.durationMs * 1000;
    sendEnd = winEnd + spec.cooldownMs * 1000;
    if (spec.rate <= 0 || init.senders.length === 0) return;
    const pad = 'x'.repeat(Math.max(0, spec.bodyChars - 20));
    const intervalUs = 1e6 / spec.rate;
    let nextUs = spec.startUs;
    let turn = 0;
    const tick = () => {
      const now = nowUs();
      // Open loop: every message due by now goes out, however late, so slow replies never slow the offer.
      while (nextUs <= now && nextUs < sendEnd) {
        sendOne(turn, now - nextUs, pad, turn);
        turn++;
        nextUs += intervalUs;
      }
      if (nextUs < sendEnd) timers.push(setTimeout(tick, Math.min(5, Math.max(0, (nextUs - nowUs()) / 1000))));
    };
    timers.push(setTimeout(tick, Math.max(0, (spec.startUs - nowUs()) / 1000)));
  }

  const snapshot = (p: Phase): PhaseFrames => ({ perMember: p.perMember, bytes: p.bytes, otherEvents: p.otherEvents });

  function collect(): void {
    for (const t of timers) clearTimeout(t);
    let open = 0;
    for (const m of members) if (m.open) open++;
    if (open < members.length) errors['not-open-at-end'] = members.length - open;
    post({
      type: 'result',
      result: {
        sent,
        acked,
        delivered,
        readsSent,
        readReplies,
        deliveryHist: encodeHistogram(deliveryHist),
        ackHist: encodeHistogram(ackHist),
        readReplyHist: encodeHistogram(readReplyHist),
        sendLagHist: encodeHistogram(sendLagHist),
        connect: snapshot(connectPhase),
        window: snapshot(windowPhase),
        errors,
      },
    });
    windowPhase = createPhase(members.length);
  }

  return {
    connectAll,
    handle(msg: ToWorker): void {
      switch (msg.type) {
        case 'run':
          startRun(msg);
          return;
        case 'progress':
          post({ type: 'progress', delivered, sent, acked, frames });
          return;
        case 'collect':
          collect();
          return;
        case 'close':
          closing = true;
          for (const t of timers) clearTimeout(t);
          for (const m of members) {
            if (m.readTimer) clearTimeout(m.readTimer);
            m.ws?.terminate();
          }
          setTimeout(() => process.exit(0), 100).unref();
          return;
        case 'init':
          return;
      }
    },
  };
}

let worker: ReturnType<typeof createWorker> | null = null;
serveCoordinator<ToWorker>((msg) => {
  if (msg.type === 'init') {
    worker = createWorker(msg);
    void worker.connectAll();
  } else worker?.handle(msg);
});
process.on('SIGTERM', () => process.exit(0));
