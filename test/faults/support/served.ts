import { expect } from 'vitest';
import {
  LOCAL_PLATFORM_CREDENTIALS,
  type PlatformApi,
  type PlatformStore,
  platformPostId,
} from '../../../infra/local/platform-api';
import type { KolPulseConfig } from '../../../shared/config';
import type { Observation } from '../../../shared/observation';
import type { Platform } from '../../../shared/platform';
import { createAdapter } from '../../../shared/platforms';
import type { SeededRandom } from '../../../shared/random';
import { computeOracle } from '../../support/oracle';
import type { Pipeline } from './pipeline';
import type { PollWorld } from './poll-process';

/** What a poll process needs to run against this pipeline and platform API. */
export const pollWorldOf = (
  parts: { config: KolPulseConfig; api: PlatformApi; pipeline: Pipeline; clock: PollWorld['clock'] },
  rng: SeededRandom,
  timeoutMs: number,
): PollWorld => ({
  config: parts.config,
  api: parts.api,
  dynamoEndpoint: parts.pipeline.dynamo.endpoint,
  stateTable: parts.pipeline.dynamo.tables.state,
  sqs: parts.pipeline.sqs.client,
  eventsQueueUrl: parts.pipeline.sqs.queues.events,
  clock: parts.clock,
  rng,
  enqueued: [],
  timeoutMs,
});

/**
 * Nothing the platforms served was lost: a fresh adapter's view of every live post that counts for a
 * campaign equals the latest observation that reached the queue. Returns how many posts it checked.
 */
export const expectNothingLost = async (
  world: PollWorld,
  store: PlatformStore,
  platforms: readonly Platform[],
): Promise<number> => {
  const latest = new Map<string, Observation>();
  for (const o of world.enqueued) {
    const key = `${o.platform}|${o.postId}`;
    const seen = latest.get(key);
    if (!seen || Date.parse(o.observedAt) >= Date.parse(seen.observedAt)) latest.set(key, o);
  }
  let checked = 0;
  for (const platform of platforms) {
    const adapter = createAdapter(platform, {
      baseUrl: world.api.baseUrls[platform],
      credentials: { ...LOCAL_PLATFORM_CREDENTIALS[platform] },
      now: world.clock.now,
    });
    const ids = store.list(platform).map(platformPostId);
    for (let i = 0; i < ids.length; i += adapter.maxRefreshBatch) {
      const truth = await adapter.refresh(ids.slice(i, i + adapter.maxRefreshBatch));
      for (const o of truth.observations) {
        if (Object.keys(computeOracle(world.config, [o])).length === 0) continue; // counts for no campaign
        checked++;
        const seen = latest.get(`${o.platform}|${o.postId}`);
        expect(seen, `${platform} post ${o.postId} was never observed`).toBeDefined();
        expect(seen?.counters, `${platform} post ${o.postId}`).toEqual(o.counters);
      }
    }
  }
  return checked;
};
