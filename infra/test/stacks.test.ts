import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainTimings, environments, stackNames } from '../src/config.js';
import { stepsFor } from '../src/scheduler/steps.js';
import { synthesiseWithCli, type Synthesised } from './synth.js';

const dev = stackNames(environments.dev);
const prod = stackNames(environments.prod);
let out: Synthesised;

beforeAll(async () => {
  out = await synthesiseWithCli();
}, 600_000);
afterAll(() => out?.close());

/** CloudFormation's Fn::Join of a state machine definition, with every token as a string, parsed. */
function stateMachineDefinition(stackName: string) {
  const machines = out.template(stackName).findResources('AWS::StepFunctions::StateMachine');
  const definition = Object.values(machines)[0]!.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  const text = definition['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text) as {
    StartAt: string;
    States: Record<
      string,
      {
        Type: string;
        Next?: string;
        Parameters?: { step?: string };
        Choices?: { Next: string; StringEquals?: string; BooleanEquals?: boolean }[];
        Default?: string;
        Retry?: { ErrorEquals: string[]; MaxAttempts: number }[];
      }
    >;
  };
}

describe('cdk synth (offline, every stack of every environment)', () => {
  it('writes every stack and no stack of prod has a scheduler', () => {
    for (const name of [...Object.values(dev), prod.cicd, prod.network, prod.data, prod.services])
      expect(out.json(name).Resources).toBeTruthy();
    expect(() => out.json(prod.scheduler)).toThrow();
  });

  it('passes cdk-nag AwsSolutions with no unsuppressed finding and no other error or warning', () => {
    expect(out.stacks).toHaveLength(9);
    expect(out.messages()).toEqual([]);
    for (const stack of out.stacks) {
      const report = out.nagReport(stack);
      expect(report.length, `${stack} was checked`).toBeGreaterThan(0);
      expect(report.filter((r) => r.compliance === 'Non-Compliant')).toEqual([]);
      // Every suppression carries its reason (written beside the resource it excuses).
      for (const r of report.filter((r) => r.compliance === 'Suppressed'))
        expect(r.reason.length, `${r.rule} on ${r.resource}`).toBeGreaterThan(20);
    }
  });

  it('has no policy of ours that allows * actions on * resources', () => {
    for (const name of [...Object.values(dev), prod.cicd, prod.network, prod.data, prod.services]) {
      const policies = out.template(name).findResources('AWS::IAM::Policy');
      for (const [id, policy] of Object.entries(policies)) {
        for (const statement of policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]) {
          const actions = [statement.Action].flat();
          const resources = [statement.Resource].flat();
          const wildAction = actions.some((a) => a === '*' || a.endsWith(':*'));
          expect(wildAction && resources.includes('*'), `${name}/${id}: ${JSON.stringify(statement)}`).toBe(false);
        }
      }
    }
  });
});

