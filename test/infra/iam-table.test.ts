import { type App, Validations } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { cursorKey, kolDayKey, postStateKey, rejectKey, trackPartition } from '../../shared/keys';
import { buildFixtureApp, FIXTURE_PLATFORMS, synthesize, synthFixture } from './support/app';
import { type GrantRow, grantRows, leadingKeys, rowsOfFunction } from './support/iam';

/**
 * The whole IAM surface of every function, as a table: any grant missing from it or added to it fails.
 * Resources are named by what they are (`state table`, `events queue`, `x secret`), conditions written out.
 */
const LOGS_AND_TRACES: [string, string, string][] = [
  ['logs:CreateLogStream', 'own log group', ''],
  ['logs:PutLogEvents', 'own log group', ''],
  ['xray:PutTelemetryRecords', '*', ''],
  ['xray:PutTraceSegments', '*', ''],
];

const pollRows = (platform: string): [string, string, string][] => [
  ['dynamodb:GetItem', 'state table', leadingKeys(`CURSOR#${platform}`)],
  ['dynamodb:PutItem', 'state table', leadingKeys(`CURSOR#${platform}`)],
  ['dynamodb:BatchWriteItem', 'state table', leadingKeys('REJECT#*')],
  ['dynamodb:Query', 'state table/index/byTrackDay', leadingKeys(`TRACK#${platform}#*`)],
  ['dynamodb:BatchGetItem', 'state table', leadingKeys(`BUDGET#${platform}`)],
  ['dynamodb:UpdateItem', 'state table', leadingKeys(`BUDGET#${platform}`)],
  ['dynamodb:PutItem', 'state table', leadingKeys(`BUDGET#${platform}`)],
  ['dynamodb:Query', 'state table', leadingKeys(`PREC#${platform}#*`)],
  ['dynamodb:UpdateItem', 'state table', leadingKeys(`PREC#${platform}#*`)],
  ['sqs:SendMessage', 'events queue', ''],
  ['secretsmanager:GetSecretValue', `${platform} secret`, ''],
  ['events:PutEvents', 'campaign event bus', ''],
];

const EXPECTED: Record<string, [string, string, string][]> = {
  ...Object.fromEntries(FIXTURE_PLATFORMS.map((p) => [`poll-${p}`, pollRows(p)])),
  aggregate: [
    ['dynamodb:BatchGetItem', 'state table', leadingKeys('POST#*')],
    ['dynamodb:UpdateItem', 'state table', leadingKeys('POST#*')],
    ['dynamodb:BatchWriteItem', 'state table', leadingKeys('QUARANTINE', 'REJECT#*')],
    ['dynamodb:BatchGetItem', 'rollups table', ''],
    ['dynamodb:GetItem', 'rollups table', ''],
    ['dynamodb:UpdateItem', 'rollups table', ''],
    ['dynamodb:Query', 'rollups table', ''],
    ['dynamodb:PutItem', 'rollups table', leadingKeys('C#*#EV')],
    ['events:PutEvents', 'campaign event bus', ''],
    ['sqs:ReceiveMessage', 'events queue', ''],
    ['sqs:DeleteMessage', 'events queue', ''],
    ['sqs:GetQueueAttributes', 'events queue', ''],
  ],
  report: [
    ['dynamodb:Query', 'rollups table', ''],
    ['dynamodb:Query', 'rollups table/index/byDay', ''],
    ['dynamodb:BatchGetItem', 'state table', leadingKeys('BUDGET#*')],
    ['dynamodb:PutItem', 'rollups table', leadingKeys('C#*#DR#*', 'C#*#DRE#*')],
    ['secretsmanager:GetSecretValue', 'secret kol-pulse-dev-direct-response-launch-week', ''],
  ],
};

const expectedRows = (fn: string): GrantRow[] =>
  [...(EXPECTED[fn] ?? []), ...LOGS_AND_TRACES].map(([action, resource, condition]) => ({
    fn,
    action,
    resource,
    condition,
  }));

