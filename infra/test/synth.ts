import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';

const infraDir = fileURLToPath(new URL('..', import.meta.url));

export interface Synthesised {
  readonly dir: string;
  readonly stdout: string;
  template(stackName: string): Template;
  json(stackName: string): { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
  readonly stacks: string[];
  /** error and warning annotations (cdk-nag findings among them) of every stack */
  messages(): { stack: string; level: string; text: string }[];
  /** cdk-nag's AwsSolutions report for one stack: every rule checked on every resource */
  nagReport(stack: string): { rule: string; resource: string; compliance: string; reason: string }[];
  close(): void;
}

/** `cdk synth` exactly as `npm run synth` runs it (offline, no telemetry), into a temp dir, once per test file. */
export async function synthesiseWithCli(): Promise<Synthesised> {
  const dir = mkdtempSync(path.join(tmpdir(), 'chatchat-cdk-'));
  const cdk = path.join(infraDir, 'node_modules/.bin/cdk');
  const bin = [cdk, path.join(infraDir, '../node_modules/.bin/cdk')].find((p) => {
    try {
      readFileSync(p);
      return true;
    } catch {
      return false;
    }
  });
  const { stdout } = await promisify(execFile)(bin!, ['synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', dir], {
    cwd: infraDir,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return readAssembly(dir, stdout);
}

/** A synthesised cloud assembly on disk, read back (templates, annotations, cdk-nag reports). */
export function readAssembly(dir: string, stdout = ''): Synthesised {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; metadata?: Record<string, { type: string; data: unknown }[]> }>;
  };
  const stacks = Object.entries(manifest.artifacts)
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([name]) => name);
  const json = (stackName: string) => JSON.parse(readFileSync(path.join(dir, `${stackName}.template.json`), 'utf8'));
  return {
    dir,
    stdout,
    json,
    template: (stackName) => Template.fromJSON(json(stackName)),
    stacks,
    messages: () =>
      stacks.flatMap((stack) => {
        // Newer CDK writes each stack's metadata beside its template rather than into the manifest.
        const file = path.join(dir, `${stack}.metadata.json`);
        const metadata: Record<string, { type: string; data: unknown }[]> = existsSync(file)
          ? JSON.parse(readFileSync(file, 'utf8'))
          : (manifest.artifacts[stack]!.metadata ?? {});
        return Object.values(metadata)
          .flat()
          .filter((m) => m.type === 'aws:cdk:error' || m.type === 'aws:cdk:warning')
          .map((m) => ({ stack, level: m.type, text: String(m.data) }));
      }),
    nagReport: (stack) =>
      // cdk-nag names the report `AwsSolutions-<stack>` or, in newer releases, `AwsSolutions--<stack>`.
      readFileSync(
        [`AwsSolutions-${stack}-NagReport.csv`, `AwsSolutions--${stack}-NagReport.csv`]
          .map((name) => path.join(dir, name))
          .find((file) => existsSync(file)) ?? path.join(dir, `AwsSolutions-${stack}-NagReport.csv`),
        'utf8',
      )
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => {
          const [rule, resource, compliance, reason] = [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replaceAll('""', '"'));
          return { rule: rule!, resource: resource!, compliance: compliance!, reason: reason! };
        }),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
