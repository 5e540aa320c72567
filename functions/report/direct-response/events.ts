import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Campaign } from '../../../shared/config';
import { CurrencySchema } from '../../../shared/direct-response-config';
import { UNATTRIBUTED } from '../../../shared/direct-response-keys';
import { toMinorUnits } from '../../../shared/money';
import { type Day, dayOf } from '../../../shared/time';
import { normalizeTrackingCode, trackingCode } from '../../../shared/tracking';
import { badParameter } from '../errors';

/** Direct-response events (docs/direct-response.md): validation, attribution and the content fingerprint. */

export const EVENT_TYPES = ['click', 'lead', 'conversion', 'sale'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Events per request: a webhook sends one, the CSV import batches up to this many. */
export const MAX_EVENTS_PER_REQUEST = 100;
/** Event ids up to 256 characters (longer ones are hashed inside keys: shared/keys keyPart). */
export const MAX_EVENT_ID_LENGTH = 256;
/** Event times may run ahead of the server's clock by at most this much (clock skew). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

export const EventInputSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(MAX_EVENT_ID_LENGTH)
      .describe('Idempotency key: each id counts once per campaign'),
    type: z.enum(EVENT_TYPES),
    code: z.string().min(1).max(64).describe('Tracking code (utm_content of the tracked link)'),
    time: z.iso.datetime({ offset: true }).describe('When it happened (ISO 8601 with offset or Z)'),
    amount: z
      .union([z.string(), z.number()])
      .optional()
      .describe('Sale only: amount in major units, e.g. "49.90"'),
    currency: CurrencySchema.optional().describe('Sale only: ISO 4217 code'),
  })
  .strict();
export type EventInput = z.infer<typeof EventInputSchema>;

export const EventBatchSchema = z
  .object({ events: z.array(EventInputSchema).min(1).max(MAX_EVENTS_PER_REQUEST) })
  .strict();

/** One validated event, attributed to a KOL (or UNATTRIBUTED) and placed on its campaign day. */
export interface DirectEvent {
  id: string;
  type: EventType;
  /** The code as normalised (normalizeTrackingCode). */
  code: string;
  /** Epoch milliseconds. */
  time: number;
  amountMinor?: number;
  currency?: string;
  kolKey: string;
  day: Day;
  /** Hash of everything that is counted: a repeated id with another fingerprint is a conflict. */
  fingerprint: string;
}

const codeMaps = new WeakMap<Campaign, Map<string, string>>();
/** The roster KOL a normalised code belongs to, or UNATTRIBUTED. */
export const kolKeyOf = (campaign: Campaign, code: string): string => {
  let map = codeMaps.get(campaign);
  if (!map) {
    map = new Map(campaign.kols.map((k) => [trackingCode(campaign.id, k.id), k.id]));
    codeMaps.set(campaign, map);
  }
  return map.get(code) ?? UNATTRIBUTED;
};

const fingerprintOf = (e: Omit<DirectEvent, 'fingerprint' | 'kolKey' | 'day' | 'id'>): string =>
  createHash('sha256')
    .update(JSON.stringify([e.type, e.code, e.time, e.amountMinor ?? null, e.currency ?? null]))
    .digest('base64url')
    .slice(0, 22);

/** A problem with one field of one event: `field` is a path such as `events[2].amount`. */
export class EventProblem {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}

/** The event checked against the campaign and the clock, or the first problem with it. */
export const toDirectEvent = (
  input: EventInput,
  campaign: Campaign,
  nowMs: number,
  at: string,
): DirectEvent | EventProblem => {
  const time = Date.parse(input.time);
  if (time > nowMs + MAX_FUTURE_SKEW_MS) return new EventProblem(`${at}.time`, 'is in the future');
  const day = dayOf(time, campaign.timeZone);
  if (day < campaign.start)
    return new EventProblem(
      `${at}.time`,
      `is before the campaign starts (${campaign.start}, ${campaign.timeZone})`,
    );
  let amountMinor: number | undefined;
  if (input.type === 'sale') {
    if (input.amount === undefined) return new EventProblem(`${at}.amount`, 'is required on a sale');
    if (input.currency === undefined) return new EventProblem(`${at}.currency`, 'is required on a sale');
    const parsed = toMinorUnits(input.amount, input.currency);
    if ('problem' in parsed) return new EventProblem(`${at}.amount`, parsed.problem);
    amountMinor = parsed.minor;
  } else {
    if (input.amount !== undefined)
      return new EventProblem(`${at}.amount`, `is allowed on sales only, not on a ${input.type}`);
    if (input.currency !== undefined)
      return new EventProblem(`${at}.currency`, `is allowed on sales only, not on a ${input.type}`);
  }
  const code = normalizeTrackingCode(input.code);
  const base = {
    type: input.type,
    code,
    time,
    ...(amountMinor === undefined ? {} : { amountMinor, currency: input.currency }),
  };
  return { id: input.id, ...base, kolKey: kolKeyOf(campaign, code), day, fingerprint: fingerprintOf(base) };
};

const fieldPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );

/**
 * The request body (already authenticated) as events, or a 400 naming the first bad field. Repeats of an id
 * inside one request collapse to one when identical and are refused when they differ.
 */
export const parseEventBatch = (rawBody: string, campaign: Campaign, nowMs: number): DirectEvent[] => {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw badParameter('body', 'invalid_json', 'The body is not valid JSON');
  }
  const parsed = EventBatchSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = fieldPath(issue?.path ?? []) || 'body';
    throw badParameter(field, 'invalid_event', `${field}: ${issue?.message ?? 'invalid'}`);
  }
  const byId = new Map<string, DirectEvent>();
  parsed.data.events.forEach((input, i) => {
    const event = toDirectEvent(input, campaign, nowMs, `events[${i}]`);
    if (event instanceof EventProblem)
      throw badParameter(event.field, 'invalid_event', `${event.field} ${event.message}`);
    const earlier = byId.get(event.id);
    if (earlier && earlier.fingerprint !== event.fingerprint)
      throw badParameter(
        `events[${i}].id`,
        'conflicting_event',
        `events[${i}].id repeats an earlier id with other content`,
      );
    byId.set(event.id, event);
  });
  return [...byId.values()];
};
