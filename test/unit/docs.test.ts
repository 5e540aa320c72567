import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const markdown = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];

describe('documentation', () => {
  it.each(markdown)('%s never puts a secret value on the command line', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    // Shell history and the process list keep what is typed: values come from a file or stdin.
    expect(text).not.toMatch(/--secret-string\s+(?!file:\/\/)\S/);
  });
});
