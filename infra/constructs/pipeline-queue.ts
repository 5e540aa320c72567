import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, type QueueSpec } from '../../shared/topology';

export type QueueId = 'events';

/** The environment variable through which a function learns each queue's URL. */
export const QUEUE_ENV: Record<QueueId, string> = {
  events: ENV.eventsQueueUrl,
};

export interface PipelineQueueProps {
  readonly id: QueueId;
  readonly spec: QueueSpec;
  /** Physical name prefix, e.g. `kol-pulse-dev`. */
  readonly namePrefix: string;
  readonly removalPolicy: RemovalPolicy;
}

/** A work queue and its dead-letter queue from the topology: SSE-SQS and TLS-only, always. */
export class PipelineQueue extends Construct {
  readonly id: QueueId;
  readonly spec: QueueSpec;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly envVar: string;

  constructor(scope: Construct, id: string, props: PipelineQueueProps) {
    super(scope, id);
    this.id = props.id;
    this.spec = props.spec;
    this.envVar = QUEUE_ENV[props.id];
    const { spec } = props;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: `${props.namePrefix}-${spec.deadLetter.name}`,
      retentionPeriod: Duration.seconds(spec.deadLetter.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    });
    this.queue = new Queue(this, 'Queue', {
      queueName: `${props.namePrefix}-${spec.name}`,
      visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(spec.retentionSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: spec.deadLetter.maxReceiveCount },
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    });
  }

  /** SendMessage, which also authorises SendMessageBatch; the URL comes from the environment, not GetQueueUrl. */
  grantSend(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.queue.queueArn],
    });
  }

  /**
   * What a Lambda SQS event source mapping calls with the function's role (the AWSLambdaSQSQueueExecutionRole
   * set): no ChangeMessageVisibility or GetQueueUrl, which CDK's grantConsumeMessages adds.
   */
  grantConsume(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      resourceArns: [this.queue.queueArn],
    });
  }
}
