import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { NagSuppressions } from '../nag.js';
import type { EnvironmentConfig } from '../config.js';

export interface CicdStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** Only the first environment of an account creates the account-wide GitHub OIDC provider. */
  readonly createOidcProvider: boolean;
}

/** The image repository and the role GitHub Actions assumes (OIDC, no long-lived keys). */
export class CicdStack extends Stack {
  readonly repository: ecr.Repository;
  readonly deployRole: iam.Role;

  constructor(scope: Construct, id: string, props: CicdStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.repository = new ecr.Repository(this, 'Images', {
      repositoryName: `chatchat-${config.name}`,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { description: 'untagged layers go after a day', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(1) },
        { description: 'keep the last 30 commits for rollback', tagStatus: ecr.TagStatus.ANY, maxImageCount: 30 },
      ],
    });

    const providerArn = `arn:aws:iam::${this.account}:oidc-provider/token.actions.githubusercontent.com`;
    if (props.createOidcProvider) {
      new iam.CfnOIDCProvider(this, 'GitHubOidc', {
        url: 'https://token.actions.githubusercontent.com',
        clientIdList: ['sts.amazonaws.com'],
      });
    }

    // Only workflow runs of this repository in this GitHub environment may assume the role.
    this.deployRole = new iam.Role(this, 'DeployRole', {
      roleName: `chatchat-${config.name}-github-deploy`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': `repo:${config.githubRepository}:environment:${config.name}`,
        },
      }),
    });
    this.repository.grantPullPush(this.deployRole);
    // cdk deploy works through the bootstrap roles; the deploy role may only assume those.
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(
          (kind) => `arn:aws:iam::${this.account}:role/cdk-hnb659fds-${kind}-role-${this.account}-${this.region}`,
        ),
      }),
    );
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [`arn:aws:ecs:${this.region}:${this.account}:service/chatchat-${config.name}/*`],
      }),
    );
    NagSuppressions.addResourceSuppressions(
      this.deployRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "ecr:GetAuthorizationToken exists only on *; ECS services of this environment's one cluster; template uploads under services/ of the one schedule bucket.",
        },
      ],
      true,
    );
    if (config.schedule) {
      this.deployRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [`arn:aws:s3:::${scheduleBucketName(config, this.account, this.region)}/services/*`],
        }),
      );
    }
  }
}

/** The bucket the scheduler recreates the services stack from (deploy.yml uploads its template). */
export function scheduleBucketName(config: EnvironmentConfig, account: string, region: string): string {
  return `chatchat-${config.name}-schedule-${account}-${region}`;
}
