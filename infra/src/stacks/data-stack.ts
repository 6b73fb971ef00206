import { Duration, RemovalPolicy, Stack, Token, type StackProps } from 'aws-cdk-lib';
import * as docdb from 'aws-cdk-lib/aws-docdb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from '../nag.js';
import type { Construct } from 'constructs';
import type { DatabaseEngine, EnvironmentConfig } from '../config.js';
import type { NetworkStack } from './network-stack.js';

export interface DataStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly network: NetworkStack;
}

/** What the services stack needs to build DATABASE_URL (see the services stack's container command). */
export interface DatabaseConnection {
  readonly engine: DatabaseEngine;
  readonly clusterIdentifier: string;
  readonly host: string;
  readonly port: string;
  /** JSON secret with `username` and `password`, rotated where the engine allows. */
  readonly secret: secretsmanager.ISecret;
}

/** Stateful resources: never deleted by the scheduler, retained (or snapshotted) on stack deletion. */
export class DataStack extends Stack {
  readonly database: DatabaseConnection;
  readonly redisHost: string;
  readonly redisPort: string;
  readonly redisAuthSecret: secretsmanager.Secret;
  readonly jwtSecret: secretsmanager.Secret;
  readonly attachments: s3.Bucket;
  /** Server access logs of the attachments bucket and the load balancer's access logs. */
  readonly accessLogs: s3.Bucket;
  readonly redisReplicationGroupId: string;
  readonly databaseSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config, network } = props;
    const isolated = { subnetGroupName: 'isolated' };
    const removalPolicy = config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.SNAPSHOT;
    // Here rather than in the network stack: the engines' rotation functions add rules to them.
    this.databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSg', {
      vpc: network.vpc,
      description: 'Database: from the tasks (and its rotation function) only',
      allowAllOutbound: false,
    });
    const redisSecurityGroup = new ec2.SecurityGroup(this, 'RedisSg', {
      vpc: network.vpc,
      description: 'Redis: from the tasks only',
      allowAllOutbound: false,
    });
    const databasePort = config.database.engine === 'documentdb' ? 27017 : 5432;
    this.databaseSecurityGroup.connections.allowFrom(network.taskSecurityGroup, ec2.Port.tcp(databasePort), 'database from the tasks');
    redisSecurityGroup.connections.allowFrom(network.taskSecurityGroup, ec2.Port.tcp(6379), 'Redis from the tasks');

    this.database =
      config.database.engine === 'documentdb'
        ? this.documentDb(config, network, isolated, removalPolicy)
        : this.auroraPostgres(config, network, isolated, removalPolicy);

    this.redisAuthSecret = new secretsmanager.Secret(this, 'RedisAuth', {
      description: 'ElastiCache Redis AUTH token',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    NagSuppressions.addResourceSuppressions(this.redisAuthSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason: 'ElastiCache has no managed rotation for AUTH tokens; rotate by hand with the ROTATE strategy (docs/deploy.md).',
      },
    ]);
    const redisSubnets = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'ChatChat Redis (isolated subnets)',
      subnetIds: network.vpc.selectSubnets(isolated).subnetIds,
    });
    const redis = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: `ChatChat ${config.name} bus and presence`,
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: config.redis.nodeType,
      numNodeGroups: 1,
      replicasPerNodeGroup: config.redis.replicas,
      automaticFailoverEnabled: config.redis.replicas > 0,
      multiAzEnabled: config.redis.replicas > 0,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: this.redisAuthSecret.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: redisSubnets.ref,
      securityGroupIds: [redisSecurityGroup.securityGroupId],
      snapshotRetentionLimit: config.deletionProtection ? 7 : 0,
    });
    NagSuppressions.addResourceSuppressions(redis, [
      {
        id: 'AwsSolutions-AEC5',
        reason: 'Default port kept for client compatibility; only the task security group may connect, with TLS and AUTH.',
      },
      ...(config.redis.replicas > 0
        ? []
        : [{ id: 'AwsSolutions-AEC4', reason: 'dev runs one node to stay cheap (environment config); prod has a replica in another AZ.' }]),
    ]);
    this.redisReplicationGroupId = redis.ref;
    this.redisHost = redis.attrPrimaryEndPointAddress;
    this.redisPort = redis.attrPrimaryEndPointPort;

    this.jwtSecret = new secretsmanager.Secret(this, 'JwtSecret', {
      description: 'JWT_SECRET shared by every ChatChat process',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    NagSuppressions.addResourceSuppressions(this.jwtSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason: 'Rotating the token signing key signs every user out; it is rotated deliberately (docs/deploy.md), not on a timer.',
      },
    ]);

    const accessLogs = (this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    }));
    NagSuppressions.addResourceSuppressions(accessLogs, [
      { id: 'AwsSolutions-S1', reason: 'This is the access-log bucket; logging it into itself would loop.' },
    ]);

    this.attachments = new s3.Bucket(this, 'Attachments', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'attachments/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Presigned uploads land under pending/ and are moved once a message references them;
        // what is still there after a few days was never attached.
        { id: 'orphaned-uploads', prefix: 'pending/', expiration: Duration.days(config.orphanedUploadDays) },
        { id: 'old-versions', noncurrentVersionExpiration: Duration.days(30) },
      ],
      cors: [
        {
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET],
          allowedOrigins: [`https://${config.domainName}`],
          allowedHeaders: ['content-type', 'content-length', 'content-md5', 'x-amz-*'],
          exposedHeaders: ['etag'],
          maxAge: 3000,
        },
      ],
    });
  }

  private documentDb(
    config: EnvironmentConfig,
    network: NetworkStack,
    subnets: ec2.SubnetSelection,
    removalPolicy: RemovalPolicy,
  ): DatabaseConnection {
    const cluster = new docdb.DatabaseCluster(this, 'DocumentDb', {
      masterUser: { username: 'chatchat', excludeCharacters: '"@/:?#[]%&=+\\\'` ' },
      engineVersion: '5.0.0',
      instanceType: new ec2.InstanceType(config.database.documentDbInstanceClass.replace(/^db\./, '')),
      instances: config.database.instances,
      vpc: network.vpc,
      vpcSubnets: subnets,
      securityGroup: this.databaseSecurityGroup,
      storageEncrypted: true,
      deletionProtection: config.deletionProtection,
      removalPolicy,
      backup: { retention: Duration.days(config.database.backupRetentionDays) },
      exportAuditLogsToCloudWatch: true,
      exportProfilerLogsToCloudWatch: true,
      cloudWatchLogsRetention: config.logRetentionDays,
    });
    cluster.addRotationSingleUser(Duration.days(30));
    NagSuppressions.addResourceSuppressions(
      cluster,
      [
        { id: 'AwsSolutions-DOC3', reason: 'The master secret is rotated every 30 days by the hosted rotation (addRotationSingleUser).' },
        {
          id: 'AwsSolutions-DOC2',
          reason: 'Default port kept for driver compatibility; only the task security group may connect, with TLS.',
        },
        {
          id: 'AwsSolutions-DOC5',
          reason:
            "Audit and profiler logs are exported; which events the audit log records is the cluster parameter group's audit_logs setting, left at the engine default until an operator asks for more.",
        },
      ],
      true,
    );
    return {
      engine: 'documentdb',
      clusterIdentifier: cluster.clusterIdentifier,
      host: cluster.clusterEndpoint.hostname,
      port: Token.asString(cluster.clusterEndpoint.port),
      secret: cluster.secret!,
    };
  }

  private auroraPostgres(
    config: EnvironmentConfig,
    network: NetworkStack,
    subnets: ec2.SubnetSelection,
    removalPolicy: RemovalPolicy,
  ): DatabaseConnection {
    const multiAz = config.database.instances > 1;
    const cluster = new rds.DatabaseCluster(this, 'Aurora', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      credentials: rds.Credentials.fromGeneratedSecret('chatchat', { excludeCharacters: '"@/:?#[]%&=+\\\'` ' }),
      defaultDatabaseName: 'chatchat',
      serverlessV2MinCapacity: config.database.auroraMinAcu,
      serverlessV2MaxCapacity: config.database.auroraMaxAcu,
      writer: rds.ClusterInstance.serverlessV2('writer'),
      readers: multiAz ? [rds.ClusterInstance.serverlessV2('reader', { scaleWithWriter: true })] : [],
      vpc: network.vpc,
      vpcSubnets: subnets,
      securityGroups: [this.databaseSecurityGroup],
      storageEncrypted: true,
      iamAuthentication: true,
      deletionProtection: config.deletionProtection,
      removalPolicy,
      backup: { retention: Duration.days(config.database.backupRetentionDays) },
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: config.logRetentionDays,
      parameters: { 'rds.force_ssl': '1' },
    });
    cluster.addRotationSingleUser({ automaticallyAfter: Duration.days(30) });
    NagSuppressions.addResourceSuppressions(
      cluster,
      [
        {
          id: 'AwsSolutions-RDS10',
          reason: 'Deletion protection is a per-environment setting: on in prod, off in dev so it can be torn down.',
        },
        {
          id: 'AwsSolutions-RDS11',
          reason: 'The default port is kept; access is limited to the task security group, which is the control that matters.',
        },
      ],
      true,
    );
    return {
      engine: 'aurora-postgresql',
      clusterIdentifier: cluster.clusterIdentifier,
      host: cluster.clusterEndpoint.hostname,
      port: Token.asString(cluster.clusterEndpoint.port),
      secret: cluster.secret!,
    };
  }
}