describe('network', () => {
  it('has public, private and isolated subnets in two AZs (dev) and three (prod), and no NAT in dev', () => {
    const t = out.template(dev.network);
    t.resourceCountIs('AWS::EC2::Subnet', 6);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    out.template(prod.network).resourceCountIs('AWS::EC2::Subnet', 9);
  });

  it('reaches S3, ECR, Secrets Manager, SSM and CloudWatch through VPC endpoints; in dev the hourly ones go with the services stack', () => {
    out.template(dev.network).hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.s3'])]) }),
    });
    out.template(dev.network).resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' }, 0);
    for (const t of [out.template(dev.services), out.template(prod.network)]) {
      for (const service of ['ecr.api', 'ecr.dkr', 'secretsmanager', 'ssm', 'logs', 'monitoring']) {
        t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
          VpcEndpointType: 'Interface',
          PrivateDnsEnabled: true,
          ServiceName: `com.amazonaws.ap-northeast-2.${service}`,
        });
      }
    }
  });

  it('lets the tasks be reached only from the load balancer, on the app port', () => {
    const t = out.template(dev.network);
    const groups = t.findResources('AWS::EC2::SecurityGroup');
    const task = Object.entries(groups).find(([, g]) => String(g.Properties.GroupDescription).startsWith('ECS tasks'))!;
    expect(task[1].Properties.SecurityGroupIngress ?? []).toEqual([]);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [task[0], 'GroupId'] },
      FromPort: 8080,
      ToPort: 8080,
      SourceSecurityGroupId: Match.anyValue(),
    });
  });

  it('validates the certificate by DNS and keeps the alarm topic TLS-only', () => {
    const t = out.template(dev.network);
    t.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'dev.chat.example.com', ValidationMethod: 'DNS' });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('data', () => {
  it('DocumentDB: encrypted, in isolated subnets, rotated; deletion protection and three instances in prod only', () => {
    const t = out.template(dev.data);
    t.hasResourceProperties('AWS::DocDB::DBCluster', { StorageEncrypted: true, DeletionProtection: false });
    t.resourceCountIs('AWS::DocDB::DBInstance', 1);
    t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    const p = out.template(prod.data);
    p.hasResourceProperties('AWS::DocDB::DBCluster', { StorageEncrypted: true, DeletionProtection: true });
    p.resourceCountIs('AWS::DocDB::DBInstance', 3);
    p.hasResource('AWS::DocDB::DBCluster', { DeletionPolicy: 'Retain' });
  });

  it('Redis: TLS, at-rest encryption and AUTH from Secrets Manager; multi-AZ in prod', () => {
    out.template(dev.data).hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      AuthToken: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('resolve:secretsmanager')])]) }),
      MultiAZEnabled: false,
    });
    out.template(prod.data).hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
      ReplicasPerNodeGroup: 1,
    });
  });

  it('attachments bucket: private, encrypted, versioned, TLS-only, orphaned uploads expire, CORS for presigned uploads', () => {
    const t = out.template(dev.data);
    t.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
          Match.objectLike({ Prefix: 'pending/', ExpirationInDays: 1, Status: 'Enabled' }),
        ]),
      },
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({ AllowedMethods: Match.arrayWith(['PUT', 'POST']), AllowedOrigins: ['https://dev.chat.example.com'] }),
        ],
      },
    });
  });
});

