import type { Message, MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import { checkBody } from '../../functions/aggregate/records';
import { queueCounts, receiveBatch, releaseMessages } from './queue';

export interface DlqReport {
  queueUrl: string;
  /** ApproximateNumberOfMessages (visible) and ...NotVisible, before reading. */
  approximateVisible: number;
  approximateNotVisible: number;
  /** Messages actually read. */
  inspected: number;
  observations: number;
  byReason: { reason: string; count: number; messageIds: string[] }[];
  byReceiveCount: Record<string, number>;
  byAttribute: Record<string, number>;
  byPlatform: Record<string, number>;
  oldestSentAt?: string;
  newestSentAt?: string;
}

/** Why the aggregate would reject a body, in the aggregate's own terms; `valid` when it would accept it. */
export const classifyBody = (
  body: string,
): { reason: string; platform?: string; observations: number; valid: boolean } => {
  const checked = checkBody(body);
  if (checked.status === 'not-json') return { reason: 'body is not JSON', observations: 0, valid: false };
  if (checked.status === 'invalid-message')
    return { reason: `invalid message: ${checked.issues}`, observations: 0, valid: false };
  const { platform, observations } = checked;
  const problems = new Set<string>();
  for (const o of observations) {
    if (o.status === 'invalid') problems.add(o.issues);
    else if (o.status === 'other-platform') problems.add(`platform differs from the message's "${platform}"`);
  }
  if (problems.size > 0)
    return {
      reason: `invalid observations (${[...problems].sort().join(' | ')})`,
      platform,
      observations: observations.length,
      valid: false,
    };
  return {
    reason: 'valid message: failed downstream (search the aggregate logs for the message id)',
    platform,
    observations: observations.length,
    valid: true,
  };
};

const attributeLabel = (name: string, value: MessageAttributeValue): string =>
  `${name}=${value.StringValue ?? (value.BinaryValue ? '<binary>' : '')}`;

type ReasonGroups = Map<string, { count: number; messageIds: string[] }>;

const countMessage = (report: DlqReport, reasons: ReasonGroups, m: Message): void => {
  report.inspected++;
  const c = classifyBody(m.Body ?? '');
  report.observations += c.observations;
  const r = reasons.get(c.reason) ?? { count: 0, messageIds: [] };
  r.count++;
  if (r.messageIds.length < 5) r.messageIds.push(m.MessageId ?? '');
  reasons.set(c.reason, r);
  const receives = m.Attributes?.ApproximateReceiveCount ?? 'unknown';
  report.byReceiveCount[receives] = (report.byReceiveCount[receives] ?? 0) + 1;
  if (c.platform) report.byPlatform[c.platform] = (report.byPlatform[c.platform] ?? 0) + 1;
  for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) {
    const label = attributeLabel(name, value);
    report.byAttribute[label] = (report.byAttribute[label] ?? 0) + 1;
  }
  const sourceArn = m.Attributes?.DeadLetterQueueSourceArn;
  if (sourceArn) {
    const label = `DeadLetterQueueSourceArn=${sourceArn}`;
    report.byAttribute[label] = (report.byAttribute[label] ?? 0) + 1;
  }
  const sent = Number(m.Attributes?.SentTimestamp);
  if (Number.isFinite(sent) && sent > 0) {
    const iso = new Date(sent).toISOString();
    if (!report.oldestSentAt || iso < report.oldestSentAt) report.oldestSentAt = iso;
    if (!report.newestSentAt || iso > report.newestSentAt) report.newestSentAt = iso;
  }
};

/** Reads up to `max` messages, then makes every one of them visible again: inspecting consumes nothing. */
export const inspectDlq = async (
  client: SQSClient,
  queueUrl: string,
  options: { max?: number; waitSeconds?: number } = {},
): Promise<DlqReport> => {
  const before = await queueCounts(client, queueUrl);
  const max = options.max ?? 10_000;
  const held: Message[] = [];
  const seen = new Set<string>();
  const report: DlqReport = {
    queueUrl,
    approximateVisible: before.visible,
    approximateNotVisible: before.notVisible,
    inspected: 0,
    observations: 0,
    byReason: [],
    byReceiveCount: {},
    byAttribute: {},
    byPlatform: {},
  };
  const reasons: ReasonGroups = new Map();
  try {
    while (held.length < max) {
      const batch = await receiveBatch(client, queueUrl, options.waitSeconds ?? 1);
      if (batch.length === 0) break;
      held.push(...batch);
      for (const m of batch) {
        const id = m.MessageId ?? '';
        if (seen.has(id)) continue;
        seen.add(id);
        countMessage(report, reasons, m);
      }
    }
  } finally {
    await releaseMessages(client, queueUrl, held);
  }
  report.byReason = [...reasons]
    .map(([reason, r]) => ({ reason, ...r }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return report;
};

export const formatReport = (r: DlqReport): string => {
  const lines = [
    `DLQ ${r.queueUrl}`,
    `  ~${r.approximateVisible} visible, ~${r.approximateNotVisible} in flight; inspected ${r.inspected} message(s), ${r.observations} observation(s)`,
  ];
  if (r.oldestSentAt) lines.push(`  sent between ${r.oldestSentAt} and ${r.newestSentAt}`);
  if (r.byReason.length > 0) lines.push('  by reason:');
  for (const g of r.byReason)
    lines.push(`    ${String(g.count).padStart(6)}  ${g.reason}  (e.g. ${g.messageIds.join(', ')})`);
  const section = (title: string, counts: Record<string, number>) => {
    const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
    if (entries.length === 0) return;
    lines.push(`  by ${title}:`);
    for (const [k, n] of entries) lines.push(`    ${String(n).padStart(6)}  ${k}`);
  };
  section('receive count', r.byReceiveCount);
  section('platform', r.byPlatform);
  section('attribute', r.byAttribute);
  return lines.join('\n');
};
