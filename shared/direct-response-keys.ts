import { keyPart } from './keys';
import type { Day } from './time';

/**
 * Direct-response items in the rollups table (docs/data-model.md, "Direct response"). Campaign and KOL ids
 * hold no '#' (config IdSchema) and event ids go through keyPart, so these never collide with other keys.
 */

/** The sort-key part of events whose tracking code matches no roster KOL ('~' is no KOL id character). */
export const UNATTRIBUTED = '~';

/** The claim of one event id: pins its content (fingerprint) and the KOL day it lands on, once. */
export const eventClaimKey = (campaignId: string, eventId: string) => ({
  pk: `C#${campaignId}#DRE#${keyPart(eventId)}`,
  sk: 'EVENT',
});

/** One counted event, under its campaign day; the sort key starts with the KOL (or `~`). */
export const eventRowKey = (campaignId: string, day: Day, kolKey: string, eventId: string) => ({
  pk: eventDayPartition(campaignId, day),
  sk: `${kolKey}#${keyPart(eventId)}`,
});

export const eventDayPartition = (campaignId: string, day: Day) => `C#${campaignId}#DR#${day}`;

/** IAM LeadingKeys patterns of the two item kinds (infra/stacks/table-grants.ts). */
export const DIRECT_RESPONSE_LEADING_KEYS = ['C#*#DRE#*', 'C#*#DR#*'] as const;
