import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { enabledPlatforms, type KolPulseConfig } from '../../shared/config';
import { BUDGET_SUMMARY_SK, budgetPartition } from '../../shared/keys';
import { json } from './responses';

/** One platform's budget use, as its poller last recorded it (functions/poll/budget-ledger.ts, SUMMARY). */
export interface BudgetUse {
  platform: string;
  /** When the poller recorded it; null before the first poll. */
  at: string | null;
  quotas: { name: string; unit: string; period: string; used: number; limit: number; fraction: number }[];
  lastRefreshAt: string | null;
  usdThisMonth: number | null;
}

type Quotas = { name: string; unit: string; period: string; used: number; limit: number }[];

/**
 * `GET /budgets`: per enabled platform, each quota's use in its current period, when tracked posts were last
 * refreshed and (X) the month's spend. Reads only the ledger's SUMMARY items (BatchGetItem on `BUDGET#*`).
 */
export const readBudgets = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  config: KolPulseConfig,
): Promise<BudgetUse[]> => {
  const platforms = enabledPlatforms(config).map(([p]) => p);
  if (platforms.length === 0) return [];
  const out = await doc.send(
    new BatchGetCommand({
      RequestItems: {
        [tableName]: { Keys: platforms.map((p) => ({ pk: budgetPartition(p), sk: BUDGET_SUMMARY_SK })) },
      },
    }),
  );
  const byPk = new Map((out.Responses?.[tableName] ?? []).map((i) => [i.pk, i]));
  return platforms.map((platform) => {
    const item = byPk.get(budgetPartition(platform));
    const quotas = (Array.isArray(item?.quotas) ? item.quotas : []) as Quotas;
    return {
      platform,
      at: typeof item?.at === 'string' ? item.at : null,
      quotas: quotas.map((q) => ({ ...q, fraction: q.limit > 0 ? q.used / q.limit : 1 })),
      lastRefreshAt: typeof item?.lastRefreshAt === 'string' ? item.lastRefreshAt : null,
      usdThisMonth: typeof item?.usdThisMonth === 'number' ? item.usdThisMonth : null,
    };
  });
};

export const budgetsResponse = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  config: KolPulseConfig,
): Promise<Response> => json({ items: await readBudgets(doc, tableName, config) });
