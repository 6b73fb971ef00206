import WebSocket from 'ws';
import type { OpData, OpName, OpReply, ServerFrame, ServerEvent, ErrorBody, EventName, EventData } from '@chatchat/protocol';
import { waitFor } from './wait-for.js';

/**
 * A bare protocol client for tests that need to see frames exactly as sent, including
 * malformed ones. Regular scenarios use the SDK.
 */
export class RawClient {
  readonly frames: ServerFrame[] = [];
  readonly events: ServerEvent[] = [];
  closeCode: number | undefined;
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      this.frames.push(frame);
      if ('ev' in frame) this.events.push(frame);
    });
    socket.on('close', (code) => (this.closeCode = code));
  }

  static async connect(url: string): Promise<RawClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Connects and says hello; `readers`: the rooms whose read pointers the snapshot should carry. */
  static async hello(url: string, token: string, readers?: string[]): Promise<{ client: RawClient; snapshot: OpReply<'hello'> }> {
    const client = await RawClient.connect(url);
    const snapshot = await client.request('hello', readers ? { token, readers } : { token });
    return { client, snapshot };
  }

  sendRaw(data: string | Buffer, binary = false) {
    this.socket.send(data, { binary });
  }

  /** Sends and waits for the reply with the same id. */
  async call(op: string, data: unknown): Promise<{ ok: true; data: any } | { ok: false; error: ErrorBody }> {
    const id = String(this.nextId++);
    this.socket.send(JSON.stringify({ id, op, data }));
    const reply = await waitFor(() => this.frames.find((f) => 're' in f && f.re === id), { what: `reply to ${op}` });
    return reply as never;
  }

  async request<K extends OpName>(op: K, data: OpData<K>): Promise<OpReply<K>> {
    const reply = await this.call(op, data);
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
    return reply.data;
  }

  lastReplyFor(re: string | null) {
    return this.frames.filter((f) => 're' in f && f.re === re).at(-1);
  }

  eventsOf<K extends EventName>(ev: K): EventData<K>[] {
    return this.events.filter((e) => e.ev === ev).map((e) => e.data) as never;
  }

  waitForEvent<K extends EventName>(ev: K, match: (data: EventData<K>) => boolean = () => true, timeoutMs = 5000) {
    return waitFor(() => this.eventsOf(ev).find(match), { what: `event ${ev}`, timeoutMs });
  }

  waitForClose(timeoutMs = 5000) {
    return waitFor(() => this.closeCode, { what: 'close', timeoutMs });
  }

  close() {
    this.socket.close();
  }
}
