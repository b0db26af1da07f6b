import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/globalSetup.ts', 'test/postgresSetup.ts'],
    setupFiles: ['test/setup.ts'],
    coverage: {
      provider: 'v8',
      include: ['src/transaction/**', 'src/journal/**', 'src/recovery/**'],
      reporter: ['text-summary', 'text'],
    },
  },
});
