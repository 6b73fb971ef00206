import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeDBClustersCommand, DocDBClient, StartDBClusterCommand, StopDBClusterCommand } from '@aws-sdk/client-docdb';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEnvControl, StepFailed } from '../lambda/env-control.js';
import type { EnvControlSettings } from '../lambda/env-control-settings.js';
import { stepsFor, type Command, type ScheduleMode } from '../src/scheduler/steps.js';

const settings: EnvControlSettings = {
  servicesStackName: 'ChatChat-dev-services',
  servicesTemplateUrl: 'https://bucket.s3.ap-northeast-2.amazonaws.com/services/ChatChat-dev-services.template.json',
  cloudFormationRoleArn: 'arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-ap-northeast-2',
  databaseEngine: 'documentdb',
  databaseClusterIdentifier: 'chatchat-dev-db',
  databaseAutoPauses: false,
  clusterName: 'chatchat-dev',
  serviceCounts: { 'chatchat-dev-api': { min: 1, max: 2 }, 'chatchat-dev-gateway': { min: 2, max: 3 } },
  domainName: 'dev.chat.example.com',
};

const cfn = mockClient(CloudFormationClient);
const doc = mockClient(DocDBClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const ecs = mockClient(ECSClient);
const aas = mockClient(ApplicationAutoScalingClient);

/**
 * A tiny model of the account: each describe call moves an in-progress operation one step on,
 * as AWS does between two polls of the state machine.
 */
interface World {
  stack: string | undefined;
  db: string;
  healthy: boolean;
  answers: boolean;
  desired: Record<string, number>;
  calls: string[];
}
let world: World;

function throttled(): Error {
  return new CloudFormationServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });
}

beforeEach(() => {
  world = {
    stack: 'CREATE_COMPLETE',
    db: 'available',
    healthy: true,
    answers: true,
    desired: { 'chatchat-dev-api': 1, 'chatchat-dev-gateway': 2 },
    calls: [],
  };
  cfn.on(DescribeStacksCommand).callsFake(() => {
    const transitions: Record<string, string | undefined> = { DELETE_IN_PROGRESS: undefined, CREATE_IN_PROGRESS: 'CREATE_COMPLETE' };
    const current = world.stack;
    if (current && current in transitions) world.stack = transitions[current];
    if (!current) {
      throw new CloudFormationServiceException({
        name: 'ValidationError',
        $fault: 'client',
        message: `Stack with id ${settings.servicesStackName} does not exist`,
        $metadata: {},
      });
    }
    return { Stacks: [{ StackName: settings.servicesStackName, StackStatus: current, CreationTime: new Date() }] };
  });
  cfn.on(DeleteStackCommand).callsFake((input: { StackName: string }) => {
    world.calls.push(`DeleteStack ${input.StackName}`);
    world.stack = 'DELETE_IN_PROGRESS';
    return {};
  });
  cfn.on(CreateStackCommand).callsFake((input: { StackName: string }) => {
    world.calls.push(`CreateStack ${input.StackName}`);
    world.stack = 'CREATE_IN_PROGRESS';
    return { StackId: 'id' };
  });
  cfn.on(DescribeStackResourcesCommand).resolves({
    StackResources: [
      {
        ResourceType: 'AWS::ElasticLoadBalancingV2::TargetGroup',
        PhysicalResourceId: 'arn:tg/api',
        LogicalResourceId: 'a',
        ResourceStatus: 'CREATE_COMPLETE',
        Timestamp: new Date(),
      },
      {
        ResourceType: 'AWS::ElasticLoadBalancingV2::TargetGroup',
        PhysicalResourceId: 'arn:tg/gateway',
        LogicalResourceId: 'g',
        ResourceStatus: 'CREATE_COMPLETE',
        Timestamp: new Date(),
      },
      {
        ResourceType: 'AWS::ECS::Service',
        PhysicalResourceId: 'svc',
        LogicalResourceId: 's',
        ResourceStatus: 'CREATE_COMPLETE',
        Timestamp: new Date(),
      },
    ],
  });
  doc.on(DescribeDBClustersCommand).callsFake(() => {
    const current = world.db;
    const transitions: Record<string, string> = { stopping: 'stopped', starting: 'available' };
    if (current in transitions) world.db = transitions[current]!;
    return { DBClusters: [{ DBClusterIdentifier: settings.databaseClusterIdentifier, Status: current }] };
  });
  doc.on(StopDBClusterCommand).callsFake(() => {
    world.calls.push('StopDBCluster');
    world.db = 'stopping';
    return {};
  });
  doc.on(StartDBClusterCommand).callsFake(() => {
    world.calls.push('StartDBCluster');
    world.db = 'starting';
    return {};
  });
  elb.on(DescribeTargetHealthCommand).callsFake(() => ({
    TargetHealthDescriptions: [{ TargetHealth: { State: world.healthy && world.stack === 'CREATE_COMPLETE' ? 'healthy' : 'initial' } }],
  }));
  ecs.on(DescribeServicesCommand).callsFake(() => ({
    services: Object.entries(world.desired).map(([serviceName, n]) => ({ serviceName, desiredCount: n, runningCount: n })),
  }));
  ecs.on(UpdateServiceCommand).callsFake((input: { service: string; desiredCount: number }) => {
    world.calls.push(`UpdateService ${input.service}=${input.desiredCount}`);
    world.desired[input.service] = input.desiredCount;
    return {};
  });
  aas.on(RegisterScalableTargetCommand).callsFake((input: { ResourceId: string; MinCapacity: number; MaxCapacity: number }) => {
    world.calls.push(`RegisterScalableTarget ${input.ResourceId} ${input.MinCapacity}-${input.MaxCapacity}`);
    return {};
  });
});

