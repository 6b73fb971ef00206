import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { repoRoot } from '../src/children.js';

/**
 * A bench tool run end to end as a user runs it (`node --import tsx <script> …`) into a temp
 * output dir; after the file's tests the child is stopped and the dir removed.
 */
export function useToolRun(prefix: string) {
  const out = mkdtempSync(path.join(os.tmpdir(), prefix));
  let child: ChildProcess | null = null;
  afterAll(() => {
    child?.kill('SIGTERM');
    rmSync(out, { recursive: true, force: true });
  });
  return {
    out,
    /** Resolves with the exit code and everything it printed, once it exits. */
    run(script: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
      let output = '';
      return new Promise((resolve) => {
        child = spawn(process.execPath, ['--import', 'tsx', script, ...args, '--out', out], {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
        child.once('exit', (code) => resolve({ code, output }));
      });
    },
  };
}
