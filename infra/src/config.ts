/**
 * Environments are typed data, not copies of code: every stack reads one EnvironmentConfig.
 * prod: no scheduler, multi-AZ data, deletion protection. dev: small, and only up in working hours.
 */
export type DatabaseEngine = 'documentdb' | 'aurora-postgresql';

export interface ServiceSize {
  readonly cpu: 256 | 512 | 1024 | 2048 | 4096;
  readonly memoryMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
}

export interface ScheduleConfig {
  /** IANA time zone the hours are in. */
  readonly timeZone: string;
  /** 24 h clock, local to timeZone. */
  readonly startHour: number;
  readonly stopHour: number;
  /** EventBridge Scheduler day-of-week field, e.g. MON-FRI. */
  readonly days: string;
  /** delete: the services stack is deleted overnight; scale-to-zero: it stays, with no tasks. */
  readonly mode: 'delete' | 'scale-to-zero';
}

export interface EnvironmentConfig {
  readonly name: 'dev' | 'prod';
  readonly account: string;
  readonly region: string;
  /** The public name of the app; its hosted zone must exist in the account. */
  readonly domainName: string;
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
  /** GitHub owner/name allowed to deploy through OIDC, and the GitHub environment it must run in. */
  readonly githubRepository: string;
  /** Named, not looked up: synth runs offline. */
  readonly availabilityZones: readonly string[];
  /** NAT gateways: 0 keeps dev free of them (VPC endpoints carry AWS traffic, tasks need nothing else). */
  readonly natGateways: number;
  readonly database: {
    readonly engine: DatabaseEngine;
    /** DocumentDB instance class, e.g. db.t3.medium. */
    readonly documentDbInstanceClass: string;
    readonly instances: number;
    /** Aurora Serverless v2 capacity in ACUs (0 lets Aurora pause itself when idle). */
    readonly auroraMinAcu: number;
    readonly auroraMaxAcu: number;
    readonly backupRetentionDays: number;
  };
  readonly redis: { readonly nodeType: string; readonly replicas: number };
  readonly services: { readonly api: ServiceSize; readonly gateway: ServiceSize; readonly worker: ServiceSize };
  /** Target WebSocket connections per gateway task (autoscaling). */
  readonly connectionsPerGateway: number;
  readonly logRetentionDays: 7 | 14 | 30 | 90 | 365;
  readonly deletionProtection: boolean;
  readonly alarmEmail: string | undefined;
  readonly schedule: ScheduleConfig | undefined;
  /** Days before incomplete multipart uploads and unreferenced `uploads/` objects expire. */
  readonly orphanedUploadDays: number;
  readonly app: {
    /** Milliseconds; the ALB idle timeout and the drain timings below are derived from these. */
    readonly heartbeatMs: number;
    readonly drainTimeoutMs: number;
    readonly logLevel: string;
  };
}

const placeholderAccount = '111111111111';

const dev: EnvironmentConfig = {
  name: 'dev',
  account: placeholderAccount,
  region: 'ap-northeast-2',
  domainName: 'dev.chat.example.com',
  hostedZoneId: 'Z0000000000DEV',
  hostedZoneName: 'chat.example.com',
  githubRepository: 'example/chatchat',
  availabilityZones: ['ap-northeast-2a', 'ap-northeast-2c'],
  natGateways: 0,
  database: {
    engine: 'documentdb',
    documentDbInstanceClass: 'db.t3.medium',
    instances: 1,
    auroraMinAcu: 0,
    auroraMaxAcu: 2,
    backupRetentionDays: 7,
  },
  redis: { nodeType: 'cache.t4g.micro', replicas: 0 },
  services: {
    api: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 2 },
    gateway: { cpu: 256, memoryMiB: 512, minTasks: 2, maxTasks: 3 },
    worker: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 2 },
  },
  connectionsPerGateway: 2000,
  logRetentionDays: 7,
  deletionProtection: false,
  alarmEmail: undefined,
  schedule: { timeZone: 'Asia/Seoul', startHour: 9, stopHour: 19, days: 'MON-FRI', mode: 'delete' },
  orphanedUploadDays: 1,
  app: { heartbeatMs: 15_000, drainTimeoutMs: 10_000, logLevel: 'info' },
};

const prod: EnvironmentConfig = {
  ...dev,
  name: 'prod',
  account: '222222222222',
  domainName: 'chat.example.com',
  hostedZoneId: 'Z0000000000PROD',
  availabilityZones: ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c'],
  natGateways: 0,
  database: {
    engine: 'documentdb',
    documentDbInstanceClass: 'db.r6g.large',
    instances: 3,
    auroraMinAcu: 0.5,
    auroraMaxAcu: 16,
    backupRetentionDays: 14,
  },
  redis: { nodeType: 'cache.r7g.large', replicas: 1 },
  services: {
    api: { cpu: 1024, memoryMiB: 2048, minTasks: 2, maxTasks: 10 },
    gateway: { cpu: 1024, memoryMiB: 2048, minTasks: 3, maxTasks: 20 },
    worker: { cpu: 512, memoryMiB: 1024, minTasks: 2, maxTasks: 6 },
  },
  connectionsPerGateway: 10_000,
  logRetentionDays: 90,
  deletionProtection: true,
  alarmEmail: 'oncall@example.com',
  schedule: undefined,
  orphanedUploadDays: 2,
};

export const environments = { dev, prod } as const satisfies Record<string, EnvironmentConfig>;
export type EnvironmentName = keyof typeof environments;

export function environmentNamed(name: string): EnvironmentConfig {
  if (!(name in environments)) throw new Error(`unknown environment "${name}" (one of: ${Object.keys(environments).join(', ')})`);
  return environments[name as EnvironmentName];
}

/** Stack names are part of the contract with the scheduler (it deletes and recreates services by name). */
export function stackNames(env: EnvironmentConfig) {
  const prefix = `ChatChat-${env.name}`;
  return {
    cicd: `${prefix}-cicd`,
    network: `${prefix}-network`,
    data: `${prefix}-data`,
    services: `${prefix}-services`,
    scheduler: `${prefix}-scheduler`,
  } as const;
}

/** Drain timings, derived once (docs/deploy.md explains the chain). */
export function drainTimings(env: EnvironmentConfig) {
  const drainSec = Math.ceil(env.app.drainTimeoutMs / 1000);
  return {
    /** Must outlive a quiet WebSocket between pings, or the ALB cuts healthy sockets. */
    albIdleTimeoutSec: Math.ceil((env.app.heartbeatMs * 4) / 1000),
    /** The ALB stops routing new requests, then waits this long before ECS stops the task. */
    deregistrationDelaySec: drainSec + 5,
    /** SIGTERM → app drain (≤ DRAIN_TIMEOUT_MS) → its own +5 s hard deadline → SIGKILL after this. */
    stopTimeoutSec: Math.min(120, drainSec + 10),
  };
}
