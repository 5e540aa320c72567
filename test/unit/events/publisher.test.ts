import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { budgetNearlySpentEvent, pollerBehindEvent } from '../../../shared/events/builders';
import {
  createPublisher,
  entrySize,
  eventBridgeSink,
  PUT_EVENTS_MAX_BYTES,
  putEventsBatches,
} from '../../../shared/events/publisher';
import type { CampaignEvent } from '../../../shared/events/schemas';

const eventBridge = mockClient(EventBridgeClient);
afterEach(() => eventBridge.reset());

const NOW = Date.parse('2026-11-30T14:05:00Z');
const behind = (i: number): CampaignEvent => {
  const event = pollerBehindEvent(
    {
      platform: 'x',
      pollId: `x-${i}`,
      stoppedReason: 'deadline',
      searchesResumable: 1,
      lateReadsResumable: 0,
      failures: [],
    },
    'test',
    NOW,
  );
  if (!event) throw new Error('expected an event');
  return event;
};
const noSleep = { sleep: async () => undefined };
const detailOf = (entry: { Detail?: string }) => JSON.parse(entry.Detail ?? '{}') as { eventId: string };

describe('Method: publish (EventBridge sink)', () => {
  it('retries only the entries PutEvents reports failed, until every one is in', async () => {
    // Arrange: the first call fails entries 1 and 3 (throttled, internal), the retry succeeds.
    const events = [0, 1, 2, 3].map(behind);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
          { EventId: 'c' },
          { ErrorCode: 'InternalFailure' },
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }, { EventId: 'd' }] });
    const publisher = createPublisher(eventBridgeSink(new EventBridgeClient({}), 'bus'), 'bus', noSleep);
    // Act
    const result = await publisher.publish(events);
    // Assert
    expect(result).toMatchObject({ published: 4, failed: [], calls: 2 });
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls[0]?.args[0].input.Entries?.map(detailOf).map((d) => d.eventId)).toEqual(
      events.map((e) => e.detail.eventId),
    );
    expect(calls[1]?.args[0].input.Entries?.map(detailOf).map((d) => d.eventId)).toEqual([
      events[1]?.detail.eventId,
      events[3]?.detail.eventId,
    ]);
    for (const entry of calls[0]?.args[0].input.Entries ?? [])
      expect(entry).toMatchObject({
        EventBusName: 'bus',
        Source: 'kol-pulse',
        DetailType: 'PollerFallingBehind',
      });
  });

  it('retries a call that failed as a whole, and returns what still failed after the attempts without throwing', async () => {
    // Arrange
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('network'), { name: 'TimeoutError' }))
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const publisher = createPublisher(eventBridgeSink(new EventBridgeClient({}), 'bus'), 'bus', {
      ...noSleep,
      attempts: 3,
    });
    // Act
    const result = await publisher.publish([behind(0)]);
    // Assert
    expect(result.published).toBe(0);
    expect(result.calls).toBe(3);
    expect(result.failed.map((f) => f.errorCode)).toEqual(['InternalFailure']);
  });

  it('sends at most 10 entries per PutEvents call', async () => {
    // Arrange
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: String(i) })),
    }));
    const publisher = createPublisher(eventBridgeSink(new EventBridgeClient({}), 'bus'), 'bus', noSleep);
    // Act
    const result = await publisher.publish(Array.from({ length: 23 }, (_, i) => behind(i)));
    // Assert
    expect(result.published).toBe(23);
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      10, 10, 3,
    ]);
  });

  it('refuses an event that is not valid for its schema before sending anything', async () => {
    const bad = { detailType: 'SpikeDetected', detail: { eventId: 'x' } } as unknown as CampaignEvent;
    const publisher = createPublisher(eventBridgeSink(new EventBridgeClient({}), 'bus'), 'bus', noSleep);
    await expect(publisher.publish([bad])).rejects.toThrow(/eventId/);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});

describe('Function: putEventsBatches', () => {
  it('keeps every call under 256 KB, sized the way EventBridge sizes entries', () => {
    // Arrange: entries of ~100 KB each, so two fit and a third does not.
    const entry = { Source: 'kol-pulse', DetailType: 'X', Detail: 'a'.repeat(100 * 1024), Time: new Date() };
    // Act
    const batches = putEventsBatches([entry, entry, entry, entry, entry]);
    // Assert
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const b of batches)
      expect(b.reduce((n, e) => n + entrySize(e), 0)).toBeLessThan(PUT_EVENTS_MAX_BYTES);
    expect(entrySize({ Source: 'ab', DetailType: 'é', Detail: '{}', Time: new Date() })).toBe(14 + 2 + 2 + 2);
    expect(() => putEventsBatches([{ ...entry, Detail: 'a'.repeat(PUT_EVENTS_MAX_BYTES) }])).toThrow(
      /over 256 KB/,
    );
  });
});

describe('Builders: deterministic ids', () => {
  it('a poll cycle that completed is not behind; a retried invocation repeats the same id', () => {
    const base = {
      platform: 'x' as const,
      pollId: 'x-1',
      searchesResumable: 0,
      lateReadsResumable: 0,
      failures: [],
    };
    expect(pollerBehindEvent({ ...base, stoppedReason: 'complete' }, 's', NOW)).toBeUndefined();
    const a = pollerBehindEvent({ ...base, stoppedReason: 'budget' }, 's', NOW);
    const b = pollerBehindEvent({ ...base, stoppedReason: 'budget' }, 's', NOW + 1000);
    expect(a?.detail.eventId).toBe(b?.detail.eventId);
    expect(
      pollerBehindEvent({ ...base, stoppedReason: 'complete', searchesResumable: 2 }, 's', NOW),
    ).toBeDefined();
  });

  it('a budget fires at its warning share, once per budget, period and threshold', () => {
    const reading = {
      platform: 'x' as const,
      budget: 'x-post-reads-month',
      period: '2026-11',
      used: 790,
      limit: 1000,
    };
    expect(budgetNearlySpentEvent(reading, 's', NOW)).toBeUndefined();
    const first = budgetNearlySpentEvent({ ...reading, used: 800 }, 's', NOW);
    const later = budgetNearlySpentEvent({ ...reading, used: 950 }, 's', NOW);
    expect(first?.detail).toMatchObject({ ratio: 0.8, threshold: 0.8 });
    expect(later?.detail.eventId).toBe(first?.detail.eventId);
    expect(
      budgetNearlySpentEvent({ ...reading, period: '2026-12', used: 900 }, 's', NOW)?.detail.eventId,
    ).not.toBe(first?.detail.eventId);
  });
});
