import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

/** podman as this machine needs it: runc (crun fails on this cgroup setup) and the allowed ulimits. */
export const podmanGlobal = ['--runtime', 'runc'];
export const podmanLimits = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768'];

export async function podman(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const { stdout } = await promisify(execFile)('podman', [...podmanGlobal, ...args], {
    maxBuffer: 256 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
  });
  return stdout.trim();
}

/** Why podman cannot run containers here, or undefined when it can. */
export function podmanUnavailable(): string | undefined {
  try {
    execFileSync('podman', [...podmanGlobal, 'info', '--format', '{{.Host.OCIRuntime.Name}}'], { stdio: 'pipe', timeout: 60_000 });
    return undefined;
  } catch (err) {
    return `podman is not usable on this machine: ${(err as Error).message.split('\n')[0]}`;
  }
}
