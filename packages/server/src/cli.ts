import { randomBytes } from 'node:crypto';
import { loadConfig, ConfigError, type Config } from './config.js';
import { createLogger } from './logger.js';
import { openStore, startChatServer } from './app.js';
import { createPasswordHasher } from './features/auth/password-hasher.js';
import { systemClock } from './ports/clock.js';

const usage = `chatchat <command>

  serve                          run the server (ROLE=api,gateway,worker|all; see README)
  migrate                        apply database migrations and exit
  admin create <username> [--password <pw>]
                                 make <username> a platform admin (creates the user if missing)
  admin revoke <username>        take platform admin away`;

async function serve(config: Config) {
  const log = createLogger({ level: config.logLevel });
  const server = await startChatServer(config, { log });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    // A drain that hangs must not keep a rolling deploy waiting forever.
    setTimeout(() => {
      log.error('drain deadline passed; exiting');
      process.exit(1);
    }, config.drainTimeoutMs + 5000).unref();
    server.drain().then(
      () => {
        log.info('drained; bye');
        process.exit(0);
      },
      (err) => {
        log.error({ err }, 'drain failed');
        process.exit(1);
      },
    );
  };
  // A rejected promise nobody awaited belongs to one request or job: log it and keep serving
  // everyone else. A synchronous throw that reached the top may have left state half-changed:
  // exit non-zero and let the supervisor (ECS, systemd, compose) start a clean process.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection; still serving'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception; exiting for a clean restart');
    process.exit(70);
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function migrate(config: Config) {
  const store = await openStore(config);
  try {
    await store.migrate();
    console.log(`migrations applied (${store.dialect})`);
  } finally {
    await store.close();
  }
}

async function admin(config: Config, args: string[]) {
  const [action, username] = args;
  if (!username || (action !== 'create' && action !== 'revoke')) throw new ConfigError(usage);
  const store = await openStore(config);
  try {
    await store.migrate();
    let user = await store.findUserByUsername(username);
    if (!user && action === 'create') {
      const flag = args.indexOf('--password');
      const password = flag > 0 ? args[flag + 1] : randomBytes(12).toString('base64url');
      if (!password || password.length < 8) throw new ConfigError('--password needs at least 8 characters');
      user = await store.createUser({
        username,
        displayName: username,
        passwordHash: await createPasswordHasher({ concurrency: 1, maxQueued: 0 }).hash(password),
        now: systemClock.nowIso(),
      });
      if (flag < 0) console.log(`created user ${username} with password: ${password}`);
    }
    if (!user) throw new ConfigError(`no user named ${username}`);
    await store.setPlatformAdmin(user.id, action === 'create');
    console.log(`${username} is ${action === 'create' ? 'now' : 'no longer'} a platform admin`);
  } finally {
    await store.close();
  }
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const config = loadConfig();
  if (command === 'serve') return serve(config);
  if (command === 'migrate') return migrate(config);
  if (command === 'admin') return admin(config, rest);
  console.log(usage);
  if (command !== 'help' && command !== '--help') process.exitCode = 2;
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(2);
});
