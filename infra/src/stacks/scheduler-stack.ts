import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { NagSuppressions } from '../nag.js';
import type { Construct } from 'constructs';
import { stackNames, type EnvironmentConfig, type ScheduleConfig } from '../config.js';
import { stepsFor, type Command, type StepName } from '../scheduler/steps.js';
import { lambdaCode } from '../lambda-code.js';
import { scheduleBucketName } from './cicd-stack.js';
import type { DataStack } from './data-stack.js';
import type { NetworkStack } from './network-stack.js';
import { serviceNames } from './services-stack.js';

export interface SchedulerStackProps extends StackProps {
  readonly config: EnvironmentConfig & { readonly schedule: ScheduleConfig };
  readonly network: NetworkStack;
  readonly data: DataStack;
}

/** Seconds between two looks at a step that is not done yet (a stack create takes minutes). */
export const pollSeconds = 30;

/**
 * Dev in working hours only. EventBridge Scheduler starts one state machine with
 * {"command":"start"|"stop"}; people start it by hand with the same input.
 * It never references the services stack by CloudFormation (it deletes that stack), only by name.
 */
export class SchedulerStack extends Stack {
  readonly stateMachine: sfn.StateMachine;
  readonly templateBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SchedulerStackProps) {
    super(scope, id, props);
    const { config, data, network } = props;
    const names = stackNames(config);
    const ecsNames = serviceNames(config);
    const schedule = config.schedule;

    this.templateBucket = new s3.Bucket(this, 'Templates', {
      bucketName: scheduleBucketName(config, this.account, this.region),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: data.accessLogs,
      serverAccessLogsPrefix: 'schedule-templates/',
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const templateKey = `services/${names.services}.template.json`;
    const cfnExecRoleArn = `arn:aws:iam::${this.account}:role/cdk-hnb659fds-cfn-exec-role-${this.account}-${this.region}`;

    const logGroup = new logs.LogGroup(this, 'ControlLogs', { retention: config.logRetentionDays });
    const role = new iam.Role(this, 'ControlRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const stackArn = `arn:aws:cloudformation:${this.region}:${this.account}:stack/${names.services}/*`;
    const dbArn = `arn:aws:rds:${this.region}:${this.account}:cluster:${data.database.clusterIdentifier}`;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'cloudformation:DescribeStacks',
          'cloudformation:DescribeStackResources',
          'cloudformation:CreateStack',
          'cloudformation:DeleteStack',
        ],
        resources: [stackArn],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [cfnExecRoleArn] }));
    this.templateBucket.grantRead(role, templateKey);
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['rds:DescribeDBClusters', 'rds:StartDBCluster', 'rds:StopDBCluster'], resources: [dbArn] }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [`arn:aws:ecs:${this.region}:${this.account}:service/${ecsNames.cluster}/*`],
      }),
    );
    // These APIs have no resource-level permissions (AWS service authorization reference).
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['elasticloadbalancing:DescribeTargetHealth', 'application-autoscaling:RegisterScalableTarget'],
        resources: ['*'],
      }),
    );

    const control = new lambda.Function(this, 'Control', {
      description: 'ChatChat dev schedule: one step per call (start/stop database, create/delete services, health)',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambdaCode('index.ts'),
      memorySize: 256,
      timeout: Duration.seconds(60),
      role,
      logGroup,
      environment: {
        SERVICES_STACK_NAME: names.services,
        SERVICES_TEMPLATE_URL: `https://${this.templateBucket.bucketRegionalDomainName}/${templateKey}`,
        CLOUDFORMATION_ROLE_ARN: cfnExecRoleArn,
        DATABASE_ENGINE: data.database.engine,
        DATABASE_CLUSTER_IDENTIFIER: data.database.clusterIdentifier,
        DATABASE_AUTO_PAUSES: String(data.database.engine === 'aurora-postgresql' && config.database.auroraMinAcu === 0),
        ECS_CLUSTER_NAME: ecsNames.cluster,
        SERVICE_COUNTS: JSON.stringify({
          [ecsNames.api]: { min: config.services.api.minTasks, max: config.services.api.maxTasks },
          [ecsNames.gateway]: { min: config.services.gateway.minTasks, max: config.services.gateway.maxTasks },
          [ecsNames.worker]: { min: config.services.worker.minTasks, max: config.services.worker.maxTasks },
        }),
        DOMAIN_NAME: config.domainName,
      },
    });
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Wildcards only where AWS defines no narrower resource: the services stack ARN ends in its generated id, ECS services of one named cluster, log streams of one log group, DescribeTargetHealth and RegisterScalableTarget have no resource-level permissions.',
        },
      ],
      true,
    );

    this.stateMachine = new sfn.StateMachine(this, 'Schedule', {
      stateMachineName: `chatchat-${config.name}-schedule`,
      definitionBody: sfn.DefinitionBody.fromChainable(scheduleDefinition(this, control, schedule.mode)),
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'ScheduleLogs', { retention: config.logRetentionDays }),
        level: sfn.LogLevel.ALL,
      },
    });
    NagSuppressions.addResourceSuppressions(
      this.stateMachine,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'CDK grants lambda:InvokeFunction on the one function and its versions (function:*), and X-Ray/log delivery, which have no resource scope.',
        },
      ],
      true,
    );

    const failed = new cloudwatch.Metric({
      namespace: 'AWS/States',
      metricName: 'ExecutionsFailed',
      dimensionsMap: { StateMachineArn: this.stateMachine.stateMachineArn },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    const timedOut = new cloudwatch.Metric({
      ...failed,
      metricName: 'ExecutionsTimedOut',
      namespace: 'AWS/States',
      dimensionsMap: { StateMachineArn: this.stateMachine.stateMachineArn },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    new cloudwatch.MathExpression({ expression: 'failed + timedOut', usingMetrics: { failed, timedOut }, period: Duration.minutes(5) })
      .createAlarm(this, 'ScheduleFailed', {
        alarmDescription: `the ${config.name} start/stop schedule failed; see the execution history of chatchat-${config.name}-schedule`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
      .addAlarmAction(new actions.SnsAction(network.alarmTopic));

    const invoker = new iam.Role(this, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    this.stateMachine.grantStartExecution(invoker);
    for (const [command, hour] of [
      ['start', schedule.startHour],
      ['stop', schedule.stopHour],
    ] as const) {
      new scheduler.CfnSchedule(this, `${command}Schedule`, {
        name: `chatchat-${config.name}-${command}`,
        description: `${command} ChatChat ${config.name} at ${hour}:00 ${schedule.timeZone} on ${schedule.days}`,
        scheduleExpression: cronAt(hour, schedule.days),
        scheduleExpressionTimezone: schedule.timeZone,
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: this.stateMachine.stateMachineArn,
          roleArn: invoker.roleArn,
          input: JSON.stringify({ command }),
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        },
      });
    }
  }
}

export function cronAt(hour: number, days: string): string {
  return `cron(0 ${hour} ? * ${days} *)`;
}

/**
 * start/stop → the steps of stepsFor, each: invoke (retrying throttling and transient Lambda
 * errors) → done? next : wait pollSeconds and invoke again.
 */
function scheduleDefinition(scope: Construct, control: lambda.IFunction, mode: 'delete' | 'scale-to-zero'): sfn.IChainable {
  const branch = (command: Command) => {
    const steps = stepsFor(command, mode);
    const finished = new sfn.Succeed(scope, `${command}Done`);
    let next: sfn.IChainable = finished;
    for (const step of [...steps].reverse()) next = stepLoop(scope, control, command, step, next);
    return next;
  };
  const failed = new sfn.Fail(scope, 'UnknownCommand', {
    error: 'UnknownCommand',
    cause: 'input must be {"command":"start"} or {"command":"stop"}',
  });
  return new sfn.Choice(scope, 'Command')
    .when(sfn.Condition.stringEquals('$.command', 'start'), branch('start'))
    .when(sfn.Condition.stringEquals('$.command', 'stop'), branch('stop'))
    .otherwise(failed);
}

function stepLoop(scope: Construct, control: lambda.IFunction, command: Command, step: StepName, next: sfn.IChainable): sfn.IChainable {
  const id = `${command}-${step}`;
  const invoke = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: control,
    payload: sfn.TaskInput.fromObject({ step }),
    payloadResponseOnly: true,
    resultPath: `$.steps.${step}`,
    retryOnServiceExceptions: false,
  });
  invoke.addRetry({
    errors: [
      'Lambda.TooManyRequestsException',
      'Lambda.ServiceException',
      'Lambda.SdkClientException',
      'Lambda.AWSLambdaException',
      'ThrottlingException',
    ],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    jitterStrategy: sfn.JitterType.FULL,
  });
  invoke.addRetry({ errors: ['StepFailed'], interval: Duration.seconds(60), backoffRate: 2, maxAttempts: 2 });
  const wait = new sfn.Wait(scope, `${id}-wait`, { time: sfn.WaitTime.duration(Duration.seconds(pollSeconds)) });
  const done = new sfn.Choice(scope, `${id}-done?`)
    .when(sfn.Condition.booleanEquals(`$.steps.${step}.done`, true), next)
    .otherwise(wait.next(invoke));
  return invoke.next(done);
}
