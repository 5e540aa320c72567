import { describe, expect, it } from 'vitest';
import {
  fileSizes,
  functionSizes,
  importBreaches,
  MAX_FILE_LINES,
  MAX_FUNCTION_LINES,
} from '../../scripts/structure';

/** The rules of scripts/structure.ts (`npm run structure` prints the report). */
describe('product code structure', () => {
  it('imports point one way: shared <- functions <- infra stacks; the twin above them', () => {
    expect(importBreaches()).toEqual([]);
  });

  it(`keeps every file in functions/, shared/ and infra/ within ${MAX_FILE_LINES} lines`, () => {
    expect(fileSizes().filter((f) => f.lines > MAX_FILE_LINES)).toEqual([]);
  });

  it(`keeps every function within ${MAX_FUNCTION_LINES} lines`, () => {
    expect(functionSizes().filter((f) => f.lines > MAX_FUNCTION_LINES)).toEqual([]);
  });

  it('would catch a function importing infra/ (the rule is live)', () => {
    const breaches = importBreaches(`${process.cwd()}/test/unit/fixtures/structure`);
    expect(breaches).toEqual([
      {
        file: 'functions/report/bad.ts',
        imports: 'infra/local/api-gateway',
        rule: 'functions/report/ imports only shared/ and its own folder',
      },
    ]);
  });
});
