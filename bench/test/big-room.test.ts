import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BigRoomResult } from '../src/big-room/big-room-report.js';
import { chatchatAvailable } from '../src/systems/chatchat.js';
import { useToolRun } from './run-tool.js';

// The big-room tool end to end on a small room: a real server, real sockets, a report on disk. No timing assertions.
describe.skipIf(!chatchatAvailable())('big-room tool', () => {
  const tool = useToolRun('big-room-test-');
  const { out } = tool;

  it('connects every member, delivers every message, counts reads and writes the report', async () => {
    const args = ['--members', '50', '--senders', '5', '--rate', '20', '--duration', '1', '--warmup', '1'];
    const { code, output } = await tool.run('bench/src/big-room/big-room.ts', args);
    expect(code, output).toBe(0);
    const json = readdirSync(out).find((f) => f.startsWith('big-room-') && f.endsWith('.json'));
    expect(json, output).toBeDefined();
    expect(readFileSync(path.join(out, json!.replace(/\.json$/, '.md')), 'utf8')).toContain(
      'deliveries (arrived in window) per server CPU-s',
    );
    const r = JSON.parse(readFileSync(path.join(out, json!), 'utf8')) as BigRoomResult;
    expect(r.connected).toBe(50);
    expect(r.errors).toEqual({});
    expect(r.sent).toBeGreaterThan(0);
    expect(r.delivered).toBe(r.expected);
    expect(r.readsSent).toBeGreaterThan(0);
    // Every member saw the others come online during the connect-up.
    expect(r.connect.frames.kinds.find((k) => k.kind === 'presence.updated')!.total).toBeGreaterThan(0);
  }, 120_000);
});
