import { describe, expect, it } from 'vitest';
import { pollCycleEvents } from '../../../functions/poll/poll-events';
import { emptySummary, type PollSummary } from '../../../functions/poll/summary';
import { parseEvent } from '../../../shared/events/schemas';

const NOW = Date.parse('2026-11-20T12:00:00Z');

const summaryWith = (patch: Partial<PollSummary>): PollSummary => ({
  ...emptySummary('x', 'x-poll-1', 'complete'),
  ...patch,
});

const readsUse = (used: number) => ({
  name: 'reads',
  unit: 'post reads',
  period: 'month',
  used,
  limit: 2_000_000,
});

describe('pollCycleEvents', () => {
  it('publishes nothing for a complete cycle well inside its budget', () => {
    expect(
      pollCycleEvents('x', undefined, summaryWith({ budgetUse: [readsUse(1_000)] }), 'dev', NOW),
    ).toEqual([]);
  });

  it('warns once a monthly quota reaches 80%, with the calendar month as its period', () => {
    const events = pollCycleEvents(
      'x',
      undefined,
      summaryWith({ budgetUse: [readsUse(1_700_000)] }),
      'dev',
      NOW,
    );
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event && parseEvent(event)).toEqual(event);
    expect(event?.detailType).toBe('BudgetNearlySpent');
    expect(event?.detail).toMatchObject({
      platform: 'x',
      budget: 'x-reads-month',
      period: '2026-11',
      used: 1_700_000,
    });
    const later = pollCycleEvents(
      'x',
      undefined,
      summaryWith({ budgetUse: [readsUse(1_900_000)] }),
      'dev',
      NOW + 3_600_000,
    );
    expect(later[0]?.detail.eventId).toBe(event?.detail.eventId);
  });

  it('does not warn on daily quotas, which are paced to be spent by the end of each day', () => {
    const summary = summaryWith({
      platform: 'youtube',
      budgetUse: [{ name: 'search', unit: 'calls', period: 'day', used: 100, limit: 100 }],
    });
    expect(pollCycleEvents('youtube', undefined, summary, 'dev', NOW)).toEqual([]);
  });

  it('reports a cycle that stopped early as falling behind', () => {
    const events = pollCycleEvents(
      'x',
      undefined,
      summaryWith({ stoppedReason: 'rate-limited' }),
      'dev',
      NOW,
    );
    expect(events.map((e) => e.detailType)).toEqual(['PollerFallingBehind']);
  });
});
