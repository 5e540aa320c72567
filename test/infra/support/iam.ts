import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { resourcePrefix } from '../../../shared/topology';
import { resourcesOf, type Statement, type Synthesized } from './app';

/** One grant of a function's role: an action on a named resource, under a written-out condition ('' for none). */
export interface GrantRow {
  fn: string;
  action: string;
  resource: string;
  condition: string;
}

/** How a `dynamodb:LeadingKeys` condition reads in a GrantRow. */
export const leadingKeys = (...patterns: string[]) =>
  `ForAllValues:StringLike dynamodb:LeadingKeys ${patterns.join(' | ')}`;

type Json = unknown;

/** Logical id of each stateful resource a function may be granted, by what it is. */
const statefulNames = (s: Synthesized): Map<string, string> => {
  const id = (c: IConstruct) => s.stateful.getLogicalId(c.node.defaultChild as CfnElement);
  const names = new Map<string, string>();
  for (const [tableId, t] of Object.entries(s.stateful.tables)) names.set(id(t.table), `${tableId} table`);
  for (const [queueId, q] of Object.entries(s.stateful.queues)) {
    names.set(id(q.queue), `${queueId} queue`);
    names.set(id(q.deadLetterQueue), `${queueId} dead-letter queue`);
  }
  for (const [platform, secret] of Object.entries(s.stateful.platformSecrets))
    if (secret) names.set(id(secret), `${platform} secret`);
  names.set(id(s.stateful.campaignEvents.bus), 'campaign event bus');
  return names;
};

/** What each export of the stateful stack points at: `state table`, `x secret`, `events queue (Ref)`... */
const exportedNames = (s: Synthesized): Map<string, string> => {
  const names = statefulNames(s);
  const template = s.statefulTemplate.toJSON() as {
    Outputs?: Record<string, { Value: Json; Export?: { Name: string } }>;
    Resources: Record<string, { Type: string }>;
  };
  const describe = (value: Json): string => {
    const v = value as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
    if (v['Fn::GetAtt']?.[1] === 'Arn')
      return names.get(v['Fn::GetAtt'][0]) ?? `unnamed ${v['Fn::GetAtt'][0]}`;
    // A secret's Ref is its ARN; any other Ref (a table's name, a queue's URL) is no IAM resource.
    if (v.Ref && template.Resources[v.Ref]?.Type === 'AWS::SecretsManager::Secret')
      return names.get(v.Ref) ?? `unnamed ${v.Ref}`;
    return `not an ARN: ${JSON.stringify(value)}`;
  };
  const exports = new Map<string, string>();
  for (const output of Object.values(template.Outputs ?? {}))
    if (output.Export) exports.set(output.Export.Name, describe(output.Value));
  return exports;
};

/** Resolves a resource reference of the stateless template to a readable name. */
const resolver = (s: Synthesized, exports: Map<string, string>, functionName: string) => {
  const logGroups = resourcesOf(s.statelessTemplate, 'AWS::Logs::LogGroup');
  const resolve = (value: Json): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, Json>;
    if ('Fn::ImportValue' in v)
      return exports.get(String(v['Fn::ImportValue'])) ?? `import ${v['Fn::ImportValue']}`;
    if ('Fn::Join' in v) {
      const [separator, parts] = v['Fn::Join'] as [string, Json[]];
      return parts.map(resolve).join(separator);
    }
    // The direct-response signing secrets live in the stateless stack; their Ref is their ARN.
    const secret =
      'Ref' in v ? resourcesOf(s.statelessTemplate, 'AWS::SecretsManager::Secret')[String(v.Ref)] : undefined;
    if (secret) return `secret ${String(secret.Properties.Name)}`;
    if ('Fn::GetAtt' in v) {
      const [logicalId, attribute] = v['Fn::GetAtt'] as [string, string];
      const logGroupName = logGroups[logicalId]?.Properties.LogGroupName;
      if (logGroupName && attribute === 'Arn')
        return logGroupName === `/aws/lambda/${functionName}` ? 'own log group' : `log group ${logGroupName}`;
      return `${logicalId}.${attribute}`;
    }
    return JSON.stringify(value);
  };
  return resolve;
};

const conditionText = (condition: Json, resolve: (v: Json) => string): string =>
  Object.entries((condition ?? {}) as Record<string, Record<string, Json>>)
    .flatMap(([operator, keys]) =>
      Object.entries(keys).map(
        ([key, values]) => `${operator} ${key} ${[values].flat().map(resolve).sort().join(' | ')}`,
      ),
    )
    .sort()
    .join('; ');

const STATEMENT_FIELDS = ['Effect', 'Action', 'Resource', 'Condition', 'Sid'];

/** Every statement a role holds: attached policies, managed policies and inline ones. */
const statementsOfRole = (s: Synthesized, roleId: string): Statement[] => {
  const attachedTo = (p: { Properties: Record<string, unknown> }) =>
    ((p.Properties.Roles as { Ref?: string }[] | undefined) ?? []).some((r) => r.Ref === roleId);
  const documents = [
    ...Object.values(resourcesOf(s.statelessTemplate, 'AWS::IAM::Policy')).filter(attachedTo),
    ...Object.values(resourcesOf(s.statelessTemplate, 'AWS::IAM::ManagedPolicy')).filter(attachedTo),
  ].map((p) => p.Properties.PolicyDocument);
  const role = resourcesOf(s.statelessTemplate, 'AWS::IAM::Role')[roleId];
  if (!role) throw new Error(`no role ${roleId}`);
  const inline = (role.Properties.Policies as { PolicyDocument: Json }[] | undefined) ?? [];
  documents.push(...inline.map((p) => p.PolicyDocument));
  const managed = (role.Properties.ManagedPolicyArns as Json[] | undefined) ?? [];
  return [
    ...documents.flatMap((document) => (document as { Statement: Statement[] }).Statement),
    ...managed.map((arn) => ({ Effect: 'Allow', Action: 'managed policy', Resource: arn })),
  ];
};

const cache = new WeakMap<Synthesized, Record<string, GrantRow[]>>();

/** Grant rows of every function of the stateless stack, by name without the stage prefix (`poll-x`). */
export const grantRows = (s: Synthesized): Record<string, GrantRow[]> => {
  const cached = cache.get(s);
  if (cached) return cached;
  const exports = exportedNames(s);
  const prefix = `${resourcePrefix(s.stageConfig.stage)}-`;
  const rows: Record<string, GrantRow[]> = {};
  for (const fn of Object.values(resourcesOf(s.statelessTemplate, 'AWS::Lambda::Function'))) {
    const physical = String(fn.Properties.FunctionName);
    const short = physical.startsWith(prefix) ? physical.slice(prefix.length) : physical;
    const resolve = resolver(s, exports, physical);
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    rows[short] = statementsOfRole(s, roleId).flatMap((st) => {
      const odd = Object.keys(st).filter((k) => !STATEMENT_FIELDS.includes(k));
      const effect = st.Effect === 'Allow' && odd.length === 0 ? '' : `${st.Effect} ${odd.join(' ')} `;
      const condition = conditionText(st.Condition, resolve);
      return [st.Action].flat().flatMap((action) =>
        [st.Resource].flat().map((resource) => ({
          fn: short,
          action: `${effect}${action}`,
          resource: resolve(resource),
          condition,
        })),
      );
    });
  }
  cache.set(s, rows);
  return rows;
};

export const rowsOfFunction = (s: Synthesized, fn: string): GrantRow[] => {
  const rows = grantRows(s)[fn];
  if (!rows) throw new Error(`no function ${fn}`);
  return rows;
};
