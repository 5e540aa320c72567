import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real embedded engines (dynalite, fauxqs) are started per test file; keep two workers on a 2-core box.
    maxWorkers: 2,
    // The SDK's notice that releases after January 2027 need Node 22 would repeat in every child process.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/contract/**/*.test.ts'],
        },
      },
      {
        // The aggregate's suite and the poller's packed post records again on AWS's DynamoDB Local (one JVM
        // for the run), so behaviour only dynalite has (item size limit, condition and validation errors,
        // nested-path conditions, index updates) cannot hide.
        extends: true,
        test: {
          name: 'ddb-local',
          include: ['test/integration/aggregate/**/*.test.ts', 'test/integration/poll/post-records.test.ts'],
          // Quarantine needs an engine that refuses a 1 KB item, which DynamoDB Local (fixed at 400 KB) cannot
          // be made to do: here it would only run on dynalite a second time.
          exclude: [...configDefaults.exclude, 'test/integration/aggregate/quarantine.test.ts'],
          env: { KOL_TEST_DYNAMO: 'dynamodb-local' },
          globalSetup: ['test/support/dynamodb-local.setup.ts'],
        },
      },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
