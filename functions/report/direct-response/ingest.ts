import type { KolPulseConfig } from '../../../shared/config';
import { SIGNATURE_HEADER, verifySignature } from '../../../shared/signature';
import { ApiError, badParameter } from '../errors';
import { findCampaign } from '../report';
import { parseEventBatch } from './events';
import type { SigningSecrets } from './secrets';
import type { DirectResponseStore, EventResult } from './store';

/** Largest accepted body: 100 events of a few hundred bytes each fit with room to spare. */
export const MAX_EVENTS_BODY_BYTES = 256 * 1024;

export interface IngestDeps {
  config: KolPulseConfig;
  store: DirectResponseStore;
  secrets: SigningSecrets;
  /** The business clock (event times may not run ahead of it). */
  now: () => number;
  /** The wall clock the signature's timestamp is checked against (the twin's business clock may be simulated). */
  wallClock: () => number;
}

const tooLarge = () =>
  new ApiError(
    413,
    'body_too_large',
    `The body exceeds ${MAX_EVENTS_BODY_BYTES} bytes; send at most 100 events per request`,
  );

/**
 * `POST /campaigns/{id}/events`, in this order so that nothing unauthenticated is ever parsed and nothing is
 * written unless every event is valid: size (413), campaign (404), signature over the raw bytes (401),
 * body and every event (400 naming the field), then the exactly-once writes.
 */
export const ingestEvents = async (
  deps: IngestDeps,
  campaignId: string,
  req: Request,
): Promise<{ campaignId: string; results: EventResult[] }> => {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_EVENTS_BODY_BYTES) throw tooLarge();
  const campaign = findCampaign(deps.config, campaignId);
  const secrets = await deps.secrets.secretsFor(campaign.id);
  if (secrets.length === 0)
    throw new ApiError(
      503,
      'ingest_not_configured',
      `No signing secret is configured for campaign "${campaign.id}"`,
    );
  const body = new Uint8Array(await req.arrayBuffer());
  if (body.byteLength > MAX_EVENTS_BODY_BYTES) throw tooLarge();
  const check = verifySignature(req.headers.get(SIGNATURE_HEADER), body, secrets, deps.wallClock());
  if (!check.ok)
    throw new ApiError(401, 'invalid_signature', `Signature refused: ${check.reason}`, SIGNATURE_HEADER);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw badParameter('body', 'invalid_encoding', 'The body is not UTF-8');
  }
  const events = parseEventBatch(text, campaign, deps.now());
  return { campaignId: campaign.id, results: await deps.store.record(campaign.id, events) };
};
