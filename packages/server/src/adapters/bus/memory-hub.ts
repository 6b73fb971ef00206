import type { MeteredBus } from '../../ports/bus.js';
import { createBusStats, reportHandlerError, type BusLogger } from './bus-stats.js';
import { createFifoDispatcher } from './fifo-dispatcher.js';

/**
 * In-process bus. Embedded mode uses one hub with one bus; tests put several "nodes"
 * (buses) on one hub to exercise cross-node delivery without Redis.
 */
export interface MemoryHub {
  createBus(): MeteredBus;
}

export interface MemoryHubOptions {
  /** Where a throwing onMessage handler is reported; without it the error is rethrown asynchronously. */
  logger?: BusLogger;
}

interface Node {
  channels: Set<string>;
  handler: ((channel: string, payload: string) => void) | null;
  closed: boolean;
  stats: ReturnType<typeof createBusStats>;
}

interface Delivery {
  node: Node;
  channel: string;
  payload: string;
}

export function createMemoryHub(options: MemoryHubOptions = {}): MemoryHub {
  const nodes = new Set<Node>();
  // One queue for the whole hub: delivery order is global publish order, which
  // implies the per-publisher FIFO the Bus contract asks for.
  const dispatcher = createFifoDispatcher<Delivery>(({ node, channel, payload }) => {
    // Checked again at delivery: nothing arrives after unsubscribe() or close().
    if (node.closed || !node.channels.has(channel) || !node.handler) return;
    node.stats.received++;
    try {
      node.handler(channel, payload);
    } catch (err) {
      reportHandlerError(err, options.logger);
    }
  });

  return {
    createBus() {
      const self: Node = { channels: new Set(), handler: null, closed: false, stats: createBusStats() };
      nodes.add(self);
      return {
        get healthy() {
          return !self.closed;
        },
        get stats() {
          return self.stats;
        },
        async publish(channel, payload) {
          if (self.closed) throw new Error('bus is closed');
          self.stats.published++;
          for (const node of nodes) {
            if (node.channels.has(channel)) dispatcher.push({ node, channel, payload });
          }
        },
        async subscribe(channel) {
          self.channels.add(channel);
        },
        async unsubscribe(channel) {
          self.channels.delete(channel);
        },
        onMessage(handler) {
          self.handler = handler;
        },
        onRecovered() {
          // Nothing in-process is ever lost, so there is nothing to recover from.
        },
        async close() {
          self.closed = true;
          self.channels.clear();
          nodes.delete(self);
          if (nodes.size === 0) dispatcher.clear();
        },
      };
    },
  };
}
