import { Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { NagSuppressions } from '../nag.js';
import type { EnvironmentConfig } from '../config.js';

export interface NetworkStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * VPC with public (ALB), private (tasks) and isolated (data) subnets. Tasks reach AWS
 * through VPC endpoints, so dev needs no NAT gateway at all.
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;
  /** The data stack opens its own groups to this one (rules live there, so references point one way). */
  readonly albSecurityGroup: ec2.SecurityGroup;
  readonly taskSecurityGroup: ec2.SecurityGroup;
  /** Kept here, not in services: the scheduler deletes services nightly, and certificates and alarms must outlive it. */
  readonly hostedZone: route53.IHostedZone;
  readonly certificate: acm.Certificate;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;
    const privateType = config.natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      availabilityZones: [...config.availabilityZones],
      natGateways: config.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: privateType, cidrMask: 20 },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      restrictDefaultSecurityGroup: true,
    });

    this.hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.hostedZoneName,
    });
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: config.domainName,
      validation: acm.CertificateValidation.fromDns(this.hostedZone),
    });
    this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: `ChatChat ${config.name} alarms`, enforceSSL: true });
    if (config.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', { retention: config.logRetentionDays });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    const taskSubnets = { subnetGroupName: 'private' };
    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [taskSubnets] });
    this.albSecurityGroup = new ec2.SecurityGroup(this, 'AlbSg', {
      vpc: this.vpc,
      description: 'Load balancer: HTTPS and HTTP (redirect) from anywhere',
      allowAllOutbound: false,
    });
    this.albSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS');
    this.albSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP, redirected to HTTPS');
    NagSuppressions.addResourceSuppressions(this.albSecurityGroup, [
      { id: 'AwsSolutions-EC23', reason: 'The public load balancer: 443 (and 80, which only redirects) from anywhere is its purpose.' },
    ]);

    this.taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSg', {
      vpc: this.vpc,
      description: 'ECS tasks: the app port from the load balancer only',
      allowAllOutbound: false,
    });
    this.taskSecurityGroup.addIngressRule(this.albSecurityGroup, ec2.Port.tcp(8080), 'app port from the ALB');
    this.albSecurityGroup.addEgressRule(this.taskSecurityGroup, ec2.Port.tcp(8080), 'to the tasks');
    if (!config.schedule) addInterfaceEndpoints(this, this.vpc, this.taskSecurityGroup);

    // S3 (ECR layers, attachments) is reached through the gateway endpoint, whose addresses are a
    // regional prefix list; without a NAT route these subnets reach nothing else on 443.
    this.taskSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS: S3 gateway endpoint');
  }
}

/**
 * Interface endpoints for ECR, Secrets Manager, SSM and CloudWatch bill by the hour in every AZ.
 * Where the environment has a schedule they are created with the services stack (and deleted
 * with it overnight); otherwise here. Tasks reach AWS only through them: no NAT.
 */
export function addInterfaceEndpoints(scope: Construct, vpc: ec2.IVpc, taskSecurityGroup: ec2.ISecurityGroup): void {
  const endpointSecurityGroup = new ec2.SecurityGroup(scope, 'EndpointSg', {
    vpc,
    description: 'Interface endpoints: HTTPS from the tasks only',
    allowAllOutbound: false,
  });
  endpointSecurityGroup.connections.allowFrom(taskSecurityGroup, ec2.Port.tcp(443), 'AWS APIs from the tasks');
  NagSuppressions.addResourceSuppressions(endpointSecurityGroup, [
    {
      id: 'CdkNagValidationFailure',
      reason:
        'EC23 cannot evaluate a rule whose source is another security group (an intrinsic); the only ingress is 443 from the task group.',
    },
  ]);
  for (const [name, service] of [
    ['EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR],
    ['EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
    ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
    ['Ssm', ec2.InterfaceVpcEndpointAwsService.SSM],
    ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
    ['Monitoring', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING],
  ] as const) {
    new ec2.InterfaceVpcEndpoint(scope, name, {
      vpc,
      service,
      subnets: { subnetGroupName: 'private' },
      securityGroups: [endpointSecurityGroup],
      privateDnsEnabled: true,
    });
  }
}
