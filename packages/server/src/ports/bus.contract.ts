import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from './bus.js';
import { waitFor as poll } from '../testing/wait-for.js';

export interface BusContractNodes {
  /** `count` buses, each standing for one process, all connected to the same transport and ready to deliver. */
  buses: Bus[];
  cleanup(): Promise<void>;
}

type Received = Array<[channel: string, payload: string]>;

function record(bus: Bus): Received {
  const received: Received = [];
  bus.onMessage((channel, payload) => received.push([channel, payload]));
  return received;
}

const waitFor = (what: string, condition: () => boolean, timeoutMs = 15_000) =>
  poll(condition, { what, timeoutMs, intervalMs: 5 }).then(() => {});

const has = (received: Received, channel: string, payload: string) => received.some(([c, p]) => c === channel && p === payload);
const count = (received: Received, channel: string, payload: string) => received.filter(([c, p]) => c === channel && p === payload).length;

/**
 * The behaviour every Bus adapter must have. Absence is proven without sleeping:
 * a later marker from the same publisher arriving means anything earlier would have.
 */
export function describeBusContract(name: string, makeNodes: (count: number) => Promise<BusContractNodes>): void {
  describe(`Bus contract: ${name}`, () => {
    let nodes: BusContractNodes | undefined;
    async function start(n: number): Promise<Bus[]> {
      nodes = await makeNodes(n);
      return nodes.buses;
    }
    afterEach(async () => {
      await nodes?.cleanup();
      nodes = undefined;
    });

    it('delivers across nodes, only to buses subscribed to the channel', async () => {
      const [a, b, c] = (await start(3)) as [Bus, Bus, Bus];
      const [ra, rb, rc] = [record(a), record(b), record(c)];
      await b.subscribe('room:1');
      await c.subscribe('room:2');
      await a.publish('room:1', 'hello');
      await a.publish('room:2', 'marker');
      await waitFor('b and c to receive', () => has(rb, 'room:1', 'hello') && has(rc, 'room:2', 'marker'));
      expect(rb).toEqual([['room:1', 'hello']]);
      expect(rc).toEqual([['room:2', 'marker']]);
      expect(ra).toEqual([]);
      expect(a.healthy && b.healthy && c.healthy).toBe(true);
    });

    it('delivers asynchronously: publish never runs a handler before it returns', async () => {
      const [a] = (await start(1)) as [Bus];
      let calls = 0;
      a.onMessage((_channel, payload) => {
        calls++;
        // Publishing from a handler queues, it does not recurse.
        if (payload === 'ping') void a.publish('echo', 'pong');
      });
      await a.subscribe('echo');
      const published = a.publish('echo', 'ping');
      expect(calls).toBe(0);
      await published;
      await waitFor('ping and pong', () => calls === 2);
    });

    it('keeps publish order under a burst of 10,000 messages, locally and across nodes', async () => {
      const [a, b] = (await start(2)) as [Bus, Bus];
      const [ra, rb] = [record(a), record(b)];
      await a.subscribe('burst');
      await b.subscribe('burst');
      const total = 10_000;
      const sends: Promise<void>[] = [];
      for (let i = 0; i < total; i++) sends.push(a.publish('burst', String(i)));
      await Promise.all(sends);
      await waitFor('all messages on both nodes', () => ra.length >= total && rb.length >= total, 30_000);
      const expected = Array.from({ length: total }, (_, i) => String(i));
      expect(ra.map(([, p]) => p)).toEqual(expected);
      expect(rb.map(([, p]) => p)).toEqual(expected);
    });

    it('stops delivering a channel after unsubscribe, and keeps the others', async () => {
      const [a, b] = (await start(2)) as [Bus, Bus];
      const rb = record(b);
      await b.subscribe('x');
      await b.subscribe('y');
      await a.publish('x', 'first');
      await waitFor('first', () => has(rb, 'x', 'first'));
      await b.unsubscribe('x');
      await b.unsubscribe('x');
      await a.publish('x', 'second');
      await a.publish('y', 'marker');
      await waitFor('marker', () => has(rb, 'y', 'marker'));
      expect(rb).toEqual([
        ['x', 'first'],
        ['y', 'marker'],
      ]);
    });

    it('subscribing twice still delivers each message once', async () => {
      const [a, b] = (await start(2)) as [Bus, Bus];
      const rb = record(b);
      await b.subscribe('twice');
      await b.subscribe('twice');
      await a.publish('twice', 'one');
      await a.publish('twice', 'marker');
      await waitFor('marker', () => has(rb, 'twice', 'marker'));
      expect(rb).toEqual([
        ['twice', 'one'],
        ['twice', 'marker'],
      ]);
    });

    it("delivers a node's own publish to its own subscribers exactly once", async () => {
      const [a, b] = (await start(2)) as [Bus, Bus];
      const [ra, rb] = [record(a), record(b)];
      await a.subscribe('self');
      await b.subscribe('self');
      await a.publish('self', 'mine');
      await waitFor('b to see it', () => has(rb, 'self', 'mine'));
      // b's reply reaches a over the same path as any echo of a's own message would,
      // and after it, so once a has the reply every echo would have arrived.
      await b.publish('self', 'reply');
      await waitFor('a to see the reply', () => has(ra, 'self', 'reply'));
      expect(count(ra, 'self', 'mine')).toBe(1);
      expect(ra).toEqual([
        ['self', 'mine'],
        ['self', 'reply'],
      ]);
    });

    it('replaces the handler on a second onMessage', async () => {
      const [a] = (await start(1)) as [Bus];
      const first = record(a);
      const second = record(a);
      await a.subscribe('h');
      await a.publish('h', 'to-second');
      await waitFor('second handler', () => second.length === 1);
      expect(first).toEqual([]);
    });
  });
}
