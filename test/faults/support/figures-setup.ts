import { relative } from 'node:path';
import { afterAll, expect } from 'vitest';
import { flushFigures } from './figures';

// Setup files run once per test file, so this flushes each file's figures once, after its tests.
afterAll(() => {
  flushFigures(relative(process.cwd(), expect.getState().testPath ?? 'unknown'));
});
