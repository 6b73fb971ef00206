import { expect } from 'vitest';
import type { ChatClient, ChatClientError } from '@chatchat/client';
import type { AuthResponse, Member, Message, Room } from '@chatchat/protocol';
import { httpClient, sdkClient, waitFor } from '@chatchat/server/testing';

/** One SDK client of one user, through the balancer (so they spread over the gateways). */
export interface Device {
  readonly user: AuthResponse;
  readonly client: ChatClient;
}

export interface TrafficResult {
  /** Acknowledged sends (WS ack or HTTP 201), by message id. */
  acked: Map<string, Message>;
  /** Sends that ended without an acknowledgement (timed out, connection lost, 5xx): maybe stored, maybe not. */
  unknown: number;
}

export interface Traffic {
  stop(): Promise<TrafficResult>;
}

export interface TrafficOptions {
  roomId: string;
  devices: Device[];
  /** Each device sends one message every `intervalMs` without waiting for the previous ack. */
  intervalMs: number;
  /** At most this many unacknowledged sends per device (bounds the work a long fault piles up). */
  maxInFlight: number;
  /** Also send over HTTP through the balancer (the api role's path), one every intervalMs. */
  http?: { url: string; user: AuthResponse };
}

/**
 * Steady traffic from SDK clients on several gateways: sends, plus a markRead every few
 * sends. `stop()` ends the sending and waits for every send and read to settle.
 */
export function startTraffic(options: TrafficOptions): Traffic {
  const acked = new Map<string, Message>();
  let unknown = 0;
  let running = true;
  const settling: Promise<unknown>[] = [];
  const inFlight = new Map<Device, number>();
  let counter = 0;

  const tick = () => {
    if (!running) return;
    for (const device of options.devices) {
      const n = inFlight.get(device) ?? 0;
      if (n >= options.maxInFlight) continue;
      inFlight.set(device, n + 1);
      const body = `${device.user.user.username} ${counter++}`;
      settling.push(
        device.client
          .send(options.roomId, body)
          .then(
            (m) => void acked.set(m.id, m),
            (err: ChatClientError) => {
              if (err.code !== 'closed') unknown++;
            },
          )
          .finally(() => inFlight.set(device, (inFlight.get(device) ?? 1) - 1)),
      );
      if (counter % 5 === 0) settling.push(device.client.markRead(options.roomId).catch(() => {}));
    }
    if (options.http) {
      const { url, user } = options.http;
      const clientMsgId = `h-${options.roomId.slice(-12)}-${counter++}`;
      settling.push(
        httpClient(url)
          .call('POST', `/api/v1/rooms/${options.roomId}/messages`, { body: clientMsgId, clientMsgId }, user.accessToken)
          .then(
            (res) => (res.status === 201 ? void acked.set(res.body.message.id, res.body.message) : unknown++),
            () => unknown++,
          ),
      );
    }
  };
  const timer = setInterval(tick, options.intervalMs);
  tick();

  return {
    async stop() {
      running = false;
      clearInterval(timer);
      // Settled sends may start reads; wait until nothing is left.
      for (let seen = 0; seen < settling.length; seen = settling.length) await Promise.allSettled(settling.slice(seen));
      return { acked, unknown };
    },
  };
}

async function history(url: string, token: string, roomId: string): Promise<Message[]> {
  const http = httpClient(url);
  const all: Message[] = [];
  for (;;) {
    const res = await http.call('GET', `/api/v1/rooms/${roomId}/messages?afterSeq=${all.at(-1)?.seq ?? 0}&limit=200`, undefined, token);
    if (res.status !== 200) throw new Error(`history: ${res.status} ${JSON.stringify(res.body)}`);
    all.push(...res.body.messages);
    if (res.body.messages.length < 200) return all;
  }
}

const pointers = (members: readonly Member[] | undefined) =>
  Object.fromEntries((members ?? []).map((m) => [m.userId, m.lastReadSeq]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
const roomCounts = (room: Room | undefined) =>
  room && { lastSeq: room.lastSeq, lastReadSeq: room.lastReadSeq, unreadCount: room.unreadCount };

export interface Convergence {
  /** From the call (the fault healed, traffic settled) until every view matched. */
  convergeMs: number;
  lost: number;
  duplicated: number;
}

/**
 * The end of every fault: every acknowledged message is in history once and in every
 * client's view once, views are history (gap-free, increasing), and each client's pointers
 * and unread counts, built from the events it received, equal a fresh snapshot.
 */
export async function expectConverged(options: {
  url: string;
  roomId: string;
  devices: Device[];
  result: TrafficResult;
  timeoutMs: number;
}): Promise<Convergence> {
  const { url, roomId, devices, result } = options;
  const started = Date.now();
  const token = devices[0]!.user.accessToken;
  const stored = await history(url, token, roomId);

  const seqs = stored.map((m) => m.seq);
  expect(seqs, 'history is gap-free and increasing').toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
  const sendKeys = stored.filter((m) => m.clientMsgId).map((m) => `${m.senderId}/${m.clientMsgId}`);
  const duplicated = sendKeys.length - new Set(sendKeys).size;
  const storedIds = new Set(stored.map((m) => m.id));
  const lost = [...result.acked.keys()].filter((id) => !storedIds.has(id)).length;
  expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });

  const ids = stored.map((m) => m.id).join();
  for (const d of devices) {
    const view = () => d.client.messages(roomId);
    await waitFor(
      () =>
        view()
          .map((m) => m.id)
          .join() === ids,
      { what: 'view', timeoutMs: options.timeoutMs },
    ).catch(async () => {
      const held = new Set(view().map((m) => m.seq));
      const missing = seqs.filter((q) => !held.has(q));
      const window = d.client.getState().windows[roomId];
      // What the client's own connection would have answered a gap fill.
      const probe = await d.client.request('message.list', { roomId, afterSeq: window?.contiguousSeq ?? 0, limit: 5 }).then(
        (r) => r.messages.map((m) => m.seq).join(','),
        (err: Error) => String(err),
      );
      throw new Error(
        `${d.user.user.username}'s view never equalled history (${stored.length} messages): ` +
          `${view().length} held, missing seqs ${missing.slice(0, 20).join(',')}${missing.length > 20 ? '…' : ''}; ` +
          `client lastSeq ${d.client.room(roomId)?.lastSeq}, contiguousSeq ${window?.contiguousSeq}, status ${d.client.status}; ` +
          `message.list after it now: ${probe}`,
      );
    });
  }

  // A fresh snapshot per user, compared with what the live client made of its events.
  for (const d of devices) {
    const fresh = sdkClient(url, d.user.accessToken);
    try {
      await fresh.connect();
      await fresh.loadReaders(roomId);
      const expected = { room: roomCounts(fresh.room(roomId)), readers: pointers(fresh.readers(roomId)) };
      await waitFor(
        () =>
          JSON.stringify({ room: roomCounts(d.client.room(roomId)), readers: pointers(d.client.readers(roomId)) }) ===
          JSON.stringify(expected),
        {
          what: `${d.user.user.username}'s pointers and unread count to equal a fresh snapshot ${JSON.stringify(expected)}`,
          timeoutMs: options.timeoutMs,
        },
      );
    } finally {
      fresh.close();
    }
  }
  return { convergeMs: Date.now() - started, lost, duplicated };
}
