import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { PipelineMonitoring, type PipelineMonitoringProps } from '../../infra/constructs/pipeline-monitoring';
import { FIXTURE_PLATFORMS, required, resourcesOf, synthFixture } from './support/app';

const { statelessTemplate: template } = synthFixture();

/** CloudFormation's Fn::Join parts back into the dashboard JSON; a Ref becomes the referenced logical id. */
const dashboardBody = (): { widgets: Widget[] } => {
  const [dashboard] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));
  const join = required(dashboard, 'dashboard').Properties.DashboardBody as {
    'Fn::Join': [string, unknown[]];
  };
  const text = join['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      return ref ?? 'token';
    })
    .join('');
  return JSON.parse(text) as { widgets: Widget[] };
};

interface Widget {
  type: string;
  properties: { title?: string; metrics?: unknown[][] };
}

const FUNCTION_WIDGETS = [
  'Invocations',
  'Errors and throttles',
  'Duration p90 (ms)',
  'Concurrent executions',
];
/** Errors (left) and throttles (right) share one widget: two lines per function there. */
const LINES_PER_FUNCTION = 5;

const functionLogicalIds = () => {
  const byName = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).map(
    ([id, f]) => [f.Properties.FunctionName as string, id] as const,
  );
  return new Map(byName);
};

/** The function logical id a metric line charts, if it is a Lambda metric. */
const chartedFunction = (line: unknown[]): string | undefined =>
  line[0] === 'AWS/Lambda' && line[2] === 'FunctionName' ? (line[3] as string) : undefined;

describe('Dashboard: every function charted exactly once', () => {
  const widgets = dashboardBody().widgets;
  const functionWidgets = widgets.filter((w) => FUNCTION_WIDGETS.includes(w.properties.title ?? ''));
  const linesOf = (logicalId: string) =>
    functionWidgets.flatMap((w) =>
      (w.properties.metrics ?? []).filter((l) => chartedFunction(l) === logicalId),
    );

  it('has each function widget once', () => {
    expect(functionWidgets.map((w) => w.properties.title).sort()).toEqual([...FUNCTION_WIDGETS].sort());
  });

  it.each(FIXTURE_PLATFORMS)('poll-%s: one line per function metric, no more', (platform) => {
    const id = required(functionLogicalIds().get(`kol-pulse-dev-poll-${platform}`), platform);
    const lines = linesOf(id);
    expect(lines).toHaveLength(LINES_PER_FUNCTION);
    expect(lines.map((l) => l[1]).sort()).toEqual(
      ['ConcurrentExecutions', 'Duration', 'Errors', 'Invocations', 'Throttles'].sort(),
    );
  });

  it('charts every function and nothing else in the function widgets', () => {
    const ids = [...functionLogicalIds().values()];
    for (const id of ids) expect(linesOf(id)).toHaveLength(LINES_PER_FUNCTION);
    const charted = functionWidgets.flatMap((w) => (w.properties.metrics ?? []).map(chartedFunction));
    expect(charted).toHaveLength(ids.length * LINES_PER_FUNCTION);
  });
});

describe('PipelineMonitoring', () => {
  const monitoringProps = (stack: Stack): Omit<PipelineMonitoringProps, 'pollers' | 'functions'> => ({
    namePrefix: 'kol-pulse-test',
    removalPolicy: RemovalPolicy.DESTROY,
    workQueues: [],
    deadLetterQueues: [],
    tables: [],
    api: new HttpApi(stack, 'Api'),
  });
  const stubFunction = (stack: Stack, id: string) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => undefined;'),
    });

  it('refuses a poller that is also listed among the other functions, whatever its label', () => {
    const stack = new Stack(new App(), 'Test');
    const fn = stubFunction(stack, 'Poller');
    expect(
      () =>
        new PipelineMonitoring(stack, 'Monitoring', {
          ...monitoringProps(stack),
          pollers: [{ label: 'PollX', fn, periodMs: 300_000 }],
          functions: [{ label: 'AlsoPollX', fn }],
        }),
    ).toThrow(/PollX is monitored twice/);
  });

  it('alarms on errors and throttles of pollers and other functions alike', () => {
    const stack = new Stack(new App(), 'Test');
    const monitoring = new PipelineMonitoring(stack, 'Monitoring', {
      ...monitoringProps(stack),
      pollers: [{ label: 'PollX', fn: stubFunction(stack, 'Poller'), periodMs: 300_000 }],
      functions: [{ label: 'Aggregate', fn: stubFunction(stack, 'Aggregate') }],
    });
    expect(monitoring.alarms.map((a) => a.node.id).sort()).toEqual(
      [
        'AggregateErrors',
        'AggregateThrottles',
        'PollXErrors',
        'PollXFallingBehind',
        'PollXThrottles',
        'ReportApiServerErrors',
      ].sort(),
    );
  });

  it('alarms at 80% of a monthly budget and on a quota the platform refused, per platform', () => {
    const stack = new Stack(new App(), 'Test');
    const monitoring = new PipelineMonitoring(stack, 'Monitoring', {
      ...monitoringProps(stack),
      pollers: [{ label: 'PollX', fn: stubFunction(stack, 'Poller'), periodMs: 300_000, platform: 'x' }],
      functions: [],
    });
    const ids = monitoring.alarms.map((a) => a.node.id);
    expect(ids).toEqual(expect.arrayContaining(['PollXBudget80Percent', 'PollXQuotaRefused']));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'BudgetUsedFraction',
      Namespace: 'KolPulse',
      Threshold: 0.8,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: Match.arrayWith([{ Name: 'platform', Value: 'x' }]),
    });
  });
});
