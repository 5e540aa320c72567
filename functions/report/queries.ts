import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  freshnessPartition,
  isHashedKeyPart,
  kolDayPartition,
  kolSeriesPartition,
  kolWeekPartition,
  legacyTotalIndexPartition,
  totalIndexPartition,
  unescapeKeyPart,
  voiceDayPartition,
} from '../../shared/keys';
import { STORED_METRICS } from '../../shared/metrics';
import { PLATFORMS, type Platform } from '../../shared/platform';
import { visibleRollupItems } from '../../shared/rollup-chains';
import { type Day, splitIntoWeeks } from '../../shared/time';
import { topology } from '../../shared/topology';
import { type Tally, tallyOfItem } from './tally';

/** One stored rollup row, reduced to what reports need. */
export interface DayRow {
  day: Day;
  platform: Platform;
  tally: Tally;
}
export interface KolDayRow extends DayRow {
  kolId: string;
}
/** A roster KOL's figures on one platform over a stretch of days (a day or a whole week). */
export interface KolRangeRow {
  kolId: string;
  platform: Platform;
  tally: Tally;
}
export interface VoiceDayRow extends DayRow {
  handle: string;
  /** The platform's user id, or undefined when the key holds only its hash (ids over 256 bytes). */
  userId: string | undefined;
  /** The voice's identity: `{platform}#{key part of the user id}`, as the aggregator keyed it. */
  voiceKey: string;
}

export interface RollupReaderOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** Day Queries in flight at once for leaderboards and voices. */
  concurrency?: number;
}

const BY_DAY_INDEX = topology.tables.rollups.globalIndexes[0].indexName;

// Counter names collide with DynamoDB reserved words (DAY, COMMENT...), so every attribute goes through a name.
const COUNTER_ATTRIBUTES = STORED_METRICS;
interface Projection {
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
}
interface KeyCondition {
  IndexName?: string;
  KeyConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, string>;
}

// `sk` comes with every row, and so does the attribute naming its logical item: `visibleRollupItems` needs
// both to tell buckets and folds apart.
const projection = (keys: readonly string[], extra: readonly string[] = []): Projection => {
  const names = [...new Set(['sk', ...keys]), ...COUNTER_ATTRIBUTES, ...extra];
  return {
    ProjectionExpression: names.map((_, i) => `#p${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#p${i}`, n])),
  };
};

const isPlatform = (value: string | undefined): value is Platform =>
  value !== undefined && (PLATFORMS as readonly string[]).includes(value);

/** Splits at the first '#'; key parts built by shared/keys never contain a raw '#'. */
const splitFirst = (value: string): [string, string] => {
  const i = value.indexOf('#');
  return i < 0 ? [value, ''] : [value.slice(0, i), value.slice(i + 1)];
};

/**
 * Reads the rollups table with Queries only (no Scan), never fetching the per-post marker attributes.
 * Rows whose keys do not parse (written by something else) are skipped rather than failing a report.
 * A logical item may be several rows (its bucket chain: `{sk}#b{n}` with the base's index keys), so every
 * caller sums rows per day, KOL or voice and never assumes one row per key.
 */
export class RollupReader {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly concurrency: number;

  constructor(opts: RollupReaderOptions) {
    this.doc = opts.doc;
    this.tableName = opts.tableName;
    this.concurrency = opts.concurrency ?? 16;
  }

  /**
   * A campaign's total shards for days from..to (one platform, or all): one Query (plus pages) per platform's
   * byDay index partition, concurrently, and one of the legacy single partition (items written before the
   * totals were spread; docs/data-model.md, "Hot partitions"). The entries hold the counters but not the
   * per-post markers that make the items themselves grow with the campaign. Rows of both layouts with the
   * same day, platform and shard are simply further rows of that shard: callers sum them.
   */
  async totals(campaignId: string, from: Day, to: Day, platform?: Platform): Promise<DayRow[]> {
    const partitions = [
      ...(platform ? [platform] : PLATFORMS).map((p) => totalIndexPartition(campaignId, p)),
      legacyTotalIndexPartition(campaignId),
    ];
    const perPartition = await this.mapBounded(partitions, (partition) =>
      this.queryItems(
        { IndexName: BY_DAY_INDEX, ...this.dayRangeCondition(partition, from, to, 'gsi1pk', 'gsi1sk') },
        projection(['pk', 'gsi1sk']),
      ),
    );
    // Chains are told apart by their base keys, so the rows of all partitions are filtered together.
    const rows: DayRow[] = [];
    for (const item of visibleRollupItems(perPartition.flat())) {
      const [day, itemPlatform] = String(item.gsi1sk).split('#');
      if (day && isPlatform(itemPlatform) && (!platform || itemPlatform === platform))
        rows.push({ day, platform: itemPlatform, tally: tallyOfItem(item) });
    }
    return rows;
  }

  /** One KOL's per-platform rows for days from..to: one Query (plus pages). */
  async kolSeries(campaignId: string, kolId: string, from: Day, to: Day): Promise<KolDayRow[]> {
    const items = await this.queryAll(
      this.dayRangeCondition(kolSeriesPartition(campaignId, kolId), from, to),
      projection(['pk']),
      'pk',
    );
    const rows: KolDayRow[] = [];
    for (const item of items) {
      const [day, platform] = String(item.sk).split('#');
      if (day && isPlatform(platform)) rows.push({ kolId, day, platform, tally: tallyOfItem(item) });
    }
    return rows;
  }

