import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
      'infra/test/**/*.test.ts',
      'apps/web/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: integration files start real servers; more workers only thrash.
    maxWorkers: 2,
    // Once per run: FerretDB for the MongoDB store tests (a cached binary), the web app for the
    // e2e files (rebuilt only when stale; in-file builds raced each other).
    globalSetup: ['packages/server/src/testing/ferretdb-global-setup.ts', 'apps/web/test/web-build-global-setup.ts'],
  },
});
