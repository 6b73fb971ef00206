import { ensureFerretDbBinary } from './ferretdb.js';

/**
 * Vitest global setup: builds tools/ferretdb before any test file runs, so the first run on
 * a fresh machine pays the cold Go build (minutes) here, outside every test's hook timeout.
 * Later runs find the binary up to date and skip it in a millisecond.
 */
export default function setup(): void {
  ensureFerretDbBinary((l) => process.stderr.write(`${l}\n`));
}
