import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The oldest event waiting longer than this means the aggregate function is failing or starved. */
export const EVENTS_MAX_AGE_SECONDS = 15 * 60;
/** A poller with no successful invocation for this many schedule periods is falling behind. */
export const POLLER_MISSED_PERIODS = 3;
const DAY_SECONDS = 86_400;

export interface MonitoredFunction {
  readonly label: string;
  readonly fn: IFunction;
}

export interface MonitoredPoller extends MonitoredFunction {
  readonly periodMs: number;
}

export interface MonitoredQueue {
  readonly label: string;
  readonly queue: IQueue;
  /** What an operator should do when the alarm fires. */
  readonly runbook?: string;
}

export interface PipelineMonitoringProps {
  readonly namePrefix: string;
  readonly alarmEmail?: string;
  readonly removalPolicy: RemovalPolicy;
  readonly functions: readonly MonitoredFunction[];
  readonly pollers: readonly MonitoredPoller[];
  /** Work queues: depth and age of the oldest message. */
  readonly workQueues: readonly MonitoredQueue[];
  /** Any message here is an alarm. */
  readonly deadLetterQueues: readonly MonitoredQueue[];
  readonly tables: readonly { label: string; table: ITable }[];
  readonly api: HttpApi;
}

/** Alarm window for "no successful poll in N periods": CloudWatch caps a period at one day. */
export const pollerAlarmWindow = (periodMs: number) => {
  const windowSeconds = Math.round((POLLER_MISSED_PERIODS * periodMs) / 1000);
  const periodSeconds = Math.min(windowSeconds, DAY_SECONDS);
  return { periodSeconds, evaluationPeriods: Math.min(7, Math.ceil(windowSeconds / periodSeconds)) };
};

/**
 * Alarms (to an encrypted, TLS-only SNS topic) and one CloudWatch dashboard for the whole pipeline.
 */
