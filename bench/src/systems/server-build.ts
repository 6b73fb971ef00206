import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../children.js';

/** The server's TypeScript entry, run through tsx with BENCH_SERVER=source. */
export const chatchatSource = 'packages/server/src/cli.ts';

let built: string | undefined;

/** What `chatchatEntry` runs, for the report. */
export function chatchatServerKind(): 'bundle' | 'source' {
  return process.env.BENCH_SERVER === 'source' ? 'source' : 'bundle';
}

/**
 * The server the benchmarks measure: the bundle the container image runs
 * (`scripts/build-server.mjs`: workspace sources compiled in, dependencies external), built
 * once per bench process. Under tsx the same code costs the server a few per cent: tsx's
 * transform keeps function names, so every closure it creates pays a defineProperty too.
 * BENCH_SERVER=source runs the sources instead, for profiles that name source lines.
 *
 * The bundle lives under the repository's dist/ (not the system's temp dir) so that its
 * external imports resolve from the repository's node_modules; each bench process builds its
 * own copy, so two running at once never read a half-written file.
 */
export function chatchatEntry(): string {
  if (chatchatServerKind() === 'source') return chatchatSource;
  if (built) return built;
  mkdirSync(path.join(repoRoot, 'dist'), { recursive: true });
  const dir = mkdtempSync(path.join(repoRoot, 'dist', 'bench-server-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const outfile = path.join(dir, 'cli.js');
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-server.mjs'), outfile], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`building the server failed:\n${result.stderr}${result.stdout}`);
  built = outfile;
  return built;
}
