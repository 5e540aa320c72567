import type { RemovalPolicy } from 'aws-cdk-lib';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { addPipelineAlarms } from './monitoring/alarms';
import { addPipelineDashboard } from './monitoring/dashboard';
import type { MonitoringTargets } from './monitoring/targets';

export { EVENTS_MAX_AGE_SECONDS, POLLER_MISSED_PERIODS, pollerAlarmWindow } from './monitoring/alarms';
export type {
  MonitoredFunction,
  MonitoredPoller,
  MonitoredQueue,
  MonitoredTable,
  MonitoringTargets,
} from './monitoring/targets';

export interface PipelineMonitoringProps extends MonitoringTargets {
  readonly namePrefix: string;
  readonly alarmEmail?: string;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Alarms (to an encrypted, TLS-only SNS topic) and one CloudWatch dashboard for the whole pipeline.
 * Alarms and dashboard live in this construct's scope, so their logical ids do not depend on how
 * the code that builds them is split.
 */
export class PipelineMonitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    this.topic = this.alarmTopic(props);
    this.alarms = addPipelineAlarms(this, new SnsAction(this.topic), props);
    this.dashboard = addPipelineDashboard(this, props.namePrefix, props);
  }

  private alarmTopic(props: PipelineMonitoringProps): Topic {
    // CloudWatch can only publish to an encrypted topic whose key policy lets it use the key, which
    // rules out the AWS-managed aws/sns key: hence a customer-managed key with rotation.
    const key = new Key(this, 'AlarmTopicKey', {
      alias: `alias/${props.namePrefix}-alarms`,
      description: 'KOL Pulse alarm topic encryption',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const topic = new Topic(this, 'AlarmTopic', {
      topicName: `${props.namePrefix}-alarms`,
      displayName: 'KOL Pulse alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) topic.addSubscription(new EmailSubscription(props.alarmEmail));
    return topic;
  }
}
