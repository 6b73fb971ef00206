/** The Lambda's settings, read once from its environment (set by the scheduler stack). */
export interface EnvControlSettings {
  readonly servicesStackName: string;
  /** https URL of the services template deploy.yml uploads after every deploy. */
  readonly servicesTemplateUrl: string;
  /** Role CloudFormation uses to create the services stack (the CDK bootstrap execution role). */
  readonly cloudFormationRoleArn: string;
  readonly databaseEngine: 'documentdb' | 'aurora-postgresql';
  readonly databaseClusterIdentifier: string;
  /** Aurora with 0 ACU minimum pauses itself; stopping it is then left to Aurora. */
  readonly databaseAutoPauses: boolean;
  readonly clusterName: string;
  /** ECS service name → tasks when up (scale-to-zero mode). */
  readonly serviceCounts: Readonly<Record<string, { min: number; max: number }>>;
  readonly domainName: string;
}

export function settingsFromEnvironment(env: Record<string, string | undefined>): EnvControlSettings {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const engine = need('DATABASE_ENGINE');
  if (engine !== 'documentdb' && engine !== 'aurora-postgresql')
    throw new Error(`DATABASE_ENGINE must be documentdb or aurora-postgresql, got ${engine}`);
  return {
    servicesStackName: need('SERVICES_STACK_NAME'),
    servicesTemplateUrl: need('SERVICES_TEMPLATE_URL'),
    cloudFormationRoleArn: need('CLOUDFORMATION_ROLE_ARN'),
    databaseEngine: engine,
    databaseClusterIdentifier: need('DATABASE_CLUSTER_IDENTIFIER'),
    databaseAutoPauses: env.DATABASE_AUTO_PAUSES === 'true',
    clusterName: need('ECS_CLUSTER_NAME'),
    serviceCounts: JSON.parse(need('SERVICE_COUNTS')) as EnvControlSettings['serviceCounts'],
    domainName: need('DOMAIN_NAME'),
  };
}
