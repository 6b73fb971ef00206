import { type ApplicationAutoScalingClient, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import {
  type CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import * as docdb from '@aws-sdk/client-docdb';
import { DescribeServicesCommand, type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import * as rds from '@aws-sdk/client-rds';
import type { StepName, StepResult } from '../src/scheduler/steps.js';
import type { EnvControlSettings } from './env-control-settings.js';

/**
 * One step of the dev schedule per invocation, as a reconciler: each call looks at the real
 * state, does at most the next action, and says whether the step is done. Running it twice,
 * or against an environment already in the target state, changes nothing.
 */
export interface EnvControlEvent {
  readonly step: StepName;
}

export interface EnvControlDeps {
  readonly settings: EnvControlSettings;
  readonly cloudFormation: CloudFormationClient;
  /** DocumentDB and Aurora share the RDS cluster API; one of these is used, per settings. */
  readonly docdb: docdb.DocDBClient;
  readonly rds: rds.RDSClient;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly ecs: ECSClient;
  readonly autoScaling: ApplicationAutoScalingClient;
  /** Does the public name answer with a ready app? (DNS + HTTPS /readyz) */
  readonly probe: (domainName: string) => Promise<boolean>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly throttleRetries?: number;
}

/** A step that cannot succeed by waiting (the state machine retries it a bounded number of times, then alarms). */
export class StepFailed extends Error {
  override readonly name = 'StepFailed';
}

const throttlingNames = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown']);

export function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return Boolean(e && (throttlingNames.has(e.name ?? '') || e.$metadata?.httpStatusCode === 429));
}

export function createEnvControl(deps: EnvControlDeps) {
  const { settings } = deps;
  const attempts = deps.throttleRetries ?? 5;

  /** AWS throttles bursts of control-plane calls; back off and try again rather than fail the morning. */
  async function call<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        if (!isThrottling(err) || attempt >= attempts) throw err;
        await deps.sleep(Math.min(20_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
  }

  async function servicesStack(): Promise<Stack | undefined> {
    try {
      const out = await call(() => deps.cloudFormation.send(new DescribeStacksCommand({ StackName: settings.servicesStackName })));
      const stack = out.Stacks?.[0];
      return stack && stack.StackStatus !== 'DELETE_COMPLETE' ? stack : undefined;
    } catch (err) {
      if ((err as { name?: string }).name === 'ValidationError' && /does not exist/.test(String((err as Error).message))) return undefined;
      throw err;
    }
  }

  async function databaseStatus(): Promise<string> {
    const id = settings.databaseClusterIdentifier;
    const out =
      settings.databaseEngine === 'documentdb'
        ? await call(() => deps.docdb.send(new docdb.DescribeDBClustersCommand({ DBClusterIdentifier: id })))
        : await call(() => deps.rds.send(new rds.DescribeDBClustersCommand({ DBClusterIdentifier: id })));
    const status = out.DBClusters?.[0]?.Status;
    if (!status) throw new StepFailed(`database cluster ${id} not found`);
    return status;
  }

  async function setDatabase(running: boolean): Promise<void> {
    const id = settings.databaseClusterIdentifier;
    if (settings.databaseEngine === 'documentdb') {
      await call(() =>
        deps.docdb.send(
          running
            ? new docdb.StartDBClusterCommand({ DBClusterIdentifier: id })
            : new docdb.StopDBClusterCommand({ DBClusterIdentifier: id }),
        ),
      );
    } else {
      await call(() =>
        deps.rds.send(
          running ? new rds.StartDBClusterCommand({ DBClusterIdentifier: id }) : new rds.StopDBClusterCommand({ DBClusterIdentifier: id }),
        ),
      );
    }
  }

  const result = (step: StepName, done: boolean, detail: string): StepResult => ({ step, done, detail });

  const steps: Record<StepName, () => Promise<StepResult>> = {
    async deleteServices() {
      const stack = await servicesStack();
      if (!stack) return result('deleteServices', true, 'services stack absent');
      const status = stack.StackStatus ?? '';
      if (status.endsWith('_IN_PROGRESS')) return result('deleteServices', false, status);
      await call(() => deps.cloudFormation.send(new DeleteStackCommand({ StackName: settings.servicesStackName })));
      return result('deleteServices', false, `delete requested (was ${status})`);
    },

    async createServices() {
      const stack = await servicesStack();
      if (!stack) {
        await call(() =>
          deps.cloudFormation.send(
            new CreateStackCommand({
              StackName: settings.servicesStackName,
              TemplateURL: settings.servicesTemplateUrl,
              RoleARN: settings.cloudFormationRoleArn,
              Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
              OnFailure: 'ROLLBACK',
              Tags: [{ Key: 'chatchat:created-by', Value: 'scheduler' }],
            }),
          ),
        );
        return result('createServices', false, 'create requested');
      }
      const status = stack.StackStatus ?? '';
      if (status === 'CREATE_COMPLETE' || status === 'UPDATE_COMPLETE' || status === 'UPDATE_ROLLBACK_COMPLETE') {
        return result('createServices', true, status);
      }
      if (status.endsWith('_IN_PROGRESS')) return result('createServices', false, status);
      // A failed create leaves a stack that can only be deleted; clear it so the retry can create again.
      await call(() => deps.cloudFormation.send(new DeleteStackCommand({ StackName: settings.servicesStackName })));
      throw new StepFailed(`services stack is ${status}: ${stack.StackStatusReason ?? 'no reason given'}; deleting it for the retry`);
    },

    async stopDatabase() {
      if (settings.databaseAutoPauses) return result('stopDatabase', true, 'left to Aurora auto-pause');
      const status = await databaseStatus();
      if (status === 'stopped') return result('stopDatabase', true, status);
      if (status !== 'available') return result('stopDatabase', false, status);
      await setDatabase(false);
      return result('stopDatabase', false, 'stop requested');
    },

    async startDatabase() {
      const status = await databaseStatus();
      if (status === 'available') return result('startDatabase', true, status);
      if (status !== 'stopped') return result('startDatabase', false, status);
      await setDatabase(true);
      return result('startDatabase', false, 'start requested');
    },

    async targetsHealthy() {
      const out = await call(() => deps.cloudFormation.send(new DescribeStackResourcesCommand({ StackName: settings.servicesStackName })));
      const groups = (out.StackResources ?? [])
        .filter((r) => r.ResourceType === 'AWS::ElasticLoadBalancingV2::TargetGroup' && r.PhysicalResourceId)
        .map((r) => r.PhysicalResourceId!);
      if (groups.length === 0) throw new StepFailed('the services stack has no target groups');
      const unready: string[] = [];
      for (const arn of groups) {
        const health = await call(() => deps.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })));
        if (!(health.TargetHealthDescriptions ?? []).some((t) => t.TargetHealth?.State === 'healthy')) unready.push(arn);
      }
      return result(
        'targetsHealthy',
        unready.length === 0,
        unready.length ? `waiting for ${unready.join(', ')}` : `${groups.length} target groups healthy`,
      );
    },

    async dnsAnswers() {
      const ok = await deps.probe(settings.domainName);
      return result('dnsAnswers', ok, ok ? `${settings.domainName} answers /readyz` : `${settings.domainName} not answering yet`);
    },

    async scaleServicesToZero() {
      return scale(0);
    },

    async scaleServicesUp() {
      return scale(1);
    },
  };

  /** factor 0: no tasks (and autoscaling held at 0); 1: the configured minimum. */
  async function scale(factor: 0 | 1): Promise<StepResult> {
    const step: StepName = factor ? 'scaleServicesUp' : 'scaleServicesToZero';
    const names = Object.keys(settings.serviceCounts);
    const out = await call(() => deps.ecs.send(new DescribeServicesCommand({ cluster: settings.clusterName, services: names })));
    let settled = true;
    for (const name of names) {
      const { min, max } = settings.serviceCounts[name]!;
      const want = factor * min;
      const service = out.services?.find((s) => s.serviceName === name);
      if (!service) throw new StepFailed(`ECS service ${name} not found in ${settings.clusterName}`);
      if (service.desiredCount !== want) {
        // Autoscaling first, or it would put the old count back.
        await call(() =>
          deps.autoScaling.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: 'ecs',
              ScalableDimension: 'ecs:service:DesiredCount',
              ResourceId: `service/${settings.clusterName}/${name}`,
              MinCapacity: want,
              MaxCapacity: factor * max,
            }),
          ),
        );
        await call(() => deps.ecs.send(new UpdateServiceCommand({ cluster: settings.clusterName, service: name, desiredCount: want })));
        settled = false;
      } else if ((service.runningCount ?? 0) !== want) {
        settled = false;
      }
    }
    return result(step, settled, settled ? `all services at ${factor ? 'minimum' : 'zero'}` : 'scaling');
  }

  return async function handle(event: EnvControlEvent): Promise<StepResult> {
    const run = steps[event.step];
    if (!run) throw new StepFailed(`unknown step "${String(event.step)}"`);
    return run();
  };
}
