import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DocDBClient } from '@aws-sdk/client-docdb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { resolve } from 'node:dns/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEnvControl, type EnvControlEvent } from './env-control.js';
import { settingsFromEnvironment } from './env-control-settings.js';

// The Lambda entry (bundled by the scheduler stack); all logic lives in env-control.ts.
const clientConfig = { maxAttempts: 4 };

async function probe(domainName: string): Promise<boolean> {
  try {
    if ((await resolve(domainName)).length === 0) return false;
    const response = await fetch(`https://${domainName}/readyz`, { signal: AbortSignal.timeout(5000) });
    return response.ok;
  } catch {
    return false;
  }
}

const handle = createEnvControl({
  settings: settingsFromEnvironment(process.env),
  cloudFormation: new CloudFormationClient(clientConfig),
  docdb: new DocDBClient(clientConfig),
  rds: new RDSClient(clientConfig),
  elb: new ElasticLoadBalancingV2Client(clientConfig),
  ecs: new ECSClient(clientConfig),
  autoScaling: new ApplicationAutoScalingClient(clientConfig),
  probe,
  sleep: (ms) => sleep(ms),
});

export const handler = (event: EnvControlEvent) => handle(event);
