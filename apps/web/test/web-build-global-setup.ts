import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds the web app once per test run when it is stale, before any e2e file serves it. */
export default function setup(): void {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  execFileSync('bash', ['scripts/ensure-web-build.sh'], { cwd: root, stdio: 'inherit' });
}
