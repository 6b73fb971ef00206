import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabaseOptions {
  /** A database on the server to connect to while creating and dropping. */
  adminUrl?: string;
}

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh, empty PostgreSQL database for one test file (test files run in parallel
 * workers, so none may share one). `drop()` removes it even with connections open.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = options.adminUrl ?? DEFAULT_ADMIN_URL;
  const name = `chatchat_t_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    drop: () => {
      dropped ??= withAdmin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {});
      return dropped;
    },
  };
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