afterEach(() => {
  for (const mock of [cfn, doc, elb, ecs, aas]) mock.reset();
});

const sleeps: number[] = [];
function control(overrides: Partial<EnvControlSettings> = {}) {
  return createEnvControl({
    settings: { ...settings, ...overrides },
    cloudFormation: new CloudFormationClient({ region: 'ap-northeast-2' }),
    docdb: new DocDBClient({ region: 'ap-northeast-2' }),
    rds: new RDSClient({ region: 'ap-northeast-2' }),
    elb: new ElasticLoadBalancingV2Client({ region: 'ap-northeast-2' }),
    ecs: new ECSClient({ region: 'ap-northeast-2' }),
    autoScaling: new ApplicationAutoScalingClient({ region: 'ap-northeast-2' }),
    probe: async () => world.answers && world.stack === 'CREATE_COMPLETE',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

/** What the state machine does: each step in order, asked again until it says done (bounded). */
async function run(command: Command, mode: ScheduleMode = 'delete', overrides: Partial<EnvControlSettings> = {}) {
  const handle = control(overrides);
  const polls: string[] = [];
  for (const step of stepsFor(command, mode)) {
    for (let poll = 0; ; poll++) {
      expect(poll, `${step} never finished`).toBeLessThan(10);
      const result = await handle({ step });
      polls.push(`${step}:${result.done}`);
      if (result.done) break;
    }
  }
  return polls;
}

describe('dev schedule Lambda (AWS SDK stubbed)', () => {
  it('evening then morning: services deleted before the database stops; database available before services are created, then health and DNS', async () => {
    await run('stop');
    expect(world.calls).toEqual(['DeleteStack ChatChat-dev-services', 'StopDBCluster']);
    expect(world.stack).toBeUndefined();
    expect(world.db).toBe('stopped');

    world.calls = [];
    world.healthy = true;
    const polls = await run('start');
    expect(world.calls).toEqual(['StartDBCluster', 'CreateStack ChatChat-dev-services']);
    expect(polls.filter((p) => p.endsWith(':true'))).toEqual([
      'startDatabase:true',
      'createServices:true',
      'targetsHealthy:true',
      'dnsAnswers:true',
    ]);
    expect(world.db).toBe('available');
  });

  it('never deletes anything but the services stack', async () => {
    await run('stop');
    await run('start');
    await run('stop');
    const deleted = cfn.commandCalls(DeleteStackCommand).map((c) => c.args[0].input.StackName);
    expect(deleted.length).toBeGreaterThan(0);
    expect(new Set(deleted)).toEqual(new Set(['ChatChat-dev-services']));
  });

  it('is idempotent: a second stop, or a start when already up, changes nothing', async () => {
    await run('stop');
    world.calls = [];
    await run('stop');
    expect(world.calls).toEqual([]);

    world.stack = 'CREATE_COMPLETE';
    world.db = 'available';
    await run('start');
    expect(world.calls).toEqual([]);
  });

  it('waits for an operation already in progress instead of starting another', async () => {
    world.stack = 'DELETE_IN_PROGRESS';
    world.db = 'stopping';
    await run('stop');
    expect(world.calls).toEqual([]);
    expect(world.db).toBe('stopped');
  });

  it('retries a throttled call with backoff and then succeeds', async () => {
    sleeps.length = 0;
    cfn
      .on(DescribeStacksCommand)
      .rejectsOnce(throttled())
      .resolves({ Stacks: [{ StackName: 'x', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
    const result = await control()({ step: 'createServices' });
    expect(result).toMatchObject({ step: 'createServices', done: true });
    expect(sleeps).toHaveLength(1);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(2);
  });

  it('does not retry an error that is not throttling', async () => {
    doc
      .on(DescribeDBClustersCommand)
      .rejects(new CloudFormationServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'no', $metadata: {} }));
    await expect(control()({ step: 'startDatabase' })).rejects.toThrow('no');
    expect(doc.commandCalls(DescribeDBClustersCommand)).toHaveLength(1);
  });

  it('a failed create clears the rolled-back stack and fails the step, so the state machine retries from scratch', async () => {
    world.stack = 'ROLLBACK_COMPLETE';
    await expect(control()({ step: 'createServices' })).rejects.toBeInstanceOf(StepFailed);
    expect(world.calls).toEqual(['DeleteStack ChatChat-dev-services']);
  });

  it('leaves Aurora with a 0 ACU minimum to pause itself', async () => {
    const result = await control({ databaseAutoPauses: true })({ step: 'stopDatabase' });
    expect(result.done).toBe(true);
    expect(world.calls).toEqual([]);
  });

  it('scale-to-zero mode holds autoscaling at 0 before setting the count, and restores the minimum in the morning', async () => {
    await run('stop', 'scale-to-zero');
    expect(world.calls).toEqual([
      'RegisterScalableTarget service/chatchat-dev/chatchat-dev-api 0-0',
      'UpdateService chatchat-dev-api=0',
      'RegisterScalableTarget service/chatchat-dev/chatchat-dev-gateway 0-0',
      'UpdateService chatchat-dev-gateway=0',
      'StopDBCluster',
    ]);
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
    world.calls = [];
    await run('start', 'scale-to-zero');
    expect(world.calls).toEqual([
      'StartDBCluster',
      'RegisterScalableTarget service/chatchat-dev/chatchat-dev-api 1-2',
      'UpdateService chatchat-dev-api=1',
      'RegisterScalableTarget service/chatchat-dev/chatchat-dev-gateway 2-3',
      'UpdateService chatchat-dev-gateway=2',
    ]);
  });
});
