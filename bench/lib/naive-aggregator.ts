import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { KolPulseConfig } from '../../shared/config';
import { COUNTERS, type Counters } from '../../shared/metrics';
import type { Observation } from '../../shared/observation';
import { dayOf } from '../../shared/time';
import { counts, mondayOf, rosterKol } from '../../test/support/oracle';

/**
 * The naive aggregator the issue asks to run beside KOL Pulse (issue 13 point 6): what a first version would
 * do, with no exactly-once machinery. Per observation, in delivery order: read the post's last stored
 * counters, overwrite them unconditionally with this observation's, and ADD the difference (and a mention on
 * first sight) to each rollup item the post feeds: the KOL's or voice's day item, the KOL's week item and
 * the campaign's day total. A duplicate delivery adds nothing only if nothing came between; a late older
 * snapshot moves the figures back and the next one forward again, on the day each arrives; crashes between
 * writes (not simulated here) would double-count. Items carry the attributes `readRollups` reads, and the
 * KOL/voice day items the byDay index entry the leaderboard needs, so its writes are those of a design that
 * serves the same dashboard.
 */
export interface NaiveTables {
  rollups: string;
  state: string;
}

type Target = { kind: 'kol' | 'voice' | 'total' | 'kolWeek'; attrs: Record<string, string>; subject: string };

export const targetsOf = (config: KolPulseConfig, o: Observation) =>
  config.campaigns
    .filter((c) => counts(c, o))
    .map((campaign) => {
      const kolId = rosterKol(campaign, o);
      const who: Target = kolId
        ? { kind: 'kol', attrs: { kolId }, subject: kolId }
        : { kind: 'voice', attrs: { userId: o.author.id, handle: o.author.handle }, subject: o.author.id };
      const targets: Target[] = [who, { kind: 'total', attrs: {}, subject: '' }];
      if (kolId) targets.push({ kind: 'kolWeek', attrs: { kolId }, subject: kolId });
      return { campaign, targets };
    });

export const applyNaive = async (
  doc: DynamoDBDocumentClient,
  tables: NaiveTables,
  config: KolPulseConfig,
  o: Observation,
): Promise<void> => {
  const key = { pk: `NAIVE#P#${o.platform}#${o.postId}`, sk: 'state' };
  const previous = (
    await doc.send(new GetCommand({ TableName: tables.state, Key: key, ConsistentRead: true }))
  ).Item as { counters?: Counters } | undefined;
  await doc.send(
    new PutCommand({
      TableName: tables.state,
      Item: { ...key, counters: o.counters, observedAt: o.observedAt },
    }),
  );
  const delta: Partial<Record<string, number>> = {};
  for (const c of COUNTERS) {
    const value = o.counters[c];
    if (value !== undefined) delta[c] = value - (previous?.counters?.[c] ?? 0);
  }
  const writes: Promise<unknown>[] = [];
  for (const { campaign, targets } of targetsOf(config, o)) {
    const zone = campaign.timeZone;
    const add = (target: Target, day: string, values: Partial<Record<string, number>>) => {
      const names = Object.keys(values);
      if (names.length === 0) return;
      const dayAttr = target.kind === 'kolWeek' ? 'week' : 'day';
      const itemDay = target.kind === 'kolWeek' ? mondayOf(day) : day;
      const index =
        target.kind === 'kol' || target.kind === 'voice'
          ? {
              gsi1pk: `NAIVE#${campaign.id}#${target.kind}#${itemDay}`,
              gsi1sk: `${target.subject}#${o.platform}`,
            }
          : {};
      const set = {
        ...target.attrs,
        ...index,
        kind: target.kind,
        campaignId: campaign.id,
        platform: o.platform,
      };
      const setNames = Object.keys(set);
      writes.push(
        doc.send(
          new UpdateCommand({
            TableName: tables.rollups,
            Key: { pk: `NAIVE#${campaign.id}#${target.kind}#${target.subject}#${o.platform}`, sk: itemDay },
            UpdateExpression: `SET ${[...setNames, dayAttr].map((_n, i) => `#s${i} = :s${i}`).join(', ')} ADD ${names.map((_n, i) => `#a${i} :a${i}`).join(', ')}`,
            ExpressionAttributeNames: {
              ...Object.fromEntries([...setNames, dayAttr].map((n, i) => [`#s${i}`, n])),
              ...Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
            },
            ExpressionAttributeValues: {
              ...Object.fromEntries([...Object.values(set), itemDay].map((v, i) => [`:s${i}`, v])),
              ...Object.fromEntries(names.map((n, i) => [`:a${i}`, values[n]])),
            },
          }),
        ),
      );
    };
    for (const target of targets) {
      if (!previous) add(target, dayOf(o.publishedAt, zone), { mentions: 1 });
      add(target, dayOf(o.observedAt, zone), delta);
    }
  }
  await Promise.all(writes);
};
