import { describe, expect, it } from 'vitest';
import { checkBody, parseRecords, truncateUtf8 } from '../../../functions/aggregate/records';
import { makeMessage, makeObservation, makeSqsRecord } from '../../support/observations';

const sent = Date.parse('2026-03-06T23:59:00Z');

describe('Function: parseRecords', () => {
  it('keeps the valid observations of a message and rejects the invalid ones one by one', () => {
    const good = makeObservation();
    const record = makeSqsRecord(
      makeMessage([good, { ...good, observedAt: 'later' }, { ...good, platform: 'mastodon' }], 'x'),
      { messageId: 'm1', sentTimestamp: sent },
    );
    const parsed = parseRecords([record], Date.parse('2026-03-07T10:00:00Z'));
    expect(parsed.observations).toEqual([{ recordId: 'm1', observation: good }]);
    const rejects = parsed.rejects.get('m1') ?? [];
    expect(rejects.map((r) => [r.pk, r.sk, r.index])).toEqual([
      ['REJECT#2026-03-06', 'm1#1', 1],
      ['REJECT#2026-03-06', 'm1#2', 2],
    ]);
    expect(rejects[0]?.reason).toMatch(/^invalid observation 1: observedAt: /);
    expect(rejects[1]?.reason).toMatch(/platform: "mastodon" differs from the message's "x"/);
    expect(rejects[0]?.raw).toContain('"observedAt":"later"');
  });

  it('rejects an observation nested 100,000 deep without throwing, its neighbours still counted', () => {
    const good = makeObservation();
    const body = `{"version":1,"platform":"x","observations":[${JSON.stringify(good)},${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;
    const parsed = parseRecords([makeSqsRecord(body, { messageId: 'deep', sentTimestamp: sent })], sent);
    expect(parsed.observations).toEqual([{ recordId: 'deep', observation: good }]);
    const [reject] = parsed.rejects.get('deep') ?? [];
    expect(reject?.sk).toBe('deep#1');
    expect(reject?.raw.length).toBeLessThan(1_000);
  });

  it('rejects a whole record whose body is not JSON or not a valid envelope, naming the field', () => {
    const parsed = parseRecords(
      [
        makeSqsRecord('nope', { messageId: 'a', sentTimestamp: sent }),
        makeSqsRecord(
          { version: 1, platform: 'myspace', observations: [{}] },
          { messageId: 'b', sentTimestamp: sent },
        ),
        makeSqsRecord(
          { version: 1, platform: 'x', observations: [] },
          { messageId: 'c', sentTimestamp: sent },
        ),
      ],
      sent,
    );
    expect(parsed.observations).toEqual([]);
    expect(parsed.rejects.get('a')?.[0]?.reason).toMatch(/^body is not JSON/);
    expect(parsed.rejects.get('b')?.[0]?.reason).toMatch(/^invalid message: platform: /);
    expect(parsed.rejects.get('c')?.[0]?.reason).toMatch(/^invalid message: observations: /);
  });

  it('derives keys and times from the message, so a redelivery writes the very same reject', () => {
    const record = makeSqsRecord('nope', { messageId: 'a', sentTimestamp: sent });
    const first = parseRecords([record], Date.parse('2026-03-07T00:00:00Z')).rejects.get('a');
    const later = parseRecords([record], Date.parse('2026-03-09T00:00:00Z')).rejects.get('a');
    expect(later).toEqual(first);
    expect(first?.[0]).toMatchObject({
      receivedAt: new Date(sent).toISOString(),
      expiresAt: Math.floor(sent / 1000) + 30 * 86_400,
    });
  });
});

describe('Function: checkBody', () => {
  it('tells a body that is not JSON from an invalid envelope and checks each observation on its own', () => {
    const good = makeObservation();
    expect(checkBody('nope')).toMatchObject({ status: 'not-json' });
    expect(checkBody(JSON.stringify({ version: 2, platform: 'x', observations: [good] }))).toMatchObject({
      status: 'invalid-message',
      issues: expect.stringMatching(/^version: /),
    });
    const checked = checkBody(
      JSON.stringify(makeMessage([good, { ...good, postId: '' }, { ...good, platform: 'reddit' }], 'x')),
    );
    expect(checked.status === 'message' && checked.observations.map((o) => o.status)).toEqual([
      'valid',
      'invalid',
      'other-platform',
    ]);
    expect(checked).toMatchObject({
      platform: 'x',
      observations: [
        { index: 0, observation: good },
        { index: 1, issues: expect.stringMatching(/^postId: /) },
        { index: 2, platform: 'reddit' },
      ],
    });
  });
});

describe('Function: truncateUtf8', () => {
  it('cuts to the byte limit without splitting a character', () => {
    expect(truncateUtf8('abc', 8)).toBe('abc');
    expect(truncateUtf8('界界界', 7)).toBe('界界');
    expect(truncateUtf8('a😀b', 4)).toBe('a');
  });
});
