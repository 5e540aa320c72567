import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EVENT_SOURCE } from '../../shared/events/schemas';
import { ENV } from '../../shared/topology';
import { resourcesOf, synthFixture } from './support/app';

const dev = synthFixture({ context: { spikeAlertEmail: 'spikes@example.com' } });
const noEmail = synthFixture();

describe('Campaign events: bus, publishing grants and the example spike rule', () => {
  it('creates the campaign event bus in the stateful stack', () => {
    dev.statefulTemplate.hasResourceProperties('AWS::Events::EventBus', {
      Name: 'kol-pulse-dev-campaign-events',
    });
  });

  it('routes SpikeDetected events of the bus to an encrypted, TLS-only SNS topic', () => {
    const bus = dev.stateful.getLogicalId(dev.stateful.campaignEvents.bus.node.defaultChild as never);
    dev.statefulTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: bus },
      EventPattern: { source: [EVENT_SOURCE], 'detail-type': ['SpikeDetected'] },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 8 },
          DeadLetterConfig: { Arn: Match.anyValue() },
          InputTransformer: Match.objectLike({
            InputPathsMap: Match.objectLike({ 'detail-campaignId': '$.detail.campaignId' }),
          }),
        }),
      ],
    });
    dev.statefulTemplate.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'kol-pulse-dev-spikes',
      KmsMasterKeyId: Match.anyValue(),
    });
    dev.statefulTemplate.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    dev.statefulTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
          }),
        ]),
      }),
    });
  });

  it('subscribes the spikeAlertEmail context value, and nobody without it', () => {
    dev.statefulTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'spikes@example.com',
    });
    const subscriptions = Object.values(resourcesOf(noEmail.statefulTemplate, 'AWS::SNS::Subscription'));
    expect(subscriptions).toHaveLength(0);
  });

  it('gives poll and aggregate functions the bus name and events:PutEvents on that bus only; the report none', () => {
    const functions = Object.values(resourcesOf(dev.statelessTemplate, 'AWS::Lambda::Function'));
    const named = (suffix: string) =>
      functions.find((f) => String(f.Properties.FunctionName).endsWith(suffix))?.Properties as {
        Environment: { Variables: Record<string, unknown> };
      };
    for (const fn of ['-aggregate', '-poll-x', '-poll-mastodon'])
      expect(named(fn).Environment.Variables[ENV.eventBusName]).toBeDefined();
    expect(named('-report').Environment.Variables[ENV.eventBusName]).toBeUndefined();

    const statements = Object.values(resourcesOf(dev.statelessTemplate, 'AWS::IAM::Policy')).flatMap(
      (p) =>
        (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );
    const putEvents = statements.filter((s) => [s.Action].flat().includes('events:PutEvents'));
    expect(putEvents).toHaveLength(3);
    for (const s of putEvents) {
      expect(s.Action).toBe('events:PutEvents');
      expect(JSON.stringify(s.Resource)).toMatch(/CampaignEventsBus/);
    }
  });
});