describe('services', () => {
  const timings = drainTimings(environments.dev);

  it('routes /ws* to the gateways and everything else (/api/*, the web app) to the api over HTTPS; HTTP redirects', () => {
    const t = out.template(dev.services);
    const groups = t.findResources('AWS::ElasticLoadBalancingV2::TargetGroup');
    const gateway = Object.keys(groups).find((id) => id.startsWith('gateway'))!;
    const api = Object.keys(groups).find((id) => id.startsWith('api'))!;
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/ws', '/ws/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: gateway } }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: Match.anyValue(),
      DefaultActions: [Match.objectLike({ Type: 'forward', TargetGroupArn: { Ref: api } })],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [
        Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', StatusCode: 'HTTP_301' }) }),
      ],
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'dev.chat.example.com.', Type: 'A', AliasTarget: Match.anyValue() });
  });

  it('health-checks /readyz, drains for longer than the app does, and idles longer than the WebSocket heartbeat', () => {
    const t = out.template(dev.services);
    expect(timings.albIdleTimeoutSec * 1000).toBeGreaterThan(environments.dev.app.heartbeatMs * 2);
    expect(timings.stopTimeoutSec * 1000).toBeGreaterThan(environments.dev.app.drainTimeoutMs + 5000);
    t.resourcePropertiesCountIs(
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      {
        HealthCheckPath: '/readyz',
        TargetType: 'ip',
        TargetGroupAttributes: Match.arrayWith([
          { Key: 'deregistration_delay.timeout_seconds', Value: String(timings.deregistrationDelaySec) },
        ]),
      },
      2,
    );
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'idle_timeout.timeout_seconds', Value: String(timings.albIdleTimeoutSec) },
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      ]),
    });
  });

  it('runs api, gateway and worker from one image, with circuit breaker rollback and explicit healthy percents', () => {
    const t = out.template(dev.services);
    for (const role of ['api', 'gateway', 'worker']) {
      t.hasResourceProperties('AWS::ECS::Service', {
        ServiceName: `chatchat-dev-${role}`,
        LaunchType: 'FARGATE',
        DeploymentConfiguration: {
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
          MinimumHealthyPercent: 100,
          MaximumPercent: 200,
        },
        NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      });
    }
    const tasks = Object.values(t.findResources('AWS::ECS::TaskDefinition'));
    expect(tasks).toHaveLength(3);
    const images = new Set(
      tasks.map((task) =>
        JSON.stringify((task.Properties.ContainerDefinitions as { Name: string; Image: unknown }[]).find((c) => c.Name === 'app')!.Image),
      ),
    );
    expect(images.size).toBe(1);
  });

  it('gives each container its stop timeout, non-root user, settings from Parameter Store and secrets from Secrets Manager, logs with retention', () => {
    const t = out.template(dev.services);
    const task = Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0]!;
    const app = (task.Properties.ContainerDefinitions as Record<string, unknown>[]).find((c) => c.Name === 'app') as {
      StopTimeout: number;
      User: string;
      ReadonlyRootFilesystem: boolean;
      Secrets: { Name: string; ValueFrom: unknown }[];
      Environment: { Name: string; Value: unknown }[];
      LogConfiguration: { LogDriver: string };
    };
    expect(app.StopTimeout).toBe(timings.stopTimeoutSec);
    expect(app.User).toBe('10001:10001');
    expect(app.ReadonlyRootFilesystem).toBe(true);
    const secrets = Object.fromEntries(app.Secrets.map((s) => [s.Name, JSON.stringify(s.ValueFrom)]));
    for (const name of ['JWT_SECRET', 'DB_USERNAME', 'DB_PASSWORD', 'REDIS_AUTH']) {
      expect(secrets[name]).toContain('ChatChat-dev-data');
      expect(secrets[name]).not.toContain(':parameter/');
    }
    const grants = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[],
    );
    expect(grants.some((g) => [g.Action].flat().includes('secretsmanager:GetSecretValue'))).toBe(true);
    for (const name of ['LOG_LEVEL', 'HEARTBEAT_MS', 'DRAIN_TIMEOUT_MS']) {
      expect(secrets[name]).toContain(':ssm:ap-northeast-2:111111111111:parameter');
      expect(secrets[name]).toContain(`"Param${name.replaceAll('_', '')}`);
    }
    expect(app.Environment.map((e) => e.Name)).not.toContain('JWT_SECRET');
    expect(app.LogConfiguration.LogDriver).toBe('awslogs');
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/chatchat/dev/gateway', RetentionInDays: 7 });
    t.hasResourceProperties('AWS::SSM::Parameter', { Name: '/chatchat/dev/DRAIN_TIMEOUT_MS', Value: '10000' });
  });

  it('scales each service on its own signal: api on CPU and requests, gateways on connections, worker on queue depth', () => {
    const t = out.template(dev.services);
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 3);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 3,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
      }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        CustomizedMetricSpecification: Match.objectLike({ MetricName: 'chatchat_ws_connections', Namespace: 'ChatChat' }),
        TargetValue: 2000,
      }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { PolicyType: 'StepScaling' });
  });

  it('alarms on 5xx, unhealthy targets, CPU, memory, database, Redis, event-loop lag and bus errors, all to the SNS topic', () => {
    // Step scaling's own alarms act on scaling policies; the rest are ours and must page someone.
    const alarms = Object.values(out.template(dev.services).findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => !JSON.stringify(a.Properties.AlarmActions).includes('Policy'),
    );
    const metricNames = alarms.map((a) => a.Properties.MetricName ?? JSON.stringify(a.Properties.Metrics));
    for (const name of [
      'HTTPCode_ELB_5XX_Count',
      'HTTPCode_Target_5XX_Count',
      'UnHealthyHostCount',
      'CPUUtilization',
      'MemoryUtilization',
      'EngineCPUUtilization',
      'nodejs_eventloop_lag_p99_seconds',
      'chatchat_bus_publish_errors_total',
    ]) {
      expect(
        metricNames.some((m) => m.includes(name)),
        name,
      ).toBe(true);
    }
    for (const alarm of alarms) expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('Fn::ImportValue');
    out.template(dev.services).resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('scheduler (dev only)', () => {
  it('starts and stops on weekdays in Asia/Seoul at the configured hours', () => {
    const t = out.template(dev.scheduler);
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 9 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Asia/Seoul',
      Target: Match.objectLike({ Input: '{"command":"start"}' }),
    });
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 19 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Asia/Seoul',
      Target: Match.objectLike({ Input: '{"command":"stop"}' }),
    });
  });

  it('state machine: each branch runs the steps in order, polls until done, retries throttling, and never touches the data stack', () => {
    const definition = stateMachineDefinition(dev.scheduler);
    expect(definition.StartAt).toBe('Command');
    const walk = (start: string) => {
      const order: string[] = [];
      let at: string | undefined = start;
      while (at) {
        const state: (typeof definition.States)[string] = definition.States[at]!;
        if (state.Type === 'Task') {
          order.push(state.Parameters!.step!);
          expect(state.Retry!.some((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException') && r.MaxAttempts > 1)).toBe(true);
          expect(state.Retry!.some((r) => r.ErrorEquals.includes('ThrottlingException'))).toBe(true);
          at = state.Next;
        } else if (state.Type === 'Choice') {
          const done = state.Choices!.find((c) => c.BooleanEquals === true)!;
          const wait = definition.States[state.Default!]!;
          expect(wait.Type).toBe('Wait');
          at = done.Next;
        } else at = undefined;
      }
      return order;
    };
    const command = definition.States.Command!;
    const branch = (name: string) => command.Choices!.find((c) => c.StringEquals === name)!.Next;
    expect(walk(branch('start'))).toEqual(stepsFor('start', 'delete'));
    expect(walk(branch('stop'))).toEqual(stepsFor('stop', 'delete'));
    expect(JSON.stringify(definition)).not.toContain('-data');
  });

  it('can recreate the services stack from its template alone (no other assets, under the 1 MB TemplateURL limit)', () => {
    const assets = JSON.parse(readFileSync(path.join(out.dir, `${dev.services}.assets.json`), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
      dockerImages?: object;
    };
    expect(Object.values(assets.files).map((f) => f.source.path)).toEqual([`${dev.services}.template.json`]);
    expect(Object.keys(assets.dockerImages ?? {})).toEqual([]);
    expect(JSON.stringify(out.json(dev.services)).length).toBeLessThan(1_000_000);
  });

  it('lets the schedule Lambda delete only the services stack, and alarms when an execution fails', () => {
    const t = out.template(dev.scheduler);
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const deletes = policies.filter((s) => [s.Action].flat().includes('cloudformation:DeleteStack'));
    expect(deletes).toHaveLength(1);
    expect(JSON.stringify(deletes[0]!.Resource)).toContain(':stack/ChatChat-dev-services/*');
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'failed + timedOut' })]),
      AlarmActions: Match.anyValue(),
    });
  });
});

describe('cicd', () => {
  it('ECR scans on push, keeps tags immutable and expires old images', () => {
    out.template(dev.cicd).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'chatchat-dev',
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
      LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('imageCountMoreThan') },
    });
  });

  it('the GitHub deploy role trusts only this repository in this environment, through OIDC', () => {
    out.template(dev.cicd).hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'chatchat-dev-github-deploy',
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub': 'repo:example/chatchat:environment:dev',
              },
            },
          }),
        ],
      },
    });
    out.template(dev.cicd).resourceCountIs('AWS::IAM::OIDCProvider', 1);
  });
});
