import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import {
  everyFunction,
  type MonitoredFunction,
  type MonitoredQueue,
  type MonitoredTable,
  type MonitoringTargets,
} from './targets';

const minute = Duration.minutes(1);
const fiveMinutes = Duration.minutes(5);

const headerRow = (namePrefix: string): IWidget[] => [
  new TextWidget({
    markdown: `# KOL Pulse ${namePrefix}\nschedule → poll → SQS → aggregate → DynamoDB → report API. Alarms go to SNS topic \`${namePrefix}-alarms\`.`,
    width: 24,
    height: 2,
  }),
];

const queueRow = (workQueues: readonly MonitoredQueue[], deadLetterQueues: readonly MonitoredQueue[]) => [
  new GraphWidget({
    title: 'Queue depth',
    width: 8,
    left: [
      ...workQueues.flatMap(({ label, queue }) => [
        queue.metricApproximateNumberOfMessagesVisible({ label: `${label} visible`, period: minute }),
        queue.metricApproximateNumberOfMessagesNotVisible({ label: `${label} in flight`, period: minute }),
      ]),
      ...deadLetterQueues.map(({ label, queue }) =>
        queue.metricApproximateNumberOfMessagesVisible({ label, period: minute }),
      ),
    ],
  }),
  new GraphWidget({
    title: 'Age of oldest message (s)',
    width: 8,
    left: workQueues.map(({ label, queue }) =>
      queue.metricApproximateAgeOfOldestMessage({ label, period: minute }),
    ),
  }),
  new GraphWidget({
    title: 'Messages sent / deleted',
    width: 8,
    left: workQueues.flatMap(({ label, queue }) => [
      queue.metricNumberOfMessagesSent({ label: `${label} sent`, period: fiveMinutes }),
      queue.metricNumberOfMessagesDeleted({ label: `${label} deleted`, period: fiveMinutes }),
    ]),
  }),
];

/** One line per function in each graph. */
const functionRow = (functions: readonly MonitoredFunction[]) => {
  const perFunction = (metric: (fn: IFunction) => IMetric) => functions.map(({ fn }) => metric(fn));
  return [
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
  ];
};

const tableRow = (tables: readonly MonitoredTable[]) => [
  new GraphWidget({
    title: 'DynamoDB consumed capacity',
    width: 12,
    left: tables.flatMap(({ label, table }) => [
      table.metricConsumedReadCapacityUnits({ label: `${label} read`, period: fiveMinutes }),
      table.metricConsumedWriteCapacityUnits({ label: `${label} write`, period: fiveMinutes }),
    ]),
  }),
  new GraphWidget({
    title: 'DynamoDB throttle events',
    width: 12,
    left: tables.flatMap(({ label, table }) =>
      ['Read', 'Write'].map((access) =>
        table.metric(`${access}ThrottleEvents`, {
          label: `${label} ${access.toLowerCase()}`,
          period: fiveMinutes,
          statistic: Stats.SUM,
        }),
      ),
    ),
  }),
];

const apiRow = (api: HttpApi) => [
  new GraphWidget({
    title: 'Report API requests and errors',
    width: 12,
    left: [
      api.metricCount({ label: 'requests', period: fiveMinutes, statistic: Stats.SUM }),
      api.metricClientError({ label: '4xx', period: fiveMinutes, statistic: Stats.SUM }),
      api.metricServerError({ label: '5xx', period: fiveMinutes, statistic: Stats.SUM }),
    ],
  }),
  new GraphWidget({
    title: 'Report API latency (ms)',
    width: 12,
    left: [
      api.metricLatency({ label: 'p50', period: fiveMinutes, statistic: Stats.p(50) }),
      api.metricLatency({ label: 'p90', period: fiveMinutes, statistic: Stats.p(90) }),
      api.metricIntegrationLatency({ label: 'integration p90', period: fiveMinutes, statistic: Stats.p(90) }),
    ],
  }),
];

/** The pipeline's one dashboard, in `scope`: queues, functions (each once), tables, then the API. */
export const addPipelineDashboard = (
  scope: Construct,
  namePrefix: string,
  targets: MonitoringTargets,
): Dashboard => {
  const dashboard = new Dashboard(scope, 'Dashboard', {
    dashboardName: `${namePrefix}-pipeline`,
    defaultInterval: Duration.hours(6),
  });
  dashboard.addWidgets(...headerRow(namePrefix));
  dashboard.addWidgets(...queueRow(targets.workQueues, targets.deadLetterQueues));
  dashboard.addWidgets(...functionRow(everyFunction(targets)));
  dashboard.addWidgets(...tableRow(targets.tables));
  dashboard.addWidgets(...apiRow(targets.api));
  return dashboard;
};
