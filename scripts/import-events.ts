// `npm run import-events -- <file.csv> --campaign <id> [--url <api>] [--secret-file <f>] [--config <campaigns.json>]`
// Loads exported conversions with the ingest endpoint's rules (docs/direct-response.md, "CSV import"): every
// row is validated first and rejected rows are printed with the reason; the rest go to the API in signed
// batches of 100, so each event id counts once however often the file is imported.
import { readFileSync } from 'node:fs';
import {
  type DirectEvent,
  EventInputSchema,
  EventProblem,
  MAX_EVENTS_PER_REQUEST,
  toDirectEvent,
} from '../functions/report/direct-response/events';
import { loadConfigFile } from '../shared/config';
import { SIGNATURE_HEADER, signBody } from '../shared/signature';
import { parseTarget, type Target } from './direct-response/target';

export const CSV_HEADER = ['id', 'type', 'code', 'time', 'amount', 'currency'] as const;

/** RFC 4180 rows (quoted fields, doubled quotes, CRLF or LF). */
export const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
};

export interface Rejection {
  line: number;
  id: string;
  reason: string;
}

/** The file's rows as events (checked like the endpoint checks them) and the rows rejected, with why. */
export const readEvents = (text: string, campaign: Parameters<typeof toDirectEvent>[1], nowMs: number) => {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  const names = (header ?? []).map((h) => h.trim());
  const missing = CSV_HEADER.slice(0, 4).filter((h) => !names.includes(h));
  if (missing.length > 0)
    throw new Error(`the header row lacks ${missing.join(', ')} (expected ${CSV_HEADER.join(',')})`);
  const accepted: { input: Record<string, string>; event: DirectEvent }[] = [];
  const rejected: Rejection[] = [];
  const seen = new Map<string, DirectEvent>();
  rows.forEach((cells, i) => {
    const line = i + 2;
    const input = Object.fromEntries(names.map((n, j) => [n, cells[j] ?? '']).filter(([, v]) => v !== ''));
    const parsed = EventInputSchema.safeParse(input);
    const id = input.id ?? '';
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      rejected.push({
        line,
        id,
        reason: `${String(issue?.path[0] ?? 'row')}: ${issue?.message ?? 'invalid'}`,
      });
      return;
    }
    const event = toDirectEvent(parsed.data, campaign, nowMs, 'row');
    if (event instanceof EventProblem) {
      rejected.push({ line, id, reason: `${event.field.replace('row.', '')} ${event.message}` });
      return;
    }
    const earlier = seen.get(event.id);
    if (earlier && earlier.fingerprint !== event.fingerprint) {
      rejected.push({ line, id, reason: 'id repeats an earlier row with other content' });
      return;
    }
    if (earlier) return; // an identical repeat: counted once anyway
    seen.set(event.id, event);
    accepted.push({ input, event });
  });
  return { accepted, rejected };
};

const postBatch = async (target: Target, events: Record<string, string>[]) => {
  const body = JSON.stringify({ events });
  const res = await fetch(`${target.url}/campaigns/${target.campaignId}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(target.secret, body) },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`the API answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { results: { id: string; outcome: string }[] }).results;
};

const main = async () => {
  const { target, positionals } = parseTarget(process.argv.slice(2));
  const file = positionals[0];
  if (!file)
    throw new Error(
      'usage: npm run import-events -- <file.csv> --campaign <id> [--url <api>] [--secret-file <f>]',
    );
  const campaign = loadConfigFile(target.configFile).campaigns.find((c) => c.id === target.campaignId);
  if (!campaign) throw new Error(`campaign "${target.campaignId}" is not in ${target.configFile}`);
  const { accepted, rejected } = readEvents(readFileSync(file, 'utf8'), campaign, Date.now());
  for (const r of rejected)
    process.stdout.write(`rejected line ${r.line}${r.id ? ` (id ${r.id})` : ''}: ${r.reason}\n`);
  const outcomes: Record<string, number> = { applied: 0, duplicate: 0, conflict: 0 };
  for (let i = 0; i < accepted.length; i += MAX_EVENTS_PER_REQUEST) {
    const batch = accepted.slice(i, i + MAX_EVENTS_PER_REQUEST);
    for (const r of await postBatch(
      target,
      batch.map((a) => a.input),
    )) {
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      if (r.outcome === 'conflict')
        process.stdout.write(`rejected id ${r.id}: already counted with other content\n`);
    }
  }
  process.stdout.write(
    `${accepted.length + rejected.length} rows: ${outcomes.applied} applied, ${outcomes.duplicate} already counted, ${(outcomes.conflict ?? 0) + rejected.length} rejected\n`,
  );
  return rejected.length + (outcomes.conflict ?? 0) > 0 ? 1 : 0;
};

if (process.argv[1]?.endsWith('import-events.ts'))
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exit(2);
    },
  );
