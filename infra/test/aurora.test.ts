import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatChatApp, type EnvironmentStacks } from '../src/chatchat-app.js';
import { environments, type EnvironmentConfig } from '../src/config.js';

/** The alternative engine, chosen by the one setting: dev on Aurora PostgreSQL Serverless v2 (synthesised once for this file). */
const aurora: EnvironmentConfig = { ...environments.dev, database: { ...environments.dev.database, engine: 'aurora-postgresql' } };
const outdir = mkdtempSync(path.join(tmpdir(), 'chatchat-cdk-aurora-'));
let stacks: EnvironmentStacks;

beforeAll(() => {
  const built = createChatChatApp({ environments: [aurora], outdir });
  built.app.synth();
  stacks = built.stacks.dev!;
}, 300_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('data stack with database engine aurora-postgresql', () => {
  it('is Aurora PostgreSQL Serverless v2: encrypted, TLS forced, isolated, rotated; no DocumentDB', () => {
    const t = Template.fromStack(stacks.data);
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
    const task = Object.values(Template.fromStack(stacks.services).findResources('AWS::ECS::TaskDefinition'))[0]!;
    const app = (task.Properties.ContainerDefinitions as { Name: string; Command: string[] }[]).find((c) => c.Name === 'app')!;
    expect(app.Command[0]).toMatch(/DATABASE_URL="postgres:\/\/\$DB_USERNAME:\$DB_PASSWORD@\$DB_HOST:\$DB_PORT\/chatchat\?sslmode=verify-full"/);
  });

  it('leaves stopping to Aurora auto-pause in the schedule', () => {
    Template.fromStack(stacks.scheduler!).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DATABASE_ENGINE: 'aurora-postgresql', DATABASE_AUTO_PAUSES: 'true' }) },
    });
  });

  it('passes cdk-nag AwsSolutions', () => {
    for (const stack of Object.values(stacks)) {
      if (!stack) continue;
      const findings = [...Annotations.fromStack(stack).findError('*', Match.anyValue()), ...Annotations.fromStack(stack).findWarning('*', Match.anyValue())];
      expect(findings.map((f) => `${f.id}: ${String(f.entry.data).slice(0, 160)}`)).toEqual([]);
    }
  });
});
