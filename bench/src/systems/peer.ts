import type { Children } from '../children.js';
import { peerServer, type PeerName } from '../drivers/wire-driver.js';
import { startServer, type StartedServer } from './server-process.js';
import { roomMembers, type Plan, type RoomGroupSpec, type RunningSystem } from './system.js';

export interface PeerOptions {
  children: Children;
  name: PeerName;
  /** Processes to run; more than one needs redisUrl (the cluster scenario). */
  processes?: number;
  redisUrl?: string;
  redisPid?: number | null;
  nodeFlags?: string[];
}

const entries = { 'ws-relay': 'bench/peers/ws-relay.ts', socketio: 'bench/peers/socketio-server.ts' } as const;

/** Start a peer (bare ws relay or Socket.IO); its users and rooms are just names, nothing to create. */
export async function startPeer(options: PeerOptions): Promise<RunningSystem> {
  const count = options.processes ?? 1;
  const servers: StartedServer[] = [];
  try {
    for (let i = 0; i < count; i++) {
      servers.push(
        await startServer(options.children, {
          entry: entries[peerServer(options.name)],
          label: `${options.name}#${i}`,
          env: { HOST: '127.0.0.1', REDIS_URL: options.redisUrl },
          nodeFlags: options.nodeFlags,
          echoStderr: true,
        }),
      );
    }
  } catch (err) {
    await Promise.all(servers.map((s) => options.children.stop(s.child)));
    throw err;
  }
  const redisPid = options.redisPid ?? null;
  return {
    name: options.name,
    label: count > 1 ? `${options.name} x${count} + redis` : options.name,
    wsUrls: servers.map((s) => `ws://127.0.0.1:${s.port}`),
    pids: servers.map((s) => s.pid),
    inspectors: servers.flatMap((s) => (s.inspector ? [s.inspector] : [])),
    auxPids: () => (redisPid ? [redisPid] : []),
    async setup(users: number, groups: RoomGroupSpec[]): Promise<Plan> {
      const plan: Plan = {
        users: Array.from({ length: users }, (_, i) => ({ id: `u${i}`, token: '' })),
        rooms: [],
        setupSeconds: 0,
      };
      for (const g of groups) {
        for (let k = 0; k < g.rooms; k++) plan.rooms.push({ id: `${g.group}-${k}`, group: g.group, members: roomMembers(g, k, users) });
      }
      return plan;
    },
    async close() {
      await Promise.all(servers.map((s) => options.children.stop(s.child)));
    },
  };
}
