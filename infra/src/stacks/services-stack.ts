import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { NagSuppressions } from '../nag.js';
import type { Construct } from 'constructs';
import { appParameters, blobStoreEnvironment, metricsPort, roleEnvironment } from '../app-environment.js';
import { drainTimings, type EnvironmentConfig, type ServiceSize } from '../config.js';
import type { DataStack } from './data-stack.js';
import { addInterfaceEndpoints, type NetworkStack } from './network-stack.js';

export type ServiceRole = 'api' | 'gateway' | 'worker';
export const containerPort = 8080;
/** Custom metrics the CloudWatch agent sidecar publishes from the app's Prometheus /metrics. */
export const metricsNamespace = 'ChatChat';

export interface ServicesStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly repository: ecr.IRepository;
  /** The image tag to run (deploy.yml passes the commit SHA). */
  readonly imageTag: string;
}

/** Names the scheduler and deploy.yml find things by (the stack is deleted and recreated nightly in dev). */
export function serviceNames(config: EnvironmentConfig) {
  const cluster = `chatchat-${config.name}`;
  return { cluster, api: `${cluster}-api`, gateway: `${cluster}-gateway`, worker: `${cluster}-worker` } as const;
}

/**
 * Everything that bills by the hour while idle and holds no data: the ECS services, the
 * load balancer and its DNS record. The scheduler may delete this stack at any time.
 */
export class ServicesStack extends Stack {
  readonly cluster: ecs.Cluster;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly services: Record<ServiceRole, ecs.FargateService>;
  readonly targetGroups: { api: elbv2.ApplicationTargetGroup; gateway: elbv2.ApplicationTargetGroup };

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    const { config, network, data } = props;
    const names = serviceNames(config);
    const timings = drainTimings(config);
    const alarmAction = new actions.SnsAction(network.alarmTopic);

