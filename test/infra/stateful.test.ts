import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { platformSecretName } from '../../infra/stacks/stateful-stack';
import { type TableId, type TableSpec, topology } from '../../shared/topology';
import { FIXTURE_PLATFORMS, resourcesOf, synthFixture } from './support/app';

// One synth per stage for the whole file: dev (destroyable) and prod (retained, protected).
const dev = synthFixture();
const prod = synthFixture({ context: { stage: 'prod' } });

const tableIds = Object.keys(topology.tables) as TableId[];

describe('Stateful stack: tables from the topology', () => {
  it.each(tableIds)('%s table: key schema, on-demand, PITR, AWS-managed encryption, GSIs, TTL', (tableId) => {
    // Arrange
    const spec: TableSpec = topology.tables[tableId];
    // Assert
    dev.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: `kol-pulse-dev-${spec.name}`,
      KeySchema: [
        { AttributeName: spec.partitionKey, KeyType: 'HASH' },
        { AttributeName: spec.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: spec.globalIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection:
          index.projection === 'KEYS_ONLY'
            ? { ProjectionType: 'KEYS_ONLY' }
            : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection] },
      })),
      TimeToLiveSpecification: spec.ttlAttribute
        ? { AttributeName: spec.ttlAttribute, Enabled: true }
        : Match.absent(),
    });
  });

  it('uses no customer-managed key for tables (AWS-managed aws/dynamodb key)', () => {
    for (const table of Object.values(resourcesOf(dev.statefulTemplate, 'AWS::DynamoDB::Table')))
      expect((table.Properties.SSESpecification as Record<string, unknown>).KMSMasterKeyId).toBeUndefined();
  });

  it('dev stage: tables and queues are destroyable and unprotected', () => {
    const tables = Object.values(resourcesOf(dev.statefulTemplate, 'AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(tableIds.length);
    for (const table of tables) {
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    }
    for (const queue of Object.values(resourcesOf(dev.statefulTemplate, 'AWS::SQS::Queue')))
      expect(queue.DeletionPolicy).toBe('Delete');
    expect(dev.stateful.terminationProtection).toBe(false);
  });

  it('prod stage: tables, queues and secrets are retained, tables deletion-protected, stack termination-protected', () => {
    const tables = Object.values(resourcesOf(prod.statefulTemplate, 'AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(tableIds.length);
    for (const table of tables) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.Properties.TableName).toMatch(/^kol-pulse-prod-/);
    }
    for (const type of ['AWS::SQS::Queue', 'AWS::SecretsManager::Secret'])
      for (const resource of Object.values(resourcesOf(prod.statefulTemplate, type)))
        expect(resource.DeletionPolicy).toBe('Retain');
    expect(prod.stateful.terminationProtection).toBe(true);
  });
});

describe('Stateful stack: queues from the topology', () => {
  const spec = topology.queues.events;
  const queues = resourcesOf(dev.statefulTemplate, 'AWS::SQS::Queue');
  const [dlqId] =
    Object.entries(queues).find(
      ([, q]) => q.Properties.QueueName === `kol-pulse-dev-${spec.deadLetter.name}`,
    ) ?? [];

  it('events queue redrives to its DLQ after maxReceiveCount, with the topology retention and visibility', () => {
    expect(dlqId).toBeDefined();
    dev.statefulTemplate.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: `kol-pulse-dev-${spec.name}`,
      VisibilityTimeout: spec.visibilityTimeoutSeconds,
      MessageRetentionPeriod: spec.retentionSeconds,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: spec.deadLetter.maxReceiveCount,
      },
    });
    dev.statefulTemplate.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: `kol-pulse-dev-${spec.deadLetter.name}`,
      MessageRetentionPeriod: spec.deadLetter.retentionSeconds,
    });
  });

  it('every queue uses SSE-SQS and has a TLS-only queue policy', () => {
    // events queue, its DLQ, and the spike rule's DLQ (infra/constructs/campaign-events.ts)
    expect(Object.keys(queues)).toHaveLength(3);
    const policies = Object.values(resourcesOf(dev.statefulTemplate, 'AWS::SQS::QueuePolicy'));
    for (const [logicalId, queue] of Object.entries(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const policy = policies.find((p) =>
        (p.Properties.Queues as { Ref: string }[]).some((q) => q.Ref === logicalId),
      );
      expect(policy?.Properties.PolicyDocument).toMatchObject({
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      });
    }
  });

  it('the visibility timeout is at least six times the aggregate timeout', () => {
    const [, events] =
      Object.entries(queues).find(([, q]) => q.Properties.QueueName === `kol-pulse-dev-${spec.name}`) ?? [];
    const visibility = events?.Properties.VisibilityTimeout as number;
    expect(visibility).toBeGreaterThanOrEqual(6 * topology.functions.aggregate.timeoutSeconds);
  });
});

describe('Stateful stack: platform credentials', () => {
  it('creates one empty secret per enabled platform, none for disabled platforms', () => {
    const secrets = Object.values(resourcesOf(dev.statefulTemplate, 'AWS::SecretsManager::Secret'));
    expect(secrets.map((s) => s.Properties.Name).sort()).toEqual(
      FIXTURE_PLATFORMS.map((p) => platformSecretName('dev', p)).sort(),
    );
    for (const secret of secrets) {
      // The stack never holds credentials: no value and no generated password.
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString).toBeUndefined();
    }
  });
});
