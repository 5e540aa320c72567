import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type EnvRecord, optionalEnv } from '../env';
import { ENV } from '../topology';
import { createPublisher, type EventPublisher, eventBridgeSink, fileSink, noEvents } from './publisher';
import type { CampaignEvent } from './schemas';

/**
 * The publisher a function's environment names: EVENT_BUS_NAME (AWS: PutEvents to that bus), else
 * EVENTS_FILE (the local twin: NDJSON lines), else none (events off).
 */
export const publisherFromEnv = (env: EnvRecord, eventBridge?: () => EventBridgeClient): EventPublisher => {
  const bus = optionalEnv(env, ENV.eventBusName);
  if (bus) {
    if (!eventBridge) throw new Error(`${ENV.eventBusName} is set but no EventBridge client was given`);
    return createPublisher(eventBridgeSink(eventBridge(), bus), bus);
  }
  const file = optionalEnv(env, ENV.eventsFile);
  return file ? createPublisher(fileSink(file), 'local') : noEvents;
};

export interface EventLog {
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

/**
 * Publishes and logs; never throws. Called only after the caller's own data is durable, so a failure here
 * loses an event, never a rollup; a redelivered batch republishes it under the same eventId.
 */
export const publishAndLog = async (
  publisher: EventPublisher,
  events: readonly CampaignEvent[],
  log: EventLog,
): Promise<number> => {
  if (events.length === 0) return 0;
  try {
    const result = await publisher.publish(events);
    if (result.failed.length > 0)
      log.error('campaign events not published after retries', {
        failed: result.failed.length,
        errorCodes: [...new Set(result.failed.map((f) => f.errorCode))],
        target: publisher.description,
      });
    return result.published;
  } catch (e) {
    log.error('campaign events not published', { error: e, target: publisher.description });
    return 0;
  }
};
