// Compiles the server CLI to one ESM file for the image: workspace packages (TypeScript
// sources) are bundled in, third-party dependencies stay external and come from the
// production node_modules. The image then runs plain `node` — no tsx, no transpiling at start.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const server = JSON.parse(readFileSync(new URL('../packages/server/package.json', import.meta.url), 'utf8'));
const protocol = JSON.parse(readFileSync(new URL('../packages/protocol/package.json', import.meta.url), 'utf8'));
const external = [...Object.keys(server.dependencies), ...Object.keys(protocol.dependencies)].filter(
  (name) => !name.startsWith('@chatchat/'),
);

const outfile = process.argv[2] ?? 'dist/cli.js';
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: true, external, logLevel: 'warning' };
await build({ ...common, entryPoints: [new URL('../packages/server/src/cli.ts', import.meta.url).pathname], outfile });
// The SQLite search indexer's worker thread, loaded from beside the CLI (see sqlite-search-indexer.ts).
await build({
  ...common,
  entryPoints: [new URL('../packages/server/src/adapters/store/sqlite-search-thread.ts', import.meta.url).pathname],
  outfile: join(dirname(outfile), 'sqlite-search-thread.js'),
});
