import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CSV_WRITERS } from '../../../functions/report/csv-writers';
import { EVENT_CSV_COLUMNS } from '../../../functions/report/events-route';
import { buildOpenApiDocument, CSV_COLUMNS, openApiText } from '../../../functions/report/openapi';

const committedPath = new URL('../../../docs/openapi.json', import.meta.url);

describe('OpenAPI document', () => {
  it('matches the committed docs/openapi.json (run `npm run openapi` after changing the API)', () => {
    expect(readFileSync(committedPath, 'utf8')).toBe(openApiText());
  });

  it('is OpenAPI 3.1 and resolves every $ref to a component', () => {
    const doc = buildOpenApiDocument();
    expect(doc.openapi).toBe('3.1.0');
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(refs.length).toBeGreaterThan(5);
    for (const name of refs) expect(schemas, name).toHaveProperty(name as string);
    expect(JSON.stringify(schemas)).not.toContain('"$id"');
  });

  it('documents the CSV column order the handlers write', () => {
    const headers = (columns: { header: string }[]) => columns.map((c) => c.header).join(', ');
    expect(headers(CSV_WRITERS.campaigns)).toBe(CSV_COLUMNS.campaigns);
    expect(headers(CSV_WRITERS.campaign)).toBe(CSV_COLUMNS.campaign);
    expect(headers(CSV_WRITERS.totals('all'))).toBe(CSV_COLUMNS.totals);
    expect(headers(CSV_WRITERS.series('k', 'all'))).toBe(CSV_COLUMNS.series);
    expect(headers(CSV_WRITERS.leaderboard)).toBe(CSV_COLUMNS.leaderboard);
    expect(headers(CSV_WRITERS.voices)).toBe(CSV_COLUMNS.voices);
    expect(headers(EVENT_CSV_COLUMNS)).toBe(CSV_COLUMNS.events);
  });
});
