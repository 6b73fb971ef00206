/**
 * npm run ferretdb -- --port PORT --dir DIR
 * Builds tools/ferretdb when needed, then runs FerretDB (MongoDB wire protocol, SQLite
 * files in DIR) in the foreground on 127.0.0.1:PORT, for trying DATABASE_URL=mongodb://.
 */
import { spawn } from 'node:child_process';
import { ensureFerretDbBinary } from '../packages/server/src/testing/ferretdb.js';

const binary = ensureFerretDbBinary((l) => process.stderr.write(`${l}\n`));
const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