export class PipelineMonitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    // CloudWatch can only publish to an encrypted topic whose key policy lets it use the key, which
    // rules out the AWS-managed aws/sns key: hence a customer-managed key with rotation.
    const key = new Key(this, 'AlarmTopicKey', {
      alias: `alias/${props.namePrefix}-alarms`,
      description: 'KOL Pulse alarm topic encryption',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'AlarmTopic', {
      topicName: `${props.namePrefix}-alarms`,
      displayName: 'KOL Pulse alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.topic);

    for (const { label, queue, runbook } of props.deadLetterQueues)
      this.alarm(`${label}NotEmpty`, {
        description: `${label} holds messages that failed every retry. ${runbook ?? ''}`.trim(),
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: Stats.MAXIMUM,
        }),
        threshold: 1,
      });
    for (const { label, queue } of props.workQueues)
      this.alarm(`${label}OldestMessageAge`, {
        description: `${label}: the oldest message waits over ${EVENTS_MAX_AGE_SECONDS / 60} minutes; the consumer is failing or throttled.`,
        metric: queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(5),
          statistic: Stats.MAXIMUM,
        }),
        threshold: EVENTS_MAX_AGE_SECONDS,
      });
    for (const { label, fn } of props.functions) {
      this.alarm(`${label}Errors`, {
        description: `${label} function invocations failed.`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: Stats.SUM }),
        threshold: 1,
      });
      this.alarm(`${label}Throttles`, {
        description: `${label} function invocations were throttled.`,
        metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: Stats.SUM }),
        threshold: 1,
      });
    }
    for (const { label, fn, periodMs } of props.pollers) {
      const { periodSeconds, evaluationPeriods } = pollerAlarmWindow(periodMs);
      const period = Duration.seconds(periodSeconds);
      this.alarm(`${label}FallingBehind`, {
        description: `${label}: no successful poll in ${POLLER_MISSED_PERIODS} schedule periods; posts are not being collected.`,
        metric: new MathExpression({
          label: 'successful invocations',
          expression: 'FILL(invocations, 0) - FILL(errors, 0)',
          usingMetrics: {
            invocations: fn.metricInvocations({ period, statistic: Stats.SUM }),
            errors: fn.metricErrors({ period, statistic: Stats.SUM }),
          },
          period,
        }),
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        threshold: 1,
        evaluationPeriods,
        // No data at all means the poller never ran.
        treatMissingData: TreatMissingData.BREACHING,
      });
    }
    this.alarm('ReportApiServerErrors', {
      description: 'The reporting API answered 5xx.',
      metric: props.api.metricServerError({ period: Duration.minutes(5), statistic: Stats.SUM }),
      threshold: 1,
    });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${props.namePrefix}-pipeline`,
      defaultInterval: Duration.hours(6),
    });
    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);
    const allFunctions = [...props.pollers, ...props.functions];
    const perFunction = (metric: (fn: IFunction) => IMetric) => allFunctions.map(({ fn }) => metric(fn));
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# KOL Pulse ${props.namePrefix}\nschedule → poll → SQS → aggregate → DynamoDB → report API. Alarms go to SNS topic \`${props.namePrefix}-alarms\`.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue depth',
        width: 8,
        left: [
          ...props.workQueues.flatMap(({ label, queue }) => [
            queue.metricApproximateNumberOfMessagesVisible({ label: `${label} visible`, period: minute }),
            queue.metricApproximateNumberOfMessagesNotVisible({
              label: `${label} in flight`,
              period: minute,
            }),
          ]),
          ...props.deadLetterQueues.map(({ label, queue }) =>
            queue.metricApproximateNumberOfMessagesVisible({ label, period: minute }),
          ),
        ],
      }),
      new GraphWidget({
        title: 'Age of oldest message (s)',
        width: 8,
        left: props.workQueues.map(({ label, queue }) =>
          queue.metricApproximateAgeOfOldestMessage({ label, period: minute }),
        ),
      }),
      new GraphWidget({
        title: 'Messages sent / deleted',
        width: 8,
        left: props.workQueues.flatMap(({ label, queue }) => [
          queue.metricNumberOfMessagesSent({ label: `${label} sent`, period: fiveMinutes }),
          queue.metricNumberOfMessagesDeleted({ label: `${label} deleted`, period: fiveMinutes }),
        ]),
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Invocations',
        width: 6,
        left: perFunction((fn) => fn.metricInvocations({ label: fn.functionName, period: fiveMinutes })),
      }),
      new GraphWidget({
        title: 'Errors and throttles',
        width: 6,
        left: perFunction((fn) => fn.metricErrors({ label: fn.functionName, period: fiveMinutes })),
        right: perFunction((fn) => fn.metricThrottles({ label: fn.functionName, period: fiveMinutes })),
      }),
      new GraphWidget({
        title: 'Duration p90 (ms)',
        width: 6,
        left: perFunction((fn) =>
          fn.metricDuration({ label: fn.functionName, period: fiveMinutes, statistic: Stats.p(90) }),
        ),
      }),
      new GraphWidget({
        title: 'Concurrent executions',
        width: 6,
        left: perFunction((fn) =>
          fn.metric('ConcurrentExecutions', {
            label: fn.functionName,
            period: minute,
            statistic: Stats.MAXIMUM,
          }),
        ),
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'DynamoDB consumed capacity',
        width: 12,
        left: props.tables.flatMap(({ label, table }) => [
          table.metricConsumedReadCapacityUnits({ label: `${label} read`, period: fiveMinutes }),
          table.metricConsumedWriteCapacityUnits({ label: `${label} write`, period: fiveMinutes }),
        ]),
      }),
      new GraphWidget({
        title: 'DynamoDB throttle events',
        width: 12,
        left: props.tables.flatMap(({ label, table }) => [
          table.metric('ReadThrottleEvents', {
            label: `${label} read`,
            period: fiveMinutes,
            statistic: Stats.SUM,
          }),
          table.metric('WriteThrottleEvents', {
            label: `${label} write`,
            period: fiveMinutes,
            statistic: Stats.SUM,
          }),
        ]),
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Report API requests and errors',
        width: 12,
        left: [
          props.api.metricCount({ label: 'requests', period: fiveMinutes, statistic: Stats.SUM }),
          props.api.metricClientError({ label: '4xx', period: fiveMinutes, statistic: Stats.SUM }),
          props.api.metricServerError({ label: '5xx', period: fiveMinutes, statistic: Stats.SUM }),
        ],
      }),
      new GraphWidget({
        title: 'Report API latency (ms)',
        width: 12,
        left: [
          props.api.metricLatency({ label: 'p50', period: fiveMinutes, statistic: Stats.p(50) }),
          props.api.metricLatency({ label: 'p90', period: fiveMinutes, statistic: Stats.p(90) }),
          props.api.metricIntegrationLatency({
            label: 'integration p90',
            period: fiveMinutes,
            statistic: Stats.p(90),
          }),
        ],
      }),
    );
  }

  private alarm(
    id: string,
    props: {
      description: string;
      metric: IMetric;
      threshold: number;
      comparisonOperator?: ComparisonOperator;
      evaluationPeriods?: number;
      treatMissingData?: TreatMissingData;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: props.description,
      metric: props.metric,
      threshold: props.threshold,
      comparisonOperator: props.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      treatMissingData: props.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
