import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import {
  everyFunction,
  type MonitoredFunction,
  type MonitoredPoller,
  type MonitoredQueue,
  type MonitoringTargets,
} from './targets';

/** The oldest event waiting longer than this means the aggregate function is failing or starved. */
export const EVENTS_MAX_AGE_SECONDS = 15 * 60;
/** A poller with no successful invocation for this many schedule periods is falling behind. */
export const POLLER_MISSED_PERIODS = 3;
/** CloudWatch caps an alarm's period at one day. */
const DAY_SECONDS = 86_400;

/** Alarm window for "no successful poll in N periods": CloudWatch caps a period at one day. */
export const pollerAlarmWindow = (periodMs: number) => {
  const windowSeconds = Math.round((POLLER_MISSED_PERIODS * periodMs) / 1000);
  const periodSeconds = Math.min(windowSeconds, DAY_SECONDS);
  return { periodSeconds, evaluationPeriods: Math.min(7, Math.ceil(windowSeconds / periodSeconds)) };
};

interface AlarmSpec {
  readonly description: string;
  readonly metric: IMetric;
  readonly threshold: number;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  readonly comparisonOperator?: ComparisonOperator;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** @default NOT_BREACHING */
  readonly treatMissingData?: TreatMissingData;
}

/** Creates alarms in one scope, each notifying one action when it fires and when it clears. */
class AlarmSet {
  readonly alarms: Alarm[] = [];

  constructor(
    private readonly scope: Construct,
    private readonly action: IAlarmAction,
  ) {}

  add(id: string, spec: AlarmSpec): void {
    const alarm = new Alarm(this.scope, id, {
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      treatMissingData: spec.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }
}

const alarmOnDeadLetters = (set: AlarmSet, queues: readonly MonitoredQueue[]) => {
  for (const { label, queue, runbook } of queues)
    set.add(`${label}NotEmpty`, {
      description: `${label} holds messages that failed every retry. ${runbook ?? ''}`.trim(),
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: Stats.MAXIMUM,
      }),
      threshold: 1,
    });
};

const alarmOnOldestMessage = (set: AlarmSet, queues: readonly MonitoredQueue[]) => {
  for (const { label, queue } of queues)
    set.add(`${label}OldestMessageAge`, {
      description: `${label}: the oldest message waits over ${EVENTS_MAX_AGE_SECONDS / 60} minutes; the consumer is failing or throttled.`,
      metric: queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: Stats.MAXIMUM,
      }),
      threshold: EVENTS_MAX_AGE_SECONDS,
    });
};

const alarmOnFailedInvocations = (set: AlarmSet, functions: readonly MonitoredFunction[]) => {
  const period = Duration.minutes(5);
  for (const { label, fn } of functions) {
    set.add(`${label}Errors`, {
      description: `${label} function invocations failed.`,
      metric: fn.metricErrors({ period, statistic: Stats.SUM }),
      threshold: 1,
    });
    set.add(`${label}Throttles`, {
      description: `${label} function invocations were throttled.`,
      metric: fn.metricThrottles({ period, statistic: Stats.SUM }),
      threshold: 1,
    });
  }
};

const alarmOnPollersFallingBehind = (set: AlarmSet, pollers: readonly MonitoredPoller[]) => {
  for (const { label, fn, periodMs } of pollers) {
    const { periodSeconds, evaluationPeriods } = pollerAlarmWindow(periodMs);
    const period = Duration.seconds(periodSeconds);
    set.add(`${label}FallingBehind`, {
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
};

/** Share of a monthly budget (X's read cap, a `usdPerMonth` ceiling) at which the budget alarm fires. */
export const BUDGET_ALARM_FRACTION = 0.8;

/**
 * The poller publishes, per platform, the largest used/limit over its monthly budgets (namespace KolPulse,
 * Powertools' `service` dimension `poll`) and counts quota refusals of the platform. Daily quotas are paced
 * to be used up exactly at the end of each day, so their fraction is charted, not alarmed; a refusal means
 * someone else spends the same quota (or the ledger is wrong) and is.
 */
const alarmOnBudgets = (set: AlarmSet, pollers: readonly MonitoredPoller[]) => {
  for (const { label, platform } of pollers) {
    if (!platform) continue;
    const metric = (metricName: string, statistic: string) =>
      new Metric({
        namespace: 'KolPulse',
        metricName,
        dimensionsMap: { service: 'poll', platform },
        period: Duration.minutes(15),
        statistic,
      });
    set.add(`${label}Budget80Percent`, {
      description: `${label}: ${BUDGET_ALARM_FRACTION * 100}% of a monthly budget of ${platform} is spent. Runbook: docs/operations.md, "Budgets".`,
      metric: metric('BudgetUsedFraction', Stats.MAXIMUM),
      threshold: BUDGET_ALARM_FRACTION,
    });
    set.add(`${label}QuotaRefused`, {
      description: `${label}: ${platform} refused a request because a quota was spent before the ledger expected. Runbook: docs/operations.md, "Budgets".`,
      metric: metric('QuotaExhausted', Stats.SUM),
      threshold: 1,
    });
  }
};

const alarmOnApiServerErrors = (set: AlarmSet, api: HttpApi) =>
  set.add('ReportApiServerErrors', {
    description: 'The reporting API answered 5xx.',
    metric: api.metricServerError({ period: Duration.minutes(5), statistic: Stats.SUM }),
    threshold: 1,
  });

/** Every pipeline alarm, created in `scope` and sent to `action`. */
export const addPipelineAlarms = (
  scope: Construct,
  action: IAlarmAction,
  targets: MonitoringTargets,
): Alarm[] => {
  const set = new AlarmSet(scope, action);
  alarmOnDeadLetters(set, targets.deadLetterQueues);
  alarmOnOldestMessage(set, targets.workQueues);
  alarmOnFailedInvocations(set, everyFunction(targets));
  alarmOnPollersFallingBehind(set, targets.pollers);
  alarmOnBudgets(set, targets.pollers);
  alarmOnApiServerErrors(set, targets.api);
  return set.alarms;
};