  /**
   * Every roster KOL's rows covering from..to: one GSI Query per whole week inside the range (the KOL week
   * items) and one per leftover day at either end, `concurrency` at a time. A 30-day range takes 6 or 12
   * Queries, 90 days 18, a year 53 to 60.
   */
  async kolRange(campaignId: string, from: Day, to: Day): Promise<KolRangeRow[]> {
    const { weeks, days } = splitIntoWeeks(from, to);
    const partitions = [
      ...weeks.map((week) => kolWeekPartition(campaignId, week)),
      ...days.map((day) => kolDayPartition(campaignId, day)),
    ];
    const perPartition = await this.mapBounded(partitions, async (partition) => {
      const items = await this.queryIndexPartition(this.indexPartition(partition), projection(['gsi1sk']));
      const rows: KolRangeRow[] = [];
      for (const item of items) {
        const [kolId, platform] = splitFirst(String(item.gsi1sk));
        if (kolId && isPlatform(platform)) rows.push({ kolId, platform, tally: tallyOfItem(item) });
      }
      return rows;
    });
    return perPartition.flat();
  }

  /** Discovered voices' rows for the given days (optionally one platform): one GSI Query per day. */
  async voiceDays(campaignId: string, days: readonly Day[], platform?: Platform): Promise<VoiceDayRow[]> {
    const perDay = await this.mapBounded(days, async (day) => {
      const items = await this.queryIndexPartition(
        this.indexPartition(voiceDayPartition(campaignId, day), platform && `${platform}#`),
        projection(['gsi1sk'], ['handle']),
      );
      const rows: VoiceDayRow[] = [];
      for (const item of items) {
        const [itemPlatform, userIdPart] = splitFirst(String(item.gsi1sk));
        if (!isPlatform(itemPlatform) || !userIdPart) continue;
        const userId = isHashedKeyPart(userIdPart) ? undefined : unescapeKeyPart(userIdPart);
        rows.push({
          platform: itemPlatform,
          handle: typeof item.handle === 'string' ? item.handle : (userId ?? ''),
          userId,
          voiceKey: String(item.gsi1sk),
          day,
          tally: tallyOfItem(item),
        });
      }
      return rows;
    });
    return perDay.flat();
  }

  private dayRangeCondition(pk: string, from: Day, to: Day, pkName = 'pk', skName = 'sk'): KeyCondition {
    // '~' sorts after every character used in sort keys, so `${to}#~` closes the last day.
    return {
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
      ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': `${to}#~` },
    };
  }

  private indexPartition(gsi1pk: string, sortPrefix?: string): KeyCondition {
    return {
      IndexName: BY_DAY_INDEX,
      KeyConditionExpression: sortPrefix ? '#gpk = :gpk AND begins_with(#gsk, :prefix)' : '#gpk = :gpk',
      ExpressionAttributeNames: { '#gpk': 'gsi1pk', ...(sortPrefix ? { '#gsk': 'gsi1sk' } : {}) },
      ExpressionAttributeValues: { ':gpk': gsi1pk, ...(sortPrefix ? { ':prefix': sortPrefix } : {}) },
    };
  }

  /** When the campaign's figures were last observed, per platform (functions/aggregate/freshness.ts). */
  async lastObserved(campaignId: string): Promise<Map<string, string>> {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': freshnessPartition(campaignId) },
        ProjectionExpression: '#sk, #t',
        ExpressionAttributeNames: { '#sk': 'sk', '#t': 'lastObservedAt' },
      }),
    );
    return new Map(
      (page.Items ?? [])
        .filter((i) => typeof i.lastObservedAt === 'string')
        .map((i) => [String(i.sk), String(i.lastObservedAt)]),
    );
  }

  private async queryAll(
    condition: KeyCondition,
    fields: Projection,
    itemKey: string,
  ): Promise<Record<string, unknown>[]> {
    // A chain's rows share their keys' partition and sort position, so one Query holds all of them.
    return visibleRollupItems(await this.queryItems(condition, fields), itemKey);
  }

  /**
   * The visible rows of one byDay index partition whose sort key names a single logical item (a KOL day
   * or week partition: `{kolId}#{platform}`; a voice day partition: `{platform}#{user id}`). The sort key
   * then tells chains apart, so the rows come without `pk`: a fifth of each row's bytes, which DynamoDB
   * (or dynalite) serializes and the SDK parses once per row.
   */
  private queryIndexPartition(condition: KeyCondition, fields: Projection) {
    return this.queryAll(condition, fields, 'gsi1sk');
  }

  /** Every row of a Query (all pages), folded or not. */
  private async queryItems(condition: KeyCondition, fields: Projection): Promise<Record<string, unknown>[]> {
    const input: QueryCommandInput = {
      TableName: this.tableName,
      ...condition,
      ProjectionExpression: fields.ProjectionExpression,
      ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, ...fields.ExpressionAttributeNames },
    };
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async mapBounded<T, R>(inputs: readonly T[], fn: (input: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(inputs.length);
    let next = 0;
    const worker = async () => {
      while (next < inputs.length) {
        const i = next++;
        results[i] = await fn(inputs[i] as T);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, inputs.length) }, worker));
    return results;
  }
}
