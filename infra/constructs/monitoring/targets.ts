import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

export interface MonitoredFunction {
  readonly label: string;
  readonly fn: IFunction;
}

export interface MonitoredPoller extends MonitoredFunction {
  readonly periodMs: number;
  /** The platform it polls: its budget metrics carry it as the `platform` dimension. */
  readonly platform?: string;
}

export interface MonitoredQueue {
  readonly label: string;
  readonly queue: IQueue;
  /** What an operator should do when the alarm fires. */
  readonly runbook?: string;
}

export interface MonitoredTable {
  readonly label: string;
  readonly table: ITable;
}

/** What the alarms and the dashboard watch. */
export interface MonitoringTargets {
  /** Scheduled poll functions: alarmed and charted like every function, plus a falling-behind alarm. */
  readonly pollers: readonly MonitoredPoller[];
  /** The other functions; a poller listed here as well would be alarmed and charted twice, and is refused. */
  readonly functions: readonly MonitoredFunction[];
  /** Work queues: depth and age of the oldest message. */
  readonly workQueues: readonly MonitoredQueue[];
  /** Any message here is an alarm. */
  readonly deadLetterQueues: readonly MonitoredQueue[];
  readonly tables: readonly MonitoredTable[];
  readonly api: HttpApi;
}

/** Every monitored function once: the pollers, then the others. */
export const everyFunction = (targets: MonitoringTargets): readonly MonitoredFunction[] => {
  const all = [...targets.pollers, ...targets.functions];
  const seen = new Set<IFunction>();
  for (const { label, fn } of all) {
    if (seen.has(fn)) throw new Error(`function ${label} is monitored twice: list a poller in pollers only`);
    seen.add(fn);
  }
  return all;
};
