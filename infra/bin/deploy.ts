import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { environmentNamed, stackNames } from '../src/config.js';
import { serviceNames } from '../src/stacks/services-stack.js';
import { scheduleBucketName } from '../src/stacks/cicd-stack.js';

/**
 * `npm run deploy -- --env dev [--image-tag <sha>]` (what deploy.yml runs, with AWS credentials
 * from OIDC): cdk deploy of the environment's stacks in dependency order, then the services
 * template is kept for the scheduler to recreate the stack from, then each ECS service is
 * waited for until stable (the new task definition rolled out, or rolled back by the breaker).
 */
const { values } = parseArgs({
  options: { env: { type: 'string' }, 'image-tag': { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
});
if (!values.env) {
  console.error('usage: npm run deploy -- --env dev|prod [--image-tag <commit sha>] [--dry-run]');
  process.exit(2);
}
const config = environmentNamed(values.env);
const names = stackNames(config);
const tag = values['image-tag'] ?? spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
const stacks = [names.cicd, names.network, names.data, names.services, ...(config.schedule ? [names.scheduler] : [])];

function run(command: string, args: string[]) {
  console.log(`$ ${command} ${args.join(' ')}`);
  if (values['dry-run']) return;
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: '1' },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run('npx', [
  'cdk',
  'deploy',
  ...stacks,
  '--context',
  `imageTag=${tag}`,
  '--require-approval',
  'never',
  '--no-notices',
  '--progress',
  'events',
  '--outputs-file',
  'cdk.out/outputs.json',
]);
if (config.schedule) {
  // The scheduler recreates the services stack every morning from the template deployed last.
  run('aws', [
    's3',
    'cp',
    `cdk.out/${names.services}.template.json`,
    `s3://${scheduleBucketName(config, config.account, config.region)}/services/${names.services}.template.json`,
  ]);
}
const ecs = serviceNames(config);
run('aws', [
  'ecs',
  'wait',
  'services-stable',
  '--region',
  config.region,
  '--cluster',
  ecs.cluster,
  '--services',
  ecs.api,
  ecs.gateway,
  ecs.worker,
]);
console.log(`${config.name} is running ${tag}`);
