import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): end-to-end fault injection against real dynalite and fauxqs,
 * bad-input fuzzing and the operator tools. `FAULTS_QUICK=1` runs the quick version CI uses. A global
 * teardown merges every file's counters into docs/reliability.json and renders docs/reliability.md.
 */
export default defineConfig({
  test: {
    name: 'faults',
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/faults/support/global-setup.ts'],
    setupFiles: ['test/faults/support/figures-setup.ts'],
    maxWorkers: 2,
    // The SDK's notice that releases after January 2027 need Node 22 would repeat in every child process.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
