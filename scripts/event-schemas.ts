import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DETAIL_TYPES, jsonSchemaOf } from '../shared/events/schemas';

/** Writes docs/events/<detail-type>.schema.json from the zod schemas (test/unit/events/schemas.test.ts checks them). */
export const eventSchemaFile = (detailType: string) => resolve('docs/events', `${detailType}.schema.json`);

for (const detailType of DETAIL_TYPES) {
  writeFileSync(eventSchemaFile(detailType), `${JSON.stringify(jsonSchemaOf(detailType), null, 2)}\n`);
  process.stdout.write(`wrote ${eventSchemaFile(detailType)}\n`);
}
