import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    // Two cores: end-to-end files spawn servers and workers of their own.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Finds Redis and Chromium for the suites that need them, or notes their skip (test/README.md).
    globalSetup: ['test/setup/global-setup.ts'],
    setupFiles: ['test/setup/leak-guard.ts'],
  },
});
