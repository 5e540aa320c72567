import { describe, expect, it } from 'vitest';
import { tableSpecsByName } from '../../../bench/lib/harness';
import { meterDocumentClient } from '../../../bench/lib/metered-client';
import { PostRecordWriteModel } from '../../../bench/lib/post-record-model';
import { weekCycles } from '../../../bench/lib/week';
import { DynamoPostRecords } from '../../../functions/poll/post-record-store';
import { createTables, startDynalite } from '../../../infra/local/engines';
import { parseConfig } from '../../../shared/config';
import type { Platform } from '../../../shared/platform';

describe('post-record model', () => {
  it('agrees with the metered store unit for unit, write for write, on a day of polls', async () => {
    // Arrange: a small day, packed into one group per 6-hour slot so groups hold many records.
    const layout = { slots: 4, perSlot: 1 };
    const { configJson, cycles } = weekCycles({ scale: 0.003, seed: 3, days: 1, emitReads: true });
    const model = new PostRecordWriteModel(parseConfig(configJson, 'week'), layout);
    const dynamo = await startDynalite({ isolated: true });
    try {
      const tables = await createTables(dynamo.client, 'prec-model');
      const metered = meterDocumentClient(dynamo.doc, { mode: 'exact', tables: tableSpecsByName(tables) });
      const stores = new Map<Platform, DynamoPostRecords>();
      const storeOf = (p: Platform) =>
        stores.get(p) ?? stores.set(p, new DynamoPostRecords(metered.client, tables.state, p, layout)).get(p);

      // Act: every poll's two checkpoints, modelled and saved for real.
      let next = cycles.next();
      while (!next.done) {
        for (const poll of next.value.polls ?? [])
          for (const saved of model.applyPoll(poll)) await storeOf(poll.platform)?.save(saved);
        next = cycles.next();
      }

      // Assert
      const r = model.summary();
      expect(r.sent).toBe(next.value.deliveries - next.value.duplicateDeliveries); // the week's own sends
      expect(r.largestGroupRecords).toBeGreaterThan(10);
      expect(r.writesByUnits.length).toBeGreaterThan(1);
      expect(r.writes).toBe(metered.meter.calls.UpdateCommand);
      expect(r.writeUnits).toBe(metered.meter.tableWriteUnits);
      expect(metered.meter.indexWriteUnits).toBe(0);
      expect(r.recordsSaved).toBeLessThan(r.reads);
    } finally {
      await dynamo.close();
    }
  }, 120_000);
});
