import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

/**
 * Counters the fault suite reports in docs/reliability.md. Each test file adds to its own tally; a setup
 * file flushes it to the run's results folder after the file, and the global teardown merges them.
 */
export const COUNTER_NAMES = [
  'scenarios',
  'observationsServed',
  'messagesSent',
  'messagesDuplicated',
  'redeliveries',
  'crashesInjected',
  'platformFaultsServed',
  'dynamoFaultsInjected',
  'poisonMessages',
  'dlqMessagesRedriven',
  'badInputsTried',
  'hostileInputsServed',
  'stalledPollCycles',
  'rollupFiguresCompared',
  'rollupDrift',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

export const COUNTER_LABELS: Record<CounterName, string> = {
  scenarios: 'End-to-end fault scenarios run',
  observationsServed: 'Observations served by the platforms / fed to the pipeline',
  messagesSent: 'SQS messages sent (before duplication)',
  messagesDuplicated: 'Messages duplicated on purpose (extra sends)',
  redeliveries: 'Redeliveries (receives beyond the first, incl. short visibility timeouts and crashes)',
  crashesInjected: 'Crashes injected (aggregate, poll, whole twin)',
  platformFaultsServed: 'Platform faults served (429, 5xx, timeouts, resets, malformed/truncated bodies...)',
  dynamoFaultsInjected: 'DynamoDB throttling/5xx errors injected at the client',
  poisonMessages: 'Poison messages that reached the DLQ',
  dlqMessagesRedriven: 'DLQ messages redriven to the main queue',
  badInputsTried: 'Bad inputs tried (report requests, configs, platform payloads, hostile identifiers)',
  hostileInputsServed:
    'Hostile platform inputs served through poll, SQS and aggregate (U+FFFE, lone surrogates, bidi and zero-width characters, huge ids, 10 MB and deeply nested bodies)',
  stalledPollCycles: 'Poll cycles that stopped on hostile input (must be 0)',
  rollupFiguresCompared: 'Rollup figures compared with the oracle',
  rollupDrift: 'Rollup drift against the oracle (sum of absolute differences; must be 0)',
};

export const zeroCounters = (): Counters => Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Counters;

export interface ScenarioFigures {
  file: string;
  scenario: string;
  counters: Partial<Counters>;
}

export interface FileFigures {
  file: string;
  scenarios: ScenarioFigures[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    faultsResultsDir: string;
  }
}

const state: { scenarios: ScenarioFigures[] } = { scenarios: [] };

/** A scenario's tally; add to it as faults are injected and checks run. */
export class ScenarioTally {
  readonly counters: Partial<Counters> = {};
  constructor(readonly scenario: string) {
    state.scenarios.push({ file: '', scenario, counters: this.counters });
  }

  add(name: CounterName, n = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + n;
  }

  get(name: CounterName): number {
    return this.counters[name] ?? 0;
  }
}

export const tally = (scenario: string): ScenarioTally => new ScenarioTally(scenario);

/** Writes this file's figures (`file`: its path relative to the repository) for the global teardown. */
export const flushFigures = (file: string): void => {
  const dir = inject('faultsResultsDir');
  mkdirSync(dir, { recursive: true });
  const out: FileFigures = { file, scenarios: state.scenarios.map((s) => ({ ...s, file })) };
  writeFileSync(join(dir, `${randomUUID()}.json`), JSON.stringify(out, null, 2));
  state.scenarios = [];
};
