import { Logger } from '@aws-lambda-powertools/logger';
import type { Clock } from '../../../functions/poll/clock';
import type { Platform } from '../../../shared/platform';
import { topology } from '../../../shared/topology';
import { LOCAL_REGION } from '../engines';
import { localFunctionName } from '../function-env';
import type { LambdaFunctionSettings } from '../lambda-runtime';
import { newCounters, type TwinCounters } from '../status';
import type { TwinEngines } from './engines';

/** What the twin's functions share: the engines, the status counters and where errors go. */
export interface TwinContext {
  engines: TwinEngines;
  /** The twin's one clock (simulated with the demo platform: see simulated-time.ts). */
  clock: Clock;
  counters: TwinCounters;
  /** Records an error as the last one and passes it on to the twin's onError hook. */
  fail(message: string): void;
  loggerFor(serviceName: string): Logger;
}

export const twinContext = (
  engines: TwinEngines,
  clock: Clock,
  verbose: boolean,
  onError: ((message: string) => void) | undefined,
): TwinContext => {
  const counters = newCounters();
  const logLevel = verbose ? 'INFO' : 'WARN';
  return {
    engines,
    clock,
    counters,
    fail: (message) => {
      counters.lastError = message;
      onError?.(message);
    },
    loggerFor: (serviceName) => new Logger({ serviceName, logLevel }),
  };
};

/** The Lambda settings of a function as the topology declares them. */
export const functionSettings = (
  fn: 'poll' | 'aggregate' | 'report',
  platform?: Platform,
): LambdaFunctionSettings => ({
  functionName: localFunctionName(fn, platform),
  timeoutSeconds: topology.functions[fn].timeoutSeconds,
  memoryMb: topology.functions[fn].memoryMb,
  region: LOCAL_REGION,
});

export const firstLine = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0] ?? '';
