import { fmt } from './results';
import { type CombinedWeek, partLabel, type WeekPartsFile } from './week-parts';

/** docs/benchmarks-week.md for a week run in parts: the week so far, then part by part. */
export const renderWeekParts = (saved: WeekPartsFile, combined: CombinedWeek): string => {
  const s = combined.summary;
  const totals = combined.totals;
  const rows: [string, string][] = [
    ['Command', `\`${s.command}\``],
    ['Scale, days, seed', `${s.scale}, ${s.days}, ${s.seed}`],
    [
      'Parts recorded',
      `${saved.records.length} of ${saved.parts}${combined.missingParts.length > 0 ? ` (to run: ${combined.missingParts.map((i) => i + 1).join(', ')})` : ''}`,
    ],
    ['Observations delivered', `${fmt(s.observations)} in ${fmt(s.batches)} trigger batches`],
    [
      'Processing time',
      `${fmt(s.hours, 2)} h over ${saved.records.length} part(s): ${fmt(s.observationsPerSecond)} observations/s`,
    ],
    [
      'Rollups = oracle, part by part',
      `${fmt(combined.partMismatches)} of ${fmt(s.oracleRows ?? 0)} rows differ (each part against the oracle of its own posts)`,
    ],
    [
      'Summed campaign totals = oracle of the whole week',
      totals
        ? `${fmt(totals.mismatches.length)} of ${fmt(totals.expectedRows)} rows differ`
        : 'checked once every part is recorded',
    ],
    ['Dead letters, redeliveries', `${fmt(s.deadLetters)}, ${fmt(s.redeliveries)}`],
    ['Quarantined changes', fmt(s.quarantined ?? 0)],
    ['Largest item', `${fmt(s.largestItemBytes ?? 0)} bytes (limit 409,600; target 65,536)`],
    [
      'Aggregate reads',
      `${fmt(s.readUnitsPerObservation ?? 0, 3)} RRU per observation, as DynamoDB reports them`,
    ],
  ];
  const parts = saved.records.map(
    (r) =>
      `| ${partLabel(r.part)} | ${fmt(r.observations)} | ${fmt(r.batches)} | ${fmt(r.mismatchedRows ?? 0)} of ${fmt(r.oracleRows ?? 0)} | ${r.checks.length} | ${fmt(r.largestItemBytes ?? 0)} | ${fmt(r.deadLetters)} | ${fmt(r.hours, 2)} h, ${fmt(r.observationsPerSecond)} obs/s | ${r.engine} | ${r.startedAt.slice(0, 16)}, ${r.commit}, ${r.machine} |`,
  );
  const mismatches = totals && totals.mismatches.length > 0 ? totals.mismatches.slice(0, 20) : [];
  return [
    '# The Next-Idea week, run in parts',
    '',
    "Written by `npm run bench:week -- --parts K` (`bench/full-week.ts`, `bench/lib/week-parts.ts`) from the parts recorded in `docs/benchmarks-week-parts.json`; rerun it rather than editing this file. The week replay (bench/lib/week.ts: the shipped refresh policy over a 7-day tracking window, two campaigns sharing hashtags, non-roster Instagram posts, duplicated and out-of-order deliveries) is split by a hash of each post's id; a part delivers its posts' observations in the whole replay's own cycles, batches and order through the real aggregate handler on a fresh engine, and every rollup row is compared with the oracle fed the same observations (test/support/oracle.ts, through bench/lib/streaming-oracle.ts), along the way and at the end. Both sums are over posts, so every part exact makes the week exact; once every part is in, the parts' campaign totals, summed, are compared with the oracle of the whole week regenerated from the seed.",
    '',
    '| Figure | Value |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '## Parts',
    '',
    '| Part | Observations | Batches | Rows differ | Checks | Largest item (B) | Dead letters | Time | Engine | Run |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...parts,
    '',
    ...(mismatches.length > 0
      ? ['## First total rows apart', '', '```json', JSON.stringify(mismatches, null, 2), '```', '']
      : []),
  ].join('\n');
};
