import { startFerretDb, type RunningFerretDb } from './ferretdb.js';

/**
 * Which store the integration suites run on: SQLite / PostgreSQL as each helper always did,
 * or MongoDB (FerretDB) when a `*.mongodb.test.ts` file has called `useMongoStore()`.
 * The suites themselves are not copied: the mongodb files import them.
 */
let ferret: Promise<RunningFerretDb> | undefined;
let mongo = false;

/** Call at the top of a `*.mongodb.test.ts` file, before importing the suite. */
export function useMongoStore(hooks: { afterAll: (fn: () => Promise<void>) => void }): void {
  mongo = true;
  hooks.afterAll(async () => {
    mongo = false;
    const running = ferret;
    ferret = undefined;
    if (running) await (await running).stop();
  });
}

/** A fresh MongoDB database URL when the file runs on MongoDB, else undefined. */
export async function mongoDatabaseUrl(): Promise<string | undefined> {
  if (!mongo) return undefined;
  ferret ??= startFerretDb();
  return (await ferret).databaseUrl();
}
