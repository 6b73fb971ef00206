import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SuiteResult } from '../src/report/results.js';
import { chatchatAvailable } from '../src/systems/chatchat.js';
import { useToolRun } from './run-tool.js';

// The harness still works end to end: real servers, real sockets, a report on disk. No timing assertions.
describe('bench smoke', () => {
  const tool = useToolRun('bench-smoke-test-');
  const { out } = tool;

  it('drives every available system and writes JSON, Markdown and SVG', async () => {
    const systems = chatchatAvailable() ? 'ws-relay,chatchat' : 'ws-relay';
    const { code, output } = await tool.run('bench/src/cli.ts', ['smoke', '--systems', systems]);
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