const sortRows = (rows: GrantRow[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const dev = synthFixture();
const functionNames = Object.keys(EXPECTED);

describe('IAM table: every function holds exactly the grants its code needs', () => {
  it('the table covers every function of the stack', () => {
    expect(Object.keys(grantRows(dev)).sort()).toEqual([...functionNames].sort());
  });

  it.each(functionNames)('%s: no grant missing, none extra', (fn) => {
    expect(sortRows(rowsOfFunction(dev, fn))).toEqual(sortRows(expectedRows(fn)));
  });

  it('control: a grantReadWriteData re-added to a poller shows up as extra grants', () => {
    const broadPoller = () => {
      const built = buildFixtureApp();
      const poller = built.stateless.functions.poll.x;
      if (!poller?.role) throw new Error('fixture has no x poller');
      built.stateful.tables.state.table.grantReadWriteData(poller);
      return { built, policy: poller.role.node.findChild('DefaultPolicy') };
    };
    // cdk-nag fails such a synth first (an index/* wildcard); acknowledge that to see what the table says.
    const nagged = broadPoller();
    const findings = nagFindingsOfSynth(nagged.built.app);
    expect(findings).toEqual([expect.stringMatching(/^AwsSolutions-IAM5\[Resource::.*\/index\/\*\]$/)]);
    const { built, policy } = broadPoller();
    Validations.of(policy).acknowledge(...findings.map((id) => ({ id, reason: 'control case: too broad' })));
    const extra = rowsOfFunction(synthesize(built), 'poll-x').filter(
      (row) => !expectedRows('poll-x').some((e) => JSON.stringify(e) === JSON.stringify(row)),
    );
    expect(extra.map((r) => `${r.action} ${r.resource} ${r.condition}`)).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem state table ',
        'dynamodb:DeleteItem state table ',
        'dynamodb:UpdateItem state table ',
      ]),
    );
  });
});

/** Whether some row lets `fn` call `action` on `resource` with this partition key (IAM StringLike). */
const allows = (fn: string, action: string, resource: string, partitionKey: string): boolean =>
  rowsOfFunction(dev, fn).some(
    (r) =>
      r.action === action &&
      r.resource === resource &&
      (r.condition === '' || conditionPatterns(r.condition).some((p) => stringLike(p, partitionKey))),
  );

const conditionPatterns = (condition: string): string[] =>
  condition.replace(/^ForAllValues:StringLike dynamodb:LeadingKeys /, '').split(' | ');

const stringLike = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  ).test(value);

describe('Key conditions admit the keys the code builds (shared/keys.ts), and no others', () => {
  const day = '2026-03-05';

  it('a poller reads and writes its own cursors, not another platform\u2019s', () => {
    expect(allows('poll-x', 'dynamodb:GetItem', 'state table', cursorKey('x', '#NextIdea').pk)).toBe(true);
    expect(allows('poll-x', 'dynamodb:PutItem', 'state table', cursorKey('x', '#NextIdea').pk)).toBe(true);
    expect(allows('poll-x', 'dynamodb:PutItem', 'state table', cursorKey('mastodon', 'q').pk)).toBe(false);
  });

  it('a poller writes rejects and queries its own tracked days only', () => {
    expect(allows('poll-x', 'dynamodb:BatchWriteItem', 'state table', rejectKey(day, 'x#ab').pk)).toBe(true);
    const index = 'state table/index/byTrackDay';
    expect(allows('poll-x', 'dynamodb:Query', index, trackPartition('x', day))).toBe(true);
    expect(allows('poll-x', 'dynamodb:Query', index, trackPartition('mastodon', day))).toBe(false);
  });

  it('a poller cannot write a post state (whose outbox the aggregate would apply) by any action', () => {
    const post = postStateKey('x', '123').pk;
    for (const action of ['PutItem', 'UpdateItem', 'BatchWriteItem', 'DeleteItem'])
      expect(allows('poll-x', `dynamodb:${action}`, 'state table', post)).toBe(false);
  });

  it('the aggregate reads and updates post states and writes rejects, but not cursors', () => {
    expect(allows('aggregate', 'dynamodb:UpdateItem', 'state table', postStateKey('x', '1').pk)).toBe(true);
    expect(allows('aggregate', 'dynamodb:BatchGetItem', 'state table', postStateKey('x', '1').pk)).toBe(true);
    expect(allows('aggregate', 'dynamodb:BatchWriteItem', 'state table', rejectKey(day, 'id').pk)).toBe(true);
    expect(allows('aggregate', 'dynamodb:UpdateItem', 'state table', cursorKey('x', 'q').pk)).toBe(false);
    expect(allows('aggregate', 'dynamodb:BatchWriteItem', 'state table', postStateKey('x', '1').pk)).toBe(
      false,
    );
    expect(
      allows('aggregate', 'dynamodb:UpdateItem', 'rollups table', kolDayKey('c', 'k', day, 'x').pk),
    ).toBe(true);
  });
});

/** The rule ids cdk-nag's synth failure asks to acknowledge (none when the synth succeeds). */
const nagFindingsOfSynth = (app: App): string[] => {
  try {
    app.synth();
    return [];
  } catch (e) {
    return [...String(e).matchAll(/Acknowledge with 'AwsSolutions::([^']+)'/g)].map((m) => m[1] ?? '');
  }
};
