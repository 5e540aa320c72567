import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { EventBus, EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { type IGrantable, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../shared/events/schemas';
import { ENV } from '../../shared/topology';

export interface CampaignEventsProps {
  /** `kol-pulse-<stage>`: names the bus, the topic and the key alias. */
  readonly namePrefix: string;
  /** Subscribed to the spike topic when given (context `spikeAlertEmail`). */
  readonly spikeAlertEmail?: string;
  readonly removalPolicy: RemovalPolicy;
}

/** What a function needs to publish: the bus's name variable and `events:PutEvents` on this bus only. */
export interface EventPublisherTarget extends IGrantable {
  addEnvironment(key: string, value: string): unknown;
}

/**
 * The campaign event bus (docs/events.md) and its example rule: SpikeDetected events e-mailed through an
 * SNS topic. The bus is encrypted at rest by EventBridge with an AWS owned key (the default); the topic,
 * which keeps messages until delivered, with a customer-managed key whose policy lets EventBridge use it.
 * Undeliverable rule invocations land in an encrypted dead-letter queue instead of vanishing.
 */
export class CampaignEvents extends Construct {
  readonly bus: EventBus;
  readonly spikeTopic: Topic;
  readonly spikeRule: Rule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: CampaignEventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: `${props.namePrefix}-campaign-events`,
      description: 'KOL Pulse campaign events: daily figures changed, spikes, budgets, pollers behind',
    });

    const key = new Key(this, 'SpikeTopicKey', {
      alias: `alias/${props.namePrefix}-spikes`,
      description: 'KOL Pulse spike alert topic encryption',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    // EventBridge can only publish to an encrypted topic whose key policy lets it use the key.
    key.grant(new ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.spikeTopic = new Topic(this, 'SpikeTopic', {
      topicName: `${props.namePrefix}-spikes`,
      displayName: 'KOL Pulse spike alerts',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.spikeAlertEmail) this.spikeTopic.addSubscription(new EmailSubscription(props.spikeAlertEmail));

    this.deadLetterQueue = new Queue(this, 'RuleDeadLetterQueue', {
      queueName: `${props.namePrefix}-spike-rule-dlq`,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter target of the spike rule; nothing consumes it to fail again.',
    });

    this.spikeRule = new Rule(this, 'SpikeRule', {
      ruleName: `${props.namePrefix}-spikes-to-email`,
      description: 'Example rule: e-mail every SpikeDetected campaign event',
      eventBus: this.bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: ['SpikeDetected'] },
    });
    this.spikeRule.addTarget(
      new SnsTopic(this.spikeTopic, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 8,
        message: RuleTargetInput.fromText(
          `KOL Pulse spike in campaign ${EventField.fromPath('$.detail.campaignId')}: ${EventField.fromPath('$.detail.metric')} ${EventField.fromPath('$.detail.value')} in the hour ${EventField.fromPath('$.detail.hour')} (baseline ${EventField.fromPath('$.detail.baseline')} per hour). Scope: ${EventField.fromPath('$.detail.scope.kind')}. Event id ${EventField.fromPath('$.detail.eventId')}.`,
        ),
      }),
    );
  }

  /** Sets EVENT_BUS_NAME and grants `events:PutEvents` on this bus only. */
  bindPublisher(fn: EventPublisherTarget): void {
    fn.addEnvironment(ENV.eventBusName, this.bus.eventBusName);
    this.bus.grantPutEventsTo(fn);
  }
}
