import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { SpikeSchema } from '../../shared/events/schemas';
import { spikeRecordPartition } from '../../shared/keys';
import { dayOf } from '../../shared/time';
import { type CsvColumn, toCsv } from './csv';
import { csvFilename } from './csv-writers';
import { parseFormat, parseLimit, QueryParams } from './params';
import { findCampaign } from './report';
import { csvResponse, json } from './responses';
import type { Route } from './routes';
import type { RecentEvent, RecentEventsResponse } from './schemas';

export type { RecentEvent, RecentEventsResponse } from './schemas';

/**
 * `GET /campaigns/{id}/events/recent`: the campaign's latest spikes, newest hour first, from the spike
 * records the aggregate keeps (`C#{campaign}#EV`, 30 days; docs/events.md). One Query, no Scan. Each item
 * is the SpikeDetected detail plus `day`, the campaign day of its hour (where the dashboard marks it).
 */
export class SpikeRecords {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The newest `limit` spike details of a campaign (records whose detail no longer parses are skipped). */
  async recent(campaignId: string, limit: number): Promise<z.infer<typeof SpikeSchema>[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': spikeRecordPartition(campaignId) },
        ProjectionExpression: 'detail',
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).flatMap((item) => {
      const parsed = SpikeSchema.safeParse(item.detail);
      return parsed.success ? [parsed.data] : [];
    });
  }
}

const scopeText = (e: RecentEvent): string =>
  e.scope.kind === 'campaign'
    ? 'campaign'
    : e.scope.kind === 'kol'
      ? `kol:${e.scope.kolId}`
      : `voice:${e.scope.platform}:${e.scope.handle}`;

export const EVENT_CSV_COLUMNS: CsvColumn<RecentEvent>[] = [
  { header: 'hour', value: (e) => e.hour },
  { header: 'day', value: (e) => e.day },
  { header: 'scope', value: scopeText },
  { header: 'metric', value: (e) => e.metric },
  { header: 'value', value: (e) => e.value },
  { header: 'baseline', value: (e) => e.baseline },
  { header: 'factor', value: (e) => e.factor },
  { header: 'eventId', value: (e) => e.eventId },
];

/** Route factory: the spike records reader is made once with the handler. */
export const recentEvents =
  (records: SpikeRecords): Route =>
  async (ctx, req, path) => {
    const params = QueryParams.fromUrl(req.url);
    params.allowOnly(['limit', 'format']);
    const format = parseFormat(params, req.headers.get('accept'));
    const campaign = findCampaign(ctx.config, path.campaignId ?? '');
    const limit = parseLimit(params);
    const items: RecentEvent[] = (await records.recent(campaign.id, limit)).map((e) => ({
      ...e,
      day: dayOf(e.hour, campaign.timeZone),
    }));
    if (format === 'csv')
      return csvResponse(toCsv(EVENT_CSV_COLUMNS, items), csvFilename([campaign.id, 'events']));
    const body: RecentEventsResponse = { campaignId: campaign.id, timeZone: campaign.timeZone, items };
    return json(body);
  };
