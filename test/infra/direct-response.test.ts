import { describe, expect, it } from 'vitest';
import { EVENTS_ROUTE_PATH } from '../../infra/constructs/reporting-api';
import { loadConfigFile } from '../../shared/config';
import { DIRECT_RESPONSE_LEADING_KEYS } from '../../shared/direct-response-keys';
import {
  actionsOf,
  FIXTURE_CAMPAIGNS,
  resourcesOf,
  resourceText,
  statementsOfFunction,
  synthFixture,
} from './support/app';

const dev = synthFixture();
const template = dev.statelessTemplate;
const campaigns = loadConfigFile(FIXTURE_CAMPAIGNS).campaigns;
const REPORT = 'kol-pulse-dev-report';

describe('Direct response in AWS', () => {
  it('serves POST /campaigns/{campaignId}/events without IAM auth (HMAC in the function), other routes keep IAM', () => {
    const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    const events = routes.find((r) => r.RouteKey === `POST ${EVENTS_ROUTE_PATH}`);
    expect(events?.AuthorizationType).toBe('NONE');
    for (const r of routes.filter((x) => x !== events))
      expect(r.AuthorizationType, String(r.RouteKey)).toBe('AWS_IAM');
  });

  it('creates one generated, encrypted signing secret per campaign and tells the report function their ARNs', () => {
    const secrets = Object.entries(resourcesOf(template, 'AWS::SecretsManager::Secret'));
    expect(secrets.map(([, s]) => s.Properties.Name).sort()).toEqual(
      campaigns.map((c) => `kol-pulse-dev-direct-response-${c.id}`).sort(),
    );
    for (const [, s] of secrets) {
      expect(s.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64 });
      expect(s.Properties.SecretString).toBeUndefined();
    }
    const fn = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).find(
      (f) => f.Properties.FunctionName === REPORT,
    );
    const env =
      (fn?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {};
    const arns = JSON.stringify(env.DIRECT_RESPONSE_SECRETS);
    for (const [logicalId] of secrets) expect(arns).toContain(logicalId);
  });

  it('grants the report function GetSecretValue on those secrets only and PutItem on direct-response keys only', () => {
    const statements = statementsOfFunction(template, REPORT);
    const secretIds = Object.keys(resourcesOf(template, 'AWS::SecretsManager::Secret'));
    const reads = statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    expect(reads.length).toBeGreaterThan(0);
    for (const s of reads) expect(secretIds.some((id) => resourceText(s).includes(id))).toBe(true);
    const puts = statements.filter((s) => actionsOf(s).some((a) => a === 'dynamodb:PutItem'));
    expect(puts).toHaveLength(1);
    expect(puts[0]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...DIRECT_RESPONSE_LEADING_KEYS] },
    });
    const writes = statements.flatMap(actionsOf).filter((a) => /dynamodb:(Update|Delete|BatchWrite)/.test(a));
    expect(writes).toEqual([]);
  });
});
