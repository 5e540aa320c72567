import type { SQSRecord } from 'aws-lambda';
import { describeIssues } from '../../shared/config';
import { rejectKey } from '../../shared/keys';
import { ObservationMessageSchema, ObservationSchema } from '../../shared/observation';
import { dayOf } from '../../shared/time';
import type { SourcedObservation } from './aggregator';

export const REJECT_RAW_LIMIT_BYTES = 8 * 1024;
export const REJECT_RETENTION_SECONDS = 30 * 24 * 3600;

/** A reject record of the state table: what was wrong, and enough of the input to look at it. */
export interface RejectItem extends Record<string, unknown> {
  pk: string;
  sk: string;
  kind: 'reject';
  source: string;
  messageId: string;
  index?: number;
  reason: string;
  raw: string;
  receivedAt: string;
  expiresAt: number;
}

export interface ParsedBatch {
  observations: SourcedObservation[];
  /** Reject records by SQS message id. */
  rejects: Map<string, RejectItem[]>;
}

/** Cuts a string to at most `limit` UTF-8 bytes without splitting a character. */
export const truncateUtf8 = (text: string, limit: number): string => {
  if (Buffer.byteLength(text, 'utf8') <= limit) return text;
  let bytes = 0;
  let out = '';
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > limit) break;
    bytes += size;
    out += char;
  }
  return out;
};

const epochMsAttribute = (value: string | undefined): number | undefined => {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
};

/**
 * Validates every record and every observation separately. Malformed input becomes reject records
 * (deterministic keys from the message id, and times from the message's own attributes, so a redelivery
 * writes the very same item); the valid observations beside it still count.
 */
export const parseRecords = (
  records: readonly SQSRecord[],
  now: number,
  source = 'aggregate',
): ParsedBatch => {
  const observations: SourcedObservation[] = [];
  const rejects = new Map<string, RejectItem[]>();
  for (const record of records) {
    const sentMs = epochMsAttribute(record.attributes?.SentTimestamp) ?? now;
    const receivedMs = epochMsAttribute(record.attributes?.ApproximateFirstReceiveTimestamp) ?? now;
    const day = dayOf(sentMs, 'UTC');
    const reject = (id: string, reason: string, raw: string, index?: number): RejectItem => ({
      ...rejectKey(day, id),
      kind: 'reject',
      source,
      messageId: record.messageId,
      ...(index === undefined ? {} : { index }),
      reason,
      raw: truncateUtf8(raw, REJECT_RAW_LIMIT_BYTES),
      receivedAt: new Date(receivedMs).toISOString(),
      expiresAt: Math.floor(receivedMs / 1000) + REJECT_RETENTION_SECONDS,
    });
    const list: RejectItem[] = [];
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch (e) {
      list.push(reject(record.messageId, `body is not JSON: ${(e as Error).message}`, record.body));
      rejects.set(record.messageId, list);
      continue;
    }
    const envelope = ObservationMessageSchema.safeParse(body);
    if (!envelope.success) {
      list.push(reject(record.messageId, `invalid message: ${describeIssues(envelope.error)}`, record.body));
      rejects.set(record.messageId, list);
      continue;
    }
    envelope.data.observations.forEach((raw, index) => {
      const parsed = ObservationSchema.safeParse(raw);
      const id = `${record.messageId}#${index}`;
      if (!parsed.success) {
        list.push(
          reject(
            id,
            `invalid observation ${index}: ${describeIssues(parsed.error)}`,
            JSON.stringify(raw),
            index,
          ),
        );
      } else if (parsed.data.platform !== envelope.data.platform) {
        list.push(
          reject(
            id,
            `invalid observation ${index}: platform: "${parsed.data.platform}" differs from the message's "${envelope.data.platform}"`,
            JSON.stringify(raw),
            index,
          ),
        );
      } else {
        observations.push({ recordId: record.messageId, observation: parsed.data });
      }
    });
    if (list.length > 0) rejects.set(record.messageId, list);
  }
  return { observations, rejects };
};
