import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/children.js';
import type { SuiteResult } from '../src/report/results.js';
import { chatchatAvailable } from '../src/systems/chatchat.js';

// The harness still works end to end: real servers, real sockets, a report on disk. No timing assertions.
describe('bench smoke', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-test-'));
  let child: ChildProcess | null = null;

  afterAll(() => {
    child?.kill('SIGTERM');
    rmSync(out, { recursive: true, force: true });
  });

  it('drives every available system and writes JSON, Markdown and SVG', async () => {
    const systems = chatchatAvailable() ? 'ws-relay,chatchat' : 'ws-relay';
    let output = '';
    const code = await new Promise<number | null>((resolve) => {
      child = spawn(process.execPath, ['--import', 'tsx', 'bench/src/cli.ts', 'smoke', '--systems', systems, '--out', out], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      child.once('exit', (c) => resolve(c));
    });
    expect(code, output).toBe(0);
    const files = readdirSync(out);
    const json = files.find((f) => f.endsWith('.json'));
    expect(json, output).toBeDefined();
    expect(existsSync(path.join(out, json!.replace(/\.json$/, '.md')))).toBe(true);
    const svg = readFileSync(path.join(out, json!.replace(/\.json$/, '.svg')), 'utf8');
    expect(svg).toContain('<svg');
    const { result } = JSON.parse(readFileSync(path.join(out, json!), 'utf8')) as { result: SuiteResult };
    expect(result.skipped).toEqual([]);
    const expected = systems.split(',');
    expect(new Set(result.measurements.filter((m) => m.scenario === 'smoke').map((m) => m.systemName))).toEqual(new Set(expected));
    for (const m of result.measurements) {
      expect(m.deliveriesPerSec, `${m.system} ${m.scenario}`).toBeGreaterThan(0);
      expect(m.errors, `${m.system} ${m.scenario}`).toEqual({});
      expect(m.drops, `${m.system} ${m.scenario}`).toBe(0);
    }
    for (const i of result.idle) expect(i.held, i.system).toBe(i.connectionsTarget);
    if (chatchatAvailable()) expect(result.measurements.some((m) => m.scenario === 'persist' && m.ackedPerSec > 0)).toBe(true);
  }, 180_000);
});
