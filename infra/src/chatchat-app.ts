import { App, Aspects, Tags } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagSuppressions } from './nag.js';
import { environments, stackNames, type EnvironmentConfig } from './config.js';
import { CicdStack } from './stacks/cicd-stack.js';
import { DataStack } from './stacks/data-stack.js';
import { NetworkStack } from './stacks/network-stack.js';
import { SchedulerStack } from './stacks/scheduler-stack.js';
import { ServicesStack } from './stacks/services-stack.js';

export interface ChatChatAppOptions {
  readonly environments?: readonly EnvironmentConfig[];
  /** The image tag the services run (deploy.yml: the commit SHA). */
  readonly imageTag?: string;
  readonly outdir?: string;
}

export interface EnvironmentStacks {
  readonly cicd: CicdStack;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly services: ServicesStack;
  readonly scheduler: SchedulerStack | undefined;
}

/** Every stack of every environment, with cdk-nag's AwsSolutions pack applied to all of them. */
export function createChatChatApp(options: ChatChatAppOptions = {}) {
  const configs = options.environments ?? Object.values(environments);
  // The AZs are named in config, so synth never asks AWS for them (it runs offline).
  const zones = Object.fromEntries(
    configs.map((c) => [`availability-zones:account=${c.account}:region=${c.region}`, [...c.availabilityZones]]),
  );
  const app = new App({
    outdir: options.outdir,
    context: { ...zones, 'aws:cdk:enable-path-metadata': false, '@aws-cdk/core:defaultCrossStackReferences': 'strong' },
  });
  const imageTag = options.imageTag ?? (app.node.tryGetContext('imageTag') as string | undefined) ?? 'latest';
  const stacks: Record<string, EnvironmentStacks> = {};
  const accountsWithOidc = new Set<string>();

  for (const config of configs) {
    const names = stackNames(config);
    const env = { account: config.account, region: config.region };
    const cicd = new CicdStack(app, names.cicd, { env, config, createOidcProvider: !accountsWithOidc.has(config.account) });
    accountsWithOidc.add(config.account);
    const network = new NetworkStack(app, names.network, { env, config });
    const data = new DataStack(app, names.data, { env, config, network, terminationProtection: config.deletionProtection });
    const services = new ServicesStack(app, names.services, { env, config, network, data, repository: cicd.repository, imageTag });
    const scheduler = config.schedule
      ? new SchedulerStack(app, names.scheduler, { env, config: { ...config, schedule: config.schedule }, network, data })
      : undefined;
    for (const stack of [cicd, network, data, services, scheduler]) {
      if (!stack) continue;
      Tags.of(stack).add('app', 'chatchat');
      Tags.of(stack).add('environment', config.name);
      // Applies to CDK's own helper Lambdas (custom resources), which we do not write.
      NagSuppressions.addStackSuppressions(stack, [
        {
          id: 'AwsSolutions-IAM4',
          reason: 'CDK-provided helper functions use AWSLambdaBasicExecutionRole; our own roles use inline, scoped policies.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        },
      ]);
      const logRetention = stack.node.tryFindChild('LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a');
      if (logRetention) {
        NagSuppressions.addResourceSuppressions(
          logRetention,
          [
            {
              id: 'AwsSolutions-IAM5',
              reason:
                "CDK's log-retention helper sets retention on log groups the database engine creates on its own, whose names are known only at runtime.",
            },
          ],
          true,
        );
      }
    }
    stacks[config.name] = { cicd, network, data, services, scheduler };
  }
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stacks };
}
