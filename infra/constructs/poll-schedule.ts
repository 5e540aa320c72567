import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  type ISchedule,
  type IScheduleGroup,
  type IScheduleTarget,
  Schedule,
  ScheduleExpression,
  type ScheduleTargetConfig,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Platform } from '../../shared/platform';
import { rateToMs } from '../../shared/topology';

/** Retries of a failed invocation before the event goes to the dead-letter queue. */
export const POLL_SCHEDULE_RETRY_ATTEMPTS = 3;

export interface PollScheduleProps {
  readonly platform: Platform;
  /** EventBridge rate expression from the campaign configuration, e.g. `rate(5 minutes)`. */
  readonly rate: string;
  readonly scheduleName: string;
  readonly group: IScheduleGroup;
  readonly target: IFunction;
  readonly deadLetterQueue: IQueue;
}

/**
 * An EventBridge Scheduler schedule invoking one platform's poll function. Its role may invoke that
 * function and nothing else (the stock LambdaInvoke target would also grant `<function>:*`), and
 * send failed events to the dead-letter queue.
 */
export class PollSchedule extends Construct {
  readonly schedule: Schedule;
  readonly role: Role;
  /** The schedule period in milliseconds. */
  readonly periodMs: number;

  constructor(scope: Construct, id: string, props: PollScheduleProps) {
    super(scope, id);
    this.periodMs = rateToMs(props.rate);
    const stack = Stack.of(this);
    this.role = new Role(this, 'Role', {
      description: `EventBridge Scheduler: invoke the ${props.platform} poll function only`,
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': props.group.scheduleGroupArn },
        },
      }),
    });
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.target.functionArn] }),
    );
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] }),
    );

    // A tick that could not be delivered within one period is superseded by the next one.
    const maxEventAgeSeconds = Math.min(86_400, Math.max(60, Math.floor(this.periodMs / 1000)));
    const role = this.role;
    const target: IScheduleTarget = {
      bind: (_schedule: ISchedule): ScheduleTargetConfig => ({
        arn: props.target.functionArn,
        role,
        // Shaped like an EventBridge "Scheduled Event" so the poller can validate it as one.
        input: ScheduleTargetInput.fromObject({
          version: '0',
          id: ContextAttribute.executionId,
          'detail-type': 'Scheduled Event',
          source: 'aws.scheduler',
          time: ContextAttribute.scheduledTime,
          resources: [ContextAttribute.scheduleArn],
          detail: { platform: props.platform, attempt: ContextAttribute.attemptNumber },
        }),
        retryPolicy: {
          maximumRetryAttempts: POLL_SCHEDULE_RETRY_ATTEMPTS,
          maximumEventAgeInSeconds: maxEventAgeSeconds,
        },
        deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
      }),
    };
    this.schedule = new Schedule(this, 'Schedule', {
      scheduleName: props.scheduleName,
      scheduleGroup: props.group,
      description: `KOL Pulse: poll ${props.platform} at ${props.rate}`,
      schedule: ScheduleExpression.expression(props.rate),
      target,
    });
  }
}
