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
    // Builds FerretDB for the MongoDB store tests once per machine (cached binary).
    globalSetup: ['packages/server/src/testing/ferretdb-global-setup.ts'],
  },
});