    if (config.schedule) addInterfaceEndpoints(this, network.vpc, network.taskSecurityGroup);

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName: names.cluster,
      vpc: network.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    // Plain settings in Parameter Store, one parameter per variable.
    const parameters: Record<string, ecs.Secret> = {};
    for (const [name, value] of Object.entries(appParameters(config))) {
      const parameter = new ssm.StringParameter(this, `Param${name}`, {
        parameterName: `/chatchat/${config.name}/${name}`,
        stringValue: value,
      });
      parameters[name] = ecs.Secret.fromSsmParameter(parameter);
    }
    const secrets: Record<string, ecs.Secret> = {
      ...parameters,
      JWT_SECRET: ecs.Secret.fromSecretsManager(data.jwtSecret),
      DB_USERNAME: ecs.Secret.fromSecretsManager(data.database.secret, 'username'),
      DB_PASSWORD: ecs.Secret.fromSecretsManager(data.database.secret, 'password'),
      REDIS_AUTH: ecs.Secret.fromSecretsManager(data.redisAuthSecret),
    };
    const environment = {
      DB_HOST: data.database.host,
      DB_PORT: data.database.port,
      REDIS_HOST: data.redisHost,
      REDIS_PORT: data.redisPort,
      // Amazon's RDS/DocumentDB CA, put into the image by the Dockerfile's RDS_CA_BUNDLE_URL build arg.
      NODE_EXTRA_CA_CERTS: '/app/dist/rds-ca.pem',
      ...blobStoreEnvironment(data.attachments.bucketName, this.region),
    };
    const image = ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag);

    const role = (name: ServiceRole, size: ServiceSize): ecs.FargateService => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        logGroupName: `/chatchat/${config.name}/${name}`,
        retention: config.logRetentionDays,
      });
      const task = new ecs.FargateTaskDefinition(this, `${name}Task`, {
        cpu: size.cpu,
        memoryLimitMiB: size.memoryMiB,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      });
      task.addContainer('app', {
        image,
        essential: true,
        entryPoint: ['/bin/sh', '-c'],
        command: [serveCommand(data.database.engine)],
        environment: { ...environment, ...roleEnvironment(name, containerPort) },
        secrets,
        portMappings: [{ containerPort, name: 'http' }],
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name }),
        readonlyRootFilesystem: true,
        user: '10001:10001',
        stopTimeout: Duration.seconds(timings.stopTimeoutSec),
        linuxParameters: new ecs.LinuxParameters(this, `${name}Linux`, { initProcessEnabled: true }),
        healthCheck: {
          command: ['CMD', 'node', '-e', "fetch('http://127.0.0.1:8080/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"],
          interval: Duration.seconds(15),
          timeout: Duration.seconds(5),
          retries: 3,
          startPeriod: Duration.seconds(30),
        },
      });
      task.addContainer('metrics', {
        image: ecs.ContainerImage.fromRegistry('public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300049.1'),
        essential: false,
        memoryReservationMiB: 64,
        environment: {
          PROMETHEUS_CONFIG_CONTENT: prometheusScrapeConfig(name),
          CW_CONFIG_CONTENT: cloudWatchAgentConfig(config, name, logGroup.logGroupName),
        },
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: `${name}-metrics` }),
      });
      data.attachments.grantReadWrite(task.taskRole);
      task.addToTaskRolePolicy(
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': metricsNamespace } },
        }),
      );
      NagSuppressions.addResourceSuppressions(
        task,
        [
          {
            id: 'AwsSolutions-ECS2',
            reason:
              'Only non-secret wiring (hosts, ports, role) is inline; settings come from Parameter Store and secrets from Secrets Manager.',
          },
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'Objects under the one attachments bucket (bucket/*); PutMetricData has no resource type and is limited to the ChatChat namespace by condition; ecr:GetAuthorizationToken only exists on *.',
          },
        ],
        true,
      );

      const service = new ecs.FargateService(this, `${name}Service`, {
        serviceName: names[name],
        cluster: this.cluster,
        taskDefinition: task,
        desiredCount: size.minTasks,
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        circuitBreaker: { enable: true, rollback: true },
        vpcSubnets: { subnetGroupName: 'private' },
        securityGroups: [network.taskSecurityGroup],
        assignPublicIp: false,
        enableExecuteCommand: false,
        healthCheckGracePeriod: name === 'worker' ? undefined : Duration.seconds(60),
        propagateTags: ecs.PropagatedTagSource.SERVICE,
      });
      for (const [metric, threshold] of [
        [service.metricCpuUtilization(), 85],
        [service.metricMemoryUtilization(), 85],
      ] as const) {
        metric
          .createAlarm(this, `${name}${metric.metricName}Alarm`, {
            alarmDescription: `${names[name]}: ${metric.metricName} above ${threshold} %`,
            threshold,
            evaluationPeriods: 3,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          })
          .addAlarmAction(alarmAction);
      }
      return service;
    };

    this.services = {
      api: role('api', config.services.api),
      gateway: role('gateway', config.services.gateway),
      worker: role('worker', config.services.worker),
    };

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: network.vpc,
      internetFacing: true,
      vpcSubnets: { subnetGroupName: 'public' },
      securityGroup: network.albSecurityGroup,
      idleTimeout: Duration.seconds(timings.albIdleTimeoutSec),
      dropInvalidHeaderFields: true,
      http2Enabled: true,
      deletionProtection: false,
    });
    this.loadBalancer.logAccessLogs(data.accessLogs, `alb/${config.name}`);

    const targetGroup = (name: 'api' | 'gateway') =>
      new elbv2.ApplicationTargetGroup(this, `${name}Targets`, {
        vpc: network.vpc,
        port: containerPort,
        protocol: elbv2.ApplicationProtocol.HTTP,
        targetType: elbv2.TargetType.IP,
        targets: [this.services[name]],
        deregistrationDelay: Duration.seconds(timings.deregistrationDelaySec),
        healthCheck: {
          path: '/readyz',
          healthyHttpCodes: '200',
          interval: Duration.seconds(10),
          timeout: Duration.seconds(5),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 3,
        },
      });
    this.targetGroups = { api: targetGroup('api'), gateway: targetGroup('gateway') };

    this.loadBalancer.addListener('Http', {
      port: 80,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
    });
    const https = this.loadBalancer.addListener('Https', {
      port: 443,
      certificates: [network.certificate],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      // /api/* and the web app (everything that is not /ws) go to the api service.
      defaultAction: elbv2.ListenerAction.forward([this.targetGroups.api]),
    });
    https.addAction('Ws', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/ws', '/ws/*'])],
      action: elbv2.ListenerAction.forward([this.targetGroups.gateway]),
    });
    // Metrics stay inside the VPC.
    https.addAction('NoMetrics', {
      priority: 5,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/metrics', '/metrics/*'])],
      action: elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'not found' }),
    });

    new route53.ARecord(this, 'Alias', {
      zone: network.hostedZone,
      recordName: config.domainName,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer)),
    });
    new route53.AaaaRecord(this, 'AliasV6', {
      zone: network.hostedZone,
      recordName: config.domainName,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer)),
    });

    this.autoscaling(config);
    this.alarmsAndDashboard(config, data, alarmAction);
  }

  private autoscaling(config: EnvironmentConfig) {
    const scalable = (role: ServiceRole) =>
      this.services[role].autoScaleTaskCount({ minCapacity: config.services[role].minTasks, maxCapacity: config.services[role].maxTasks });

    const api = scalable('api');
    api.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    api.scaleOnRequestCount('Requests', { requestsPerTarget: 1000, targetGroup: this.targetGroups.api });

    // Gateways hold sockets, not requests: scale on connections per task (from the app's metrics).
    const gateway = scalable('gateway');
    gateway.scaleToTrackCustomMetric('Connections', {
      metric: new cloudwatch.Metric({
        namespace: metricsNamespace,
        metricName: 'chatchat_ws_connections',
        dimensionsMap: { service: serviceNames(config).gateway },
        statistic: 'Average',
        period: Duration.minutes(1),
      }),
      targetValue: config.connectionsPerGateway,
      scaleInCooldown: Duration.minutes(10),
      scaleOutCooldown: Duration.minutes(1),
    });
    gateway.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 70 });

    const worker = scalable('worker');
    worker.scaleOnMetric('QueueDepth', {
      metric: new cloudwatch.Metric({
        namespace: metricsNamespace,
        metricName: workerQueueMetric,
        dimensionsMap: { service: serviceNames(config).worker },
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      scalingSteps: [
        { upper: 10, change: -1 },
        { lower: 100, change: +1 },
        { lower: 1000, change: +3 },
      ],
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.minutes(2),
    });
  }

  private alarmsAndDashboard(config: EnvironmentConfig, data: DataStack, alarmAction: actions.SnsAction) {
    const names = serviceNames(config);
    const alarm = (
      id: string,
      metric: cloudwatch.Metric | cloudwatch.MathExpression,
      threshold: number,
      description: string,
      evaluationPeriods = 3,
    ) =>
      metric
        .createAlarm(this, id, {
          alarmDescription: description,
          threshold,
          evaluationPeriods,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(alarmAction);
    const lb = this.loadBalancer.metrics;
    alarm(
      'Alb5xx',
      lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: Duration.minutes(1), statistic: 'Sum' }),
      10,
      'load balancer 5xx',
    );
    alarm(
      'Target5xx',
      lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1), statistic: 'Sum' }),
      10,
      'app 5xx',
    );
    for (const role of ['api', 'gateway'] as const) {
      alarm(
        `${role}Unhealthy`,
        this.targetGroups[role].metrics.unhealthyHostCount({ period: Duration.minutes(1) }),
        1,
        `${names[role]}: unhealthy targets`,
        2,
      );
    }
    const appMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: metricsNamespace, metricName, statistic, period: Duration.minutes(1) });
    alarm('EventLoopLag', appMetric('nodejs_eventloop_lag_p99_seconds', 'Maximum'), 0.2, 'event-loop lag p99 above 200 ms');
    alarm(
      'BusErrors',
      new cloudwatch.MathExpression({
        expression: 'RATE(errors) * 60',
        usingMetrics: { errors: appMetric('chatchat_bus_publish_errors_total', 'Maximum') },
        period: Duration.minutes(1),
      }),
      1,
      'bus publishes failing (Redis)',
    );
    alarm('DependencyErrors', appMetric('chatchat_dependency_errors_total', 'Maximum'), 1, 'store / bus dependency errors', 2);

    const dbDimension = 'DBClusterIdentifier';
    const dbNamespace = data.database.engine === 'documentdb' ? 'AWS/DocDB' : 'AWS/RDS';
    const dbCpu = new cloudwatch.Metric({
      namespace: dbNamespace,
      metricName: 'CPUUtilization',
      dimensionsMap: { [dbDimension]: data.database.clusterIdentifier },
      period: Duration.minutes(5),
    });
    alarm('DatabaseCpu', dbCpu, 80, 'database CPU above 80 %');
    const redisCpu = new cloudwatch.Metric({
      namespace: 'AWS/ElastiCache',
      metricName: 'EngineCPUUtilization',
      dimensionsMap: { ReplicationGroupId: data.redisReplicationGroupId },
      period: Duration.minutes(5),
    });
    alarm('RedisCpu', redisCpu, 80, 'Redis engine CPU above 80 %');
    const redisMemory = new cloudwatch.Metric({
      namespace: 'AWS/ElastiCache',
      metricName: 'DatabaseMemoryUsagePercentage',
      dimensionsMap: { ReplicationGroupId: data.redisReplicationGroupId },
      period: Duration.minutes(5),
    });
    alarm('RedisMemory', redisMemory, 80, 'Redis memory above 80 %');

    new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `chatchat-${config.name}`,
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Requests and 5xx',
            left: [lb.requestCount()],
            right: [lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT)],
          }),
          new cloudwatch.GraphWidget({ title: 'WebSocket connections', left: [appMetric('chatchat_ws_connections', 'Sum')] }),
          new cloudwatch.GraphWidget({ title: 'Event-loop lag p99 (s)', left: [appMetric('nodejs_eventloop_lag_p99_seconds', 'Maximum')] }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'CPU %', left: Object.values(this.services).map((s) => s.metricCpuUtilization()) }),
          new cloudwatch.GraphWidget({ title: 'Memory %', left: Object.values(this.services).map((s) => s.metricMemoryUtilization()) }),
          new cloudwatch.GraphWidget({ title: 'Database and Redis CPU %', left: [dbCpu, redisCpu] }),
        ],
      ],
    });
  }
}

/** Placeholder until the worker publishes its queue length (attachments jobs); then name it here. */
export const workerQueueMetric = 'chatchat_jobs_queued';

/**
 * The container command: DATABASE_URL and REDIS_URL are assembled from the Secrets Manager
 * fields at start, so a rotated password reaches the next task without a new template
 * (the generated passwords contain no URL-special characters).
 */
export function serveCommand(engine: 'documentdb' | 'aurora-postgresql'): string {
  const database =
    engine === 'documentdb'
      ? 'mongodb://$DB_USERNAME:$DB_PASSWORD@$DB_HOST:$DB_PORT/chatchat?tls=true&replicaSet=rs0&readPreference=primary&retryWrites=false'
      : 'postgres://$DB_USERNAME:$DB_PASSWORD@$DB_HOST:$DB_PORT/chatchat?sslmode=verify-full';
  return `export DATABASE_URL="${database}" REDIS_URL="rediss://:$REDIS_AUTH@$REDIS_HOST:$REDIS_PORT"; exec node --enable-source-maps dist/cli.js serve`;
}

function prometheusScrapeConfig(role: ServiceRole): string {
  return [
    'global: { scrape_interval: 30s, scrape_timeout: 10s }',
    'scrape_configs:',
    `  - job_name: chatchat-${role}`,
    `    static_configs: [{ targets: ["127.0.0.1:${metricsPort}"] }]`,
  ].join('\n');
}

function cloudWatchAgentConfig(config: EnvironmentConfig, role: ServiceRole, logGroupName: string): string {
  return JSON.stringify({
    logs: {
      metrics_collected: {
        prometheus: {
          log_group_name: logGroupName,
          prometheus_config_path: 'env:PROMETHEUS_CONFIG_CONTENT',
          emf_processor: {
            metric_declaration_dedup: true,
            metric_namespace: metricsNamespace,
            metric_declaration: [
              {
                source_labels: ['job'],
                label_matcher: `^chatchat-${role}$`,
                dimensions: [['service']],
                metric_selectors: [
                  '^chatchat_ws_connections$',
                  '^chatchat_bus_publish_errors_total$',
                  '^chatchat_dependency_errors_total$',
                  '^nodejs_eventloop_lag_p99_seconds$',
                  `^${workerQueueMetric}$`,
                ],
              },
            ],
          },
        },
      },
      force_flush_interval: 5,
    },
    // Each series carries the ECS service name, so autoscaling can select one service.
    metrics: { append_dimensions: { service: serviceNames(config)[role] } },
  });
}
