import type { SQSRecord } from 'aws-lambda';
import { describeIssues } from '../../shared/config';
import { summariseBody } from '../../shared/json-summary';
import { rejectKey } from '../../shared/keys';
import { type Observation, ObservationMessageSchema, ObservationSchema } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
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

/** One observation of a valid message, checked on its own. */
export type ObservationCheck =
  | { index: number; raw: unknown; status: 'valid'; observation: Observation }
  | { index: number; raw: unknown; status: 'invalid'; issues: string }
  /** A valid observation of another platform than the message's. */
  | { index: number; raw: unknown; status: 'other-platform'; platform: Platform };

/** What the aggregate makes of a message body: the checks it runs before aggregating anything. */
export type BodyCheck =
  | { status: 'not-json'; error: string }
  | { status: 'invalid-message'; issues: string }
  | { status: 'message'; platform: Platform; observations: ObservationCheck[] };

export const checkBody = (body: string): BodyCheck => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { status: 'not-json', error: (e as Error).message };
  }
  const envelope = ObservationMessageSchema.safeParse(json);
  if (!envelope.success) return { status: 'invalid-message', issues: describeIssues(envelope.error) };
  const { platform } = envelope.data;
  const observations = envelope.data.observations.map((raw, index): ObservationCheck => {
    const parsed = ObservationSchema.safeParse(raw);
    if (!parsed.success) return { index, raw, status: 'invalid', issues: describeIssues(parsed.error) };
    if (parsed.data.platform !== platform)
      return { index, raw, status: 'other-platform', platform: parsed.data.platform };
    return { index, raw, status: 'valid', observation: parsed.data };
  });
  return { status: 'message', platform, observations };
};

const observationRejectReason = (
  check: Exclude<ObservationCheck, { status: 'valid' }>,
  messagePlatform: Platform,
): string =>
  check.status === 'invalid'
    ? `invalid observation ${check.index}: ${check.issues}`
    : `invalid observation ${check.index}: platform: "${check.platform}" differs from the message's "${messagePlatform}"`;

/** Reject records of one SQS record: keys from its message id, times from its own attributes. */
const rejectsOf = (record: SQSRecord, now: number, source: string) => {
  const sentMs = epochMsAttribute(record.attributes?.SentTimestamp) ?? now;
  const receivedMs = epochMsAttribute(record.attributes?.ApproximateFirstReceiveTimestamp) ?? now;
  const day = dayOf(sentMs, 'UTC');
  return (id: string, reason: string, raw: string, index?: number): RejectItem => ({
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
};

const rawText = (raw: unknown): string => summariseBody(raw, '', REJECT_RAW_LIMIT_BYTES);

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
    const reject = rejectsOf(record, now, source);
    const checked = checkBody(record.body);
    const list: RejectItem[] = [];
    if (checked.status === 'not-json')
      list.push(reject(record.messageId, `body is not JSON: ${checked.error}`, record.body));
    else if (checked.status === 'invalid-message')
      list.push(reject(record.messageId, `invalid message: ${checked.issues}`, record.body));
    else
      for (const check of checked.observations) {
        if (check.status === 'valid') {
          observations.push({ recordId: record.messageId, observation: check.observation });
          continue;
        }
        const reason = observationRejectReason(check, checked.platform);
        list.push(
          // Bounded, never-throwing text: a raw item nested 100,000 deep would make JSON.stringify throw.
          reject(`${record.messageId}#${check.index}`, reason, rawText(check.raw), check.index),
        );
      }
    if (list.length > 0) rejects.set(record.messageId, list);
  }
  return { observations, rejects };
};
