import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatChatApp } from '../src/chatchat-app.js';
import { environments, stackNames, type EnvironmentConfig } from '../src/config.js';
import { readAssembly, type Synthesised } from './synth.js';

/** The alternative engine, chosen by the one setting: dev on Aurora PostgreSQL Serverless v2 (synthesised once for this file). */
const aurora: EnvironmentConfig = { ...environments.dev, database: { ...environments.dev.database, engine: 'aurora-postgresql' } };
const outdir = mkdtempSync(path.join(tmpdir(), 'chatchat-cdk-aurora-'));
const names = stackNames(aurora);
let out: Synthesised;

beforeAll(() => {
  createChatChatApp({ environments: [aurora], outdir }).app.synth();
  out = readAssembly(outdir);
}, 300_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('data stack with database engine aurora-postgresql', () => {
  it('is Aurora PostgreSQL Serverless v2: encrypted, TLS forced, isolated, rotated; no DocumentDB', () => {
    const t = out.template(names.data);
    t.resourceCountIs('AWS::DocDB::DBCluster', 0);
    t.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 },
      DeletionProtection: false,
    });
    t.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
    t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
  });

  it('wires DATABASE_URL as postgres:// with full TLS verification', () => {
    const task = Object.values(out.template(names.services).findResources('AWS::ECS::TaskDefinition'))[0]!;
    const app = (task.Properties.ContainerDefinitions as { Name: string; Command: string[] }[]).find((c) => c.Name === 'app')!;
    expect(app.Command[0]).toMatch(
      /DATABASE_URL="postgres:\/\/\$DB_USERNAME:\$DB_PASSWORD@\$DB_HOST:\$DB_PORT\/chatchat\?sslmode=verify-full"/,
    );
  });

  it('leaves stopping to Aurora auto-pause in the schedule', () => {
    out.template(names.scheduler).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DATABASE_ENGINE: 'aurora-postgresql', DATABASE_AUTO_PAUSES: 'true' }) },
    });
  });

  it('passes cdk-nag AwsSolutions with no other error or warning', () => {
    expect(out.stacks).toHaveLength(5);
    expect(out.messages()).toEqual([]);
    for (const stack of out.stacks) expect(out.nagReport(stack).filter((r) => r.compliance === 'Non-Compliant')).toEqual([]);
  });
});
