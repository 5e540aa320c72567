import { defineConfig } from 'vitest/config';

/** Browser tests: a real Chromium (Debian's, driven by playwright-core) against the report endpoint. */
export default defineConfig({
  test: {
    name: 'browser',
    include: ['test/browser/**/*.test.ts'],
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
