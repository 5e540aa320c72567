// `npm run sign-event -- --campaign <id> [--kol <kolId>] [--body <file>] [--url <api>] [--secret-file <f>]`:
// prints a signed request (header and a curl command) for a test direct-response event (docs/direct-response.md).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadConfigFile } from '../shared/config';
import { SIGNATURE_HEADER, signBody } from '../shared/signature';
import { trackingCode } from '../shared/tracking';
import { parseTarget } from './direct-response/target';

const main = () => {
  const { target, values } = parseTarget(process.argv.slice(2), {
    kol: { type: 'string' },
    body: { type: 'string' },
  });
  let body: string;
  if (typeof values.body === 'string') body = readFileSync(values.body, 'utf8');
  else {
    const campaign = loadConfigFile(target.configFile).campaigns.find((c) => c.id === target.campaignId);
    const kol = campaign?.kols.find((k) => k.id === values.kol) ?? campaign?.kols[0];
    const code = kol ? trackingCode(target.campaignId, kol.id) : 'UNKNOWN';
    const currency = kol?.fee?.currency ?? 'EUR';
    body = JSON.stringify({
      events: [
        {
          id: `test-${randomUUID()}`,
          type: 'sale',
          code,
          time: new Date().toISOString(),
          amount: '49.90',
          currency,
        },
      ],
    });
  }
  const header = signBody(target.secret, body);
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  process.stdout.write(
    [
      `# body (sign exactly these bytes; the signature is valid for 5 minutes)`,
      body,
      `# header`,
      `${SIGNATURE_HEADER}: ${header}`,
      `# send it`,
      `curl -sS -X POST ${quote(`${target.url}/campaigns/${target.campaignId}/events`)} -H 'content-type: application/json' -H ${quote(`${SIGNATURE_HEADER}: ${header}`)} --data-binary ${quote(body)}`,
      '',
    ].join('\n'),
  );
};

try {
  main();
} catch (e) {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exit(2);
}
