import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { POLL_SCHEDULE_RETRY_ATTEMPTS } from '../../infra/constructs/poll-schedule';
import { loadConfigFile } from '../../shared/config';
import { ENV, type FunctionId, rateToMs, topology } from '../../shared/topology';
import {
  actionsOf,
  FIXTURE_CAMPAIGNS,
  FIXTURE_PLATFORMS,
  required,
  resourcesOf,
  resourceText,
  type Statement,
  statementsOfFunction,
  synthFixture,
} from './support/app';

// One synth for the file (bundling skipped: templates only), plus one with optional context set.
const dev = synthFixture();
const tuned = synthFixture({
  context: { alarmEmail: 'ops@example.com', logRetentionDays: '90', apiRateLimit: '7', apiBurstLimit: '11' },
});
const template = dev.statelessTemplate;
const config = loadConfigFile(FIXTURE_CAMPAIGNS);

const logicalIdOf = (construct: { node: { defaultChild?: unknown } }, stack = dev.stateful): string =>
  stack.getLogicalId(construct.node.defaultChild as Parameters<typeof stack.getLogicalId>[0]);
const eventsQueueId = logicalIdOf(dev.stateful.queues.events.queue);
const secretIdOf = (platform: (typeof FIXTURE_PLATFORMS)[number]) => {
  const secret = dev.stateful.platformSecrets[platform];
  if (!secret) throw new Error(`no secret for ${platform}`);
  return logicalIdOf(secret);
};

const functionNames: { fnId: FunctionId; name: string; platform?: string }[] = [
  ...FIXTURE_PLATFORMS.map((platform) => ({
    fnId: 'poll' as const,
    name: `kol-pulse-dev-poll-${platform}`,
    platform,
  })),
  { fnId: 'aggregate', name: 'kol-pulse-dev-aggregate' },
  { fnId: 'report', name: 'kol-pulse-dev-report' },
];

const functionResource = (t: Template, name: string) => {
  const found = Object.entries(resourcesOf(t, 'AWS::Lambda::Function')).find(
    ([, f]) => f.Properties.FunctionName === name,
  );
  if (!found) throw new Error(`no function ${name}`);
  return { logicalId: found[0], properties: found[1].Properties ?? {} };
};

describe('Functions: one construct, settings from the topology', () => {
  it('creates exactly one poll function per enabled platform, plus aggregate and report', () => {
    const names = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).map(
      (f) => f.Properties.FunctionName,
    );
    expect(names.sort()).toEqual(functionNames.map((f) => f.name).sort());
  });

  it.each(functionNames)(
    '$name: nodejs24.x on arm64, ESM handler, tracing, JSON logs, memory/timeout from topology',
    ({ fnId, name }) => {
      const spec = topology.functions[fnId];
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: name,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: `index.${spec.handler}`,
        MemorySize: spec.memoryMb,
        Timeout: spec.timeoutSeconds,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: Match.anyValue() },
        Environment: {
          Variables: Match.objectLike({
            NODE_OPTIONS: '--enable-source-maps',
            [ENV.campaignsFile]: '/var/task/campaigns.json',
            [ENV.stage]: 'dev',
          }),
        },
      });
    },
  );

  it.each(functionNames)('$name: writes to its own log group, with the stage retention', ({ name }) => {
    const check = (t: Template, days: number) => {
      const { properties } = functionResource(t, name);
      const logGroupId = (properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const logGroup = resourcesOf(t, 'AWS::Logs::LogGroup')[logGroupId];
      expect(logGroup?.Properties).toMatchObject({
        LogGroupName: `/aws/lambda/${name}`,
        RetentionInDays: days,
      });
    };
    check(template, 30);
    check(tuned.statelessTemplate, 90);
  });

  it.each(functionNames)(
    '$name: environment names every resource it is bound to, and nothing else',
    ({ fnId, name, platform }) => {
      const spec = topology.functions[fnId];
      const variables = (
        functionResource(template, name).properties.Environment as { Variables: Record<string, unknown> }
      ).Variables;
      const tables = spec.tables as Partial<Record<'state' | 'rollups', string>>;
      expect(ENV.stateTable in variables).toBe('state' in tables);
      expect(ENV.rollupsTable in variables).toBe('rollups' in tables);
      expect(ENV.eventsQueueUrl in variables).toBe('sendsTo' in spec);
      expect(variables[ENV.platform]).toBe(platform);
      expect(ENV.platformSecretArn in variables).toBe(platform !== undefined);
      if (platform)
        expect(JSON.stringify(variables[ENV.platformSecretArn])).toContain(secretIdOf(platform as 'x'));
    },
  );

  it('no function has a managed policy or a wildcard resource beyond X-Ray', () => {
    for (const { name } of functionNames) {
      const statements = statementsOfFunction(template, name);
      for (const s of statements.filter((st) => resourceText(st) === '"*"'))
        expect(actionsOf(s).every((a) => a.startsWith('xray:'))).toBe(true);
      for (const s of statements) expect(actionsOf(s).some((a) => a.endsWith(':*') || a === '*')).toBe(false);
    }
  });
});

// Each function's IAM grants, one by one: iam-table.test.ts.

describe('Aggregate trigger from topology.triggers', () => {
  it('SQS event source: batch size, window, max concurrency, partial batch failures', () => {
    const trigger = topology.triggers.aggregate;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionResource(template, 'kol-pulse-dev-aggregate').logicalId },
      EventSourceArn: Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp(eventsQueueId) }),
      BatchSize: trigger.batchSize,
      MaximumBatchingWindowInSeconds: trigger.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: trigger.maxConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(Object.keys(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'))).toHaveLength(1);
  });
});

describe('Poll schedules: one per enabled platform', () => {
  const schedules = Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule'));
  const queues = resourcesOf(template, 'AWS::SQS::Queue');
  // The only queue of the stateless stack: the work queues live in the stateful stack.
  const [scheduleDlqId, ...otherQueues] = Object.keys(queues);

  it('has exactly one queue of its own: the schedule dead-letter queue', () => {
    expect(otherQueues).toEqual([]);
    expect(queues[scheduleDlqId ?? '']?.Properties.QueueName).toBe('kol-pulse-dev-poll-schedule-dlq');
  });

  it('runs each enabled platform at its configured rate, with retries and a dead-letter queue', () => {
    expect(schedules).toHaveLength(FIXTURE_PLATFORMS.length);
    for (const platform of FIXTURE_PLATFORMS) {
      const rate = config.platforms[platform]?.schedule ?? '';
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: `kol-pulse-dev-poll-${platform}`,
        GroupName: 'kol-pulse-dev-poll',
        ScheduleExpression: rate,
        State: 'ENABLED',
        Target: {
          Arn: {
            'Fn::GetAtt': [functionResource(template, `kol-pulse-dev-poll-${platform}`).logicalId, 'Arn'],
          },
          RetryPolicy: {
            MaximumRetryAttempts: POLL_SCHEDULE_RETRY_ATTEMPTS,
            MaximumEventAgeInSeconds: rateToMs(rate) / 1000,
          },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [scheduleDlqId, 'Arn'] } },
          Input: Match.serializedJson(
            Match.objectLike({ 'detail-type': 'Scheduled Event', detail: Match.objectLike({ platform }) }),
          ),
        },
      });
    }
  });

  it("each schedule's role may invoke only its own poll function (and dead-letter failed events)", () => {
    const roles = resourcesOf(template, 'AWS::IAM::Role');
    const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
    for (const schedule of schedules) {
      const target = schedule.Properties.Target as {
        Arn: unknown;
        RoleArn: { 'Fn::GetAtt': [string, string] };
      };
      const roleId = target.RoleArn['Fn::GetAtt'][0];
      const trust = JSON.stringify(roles[roleId]?.Properties.AssumeRolePolicyDocument);
      expect(trust).toContain('scheduler.amazonaws.com');
      expect(trust).toContain('aws:SourceAccount');
      const statements = policies
        .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
      expect(statements).toEqual([
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: target.Arn },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [scheduleDlqId, 'Arn'] } },
      ]);
    }
  });

  it('has no schedule or function for a disabled platform', () => {
    expect(config.platforms.bluesky?.enabled).toBe(false);
    expect(JSON.stringify(template.toJSON())).not.toContain('poll-bluesky');
  });
});

describe('Reporting API', () => {
  it('requires IAM (SigV4) authorization on every route but the HMAC-signed events webhook, and has no unauthenticated catch-all', () => {
    const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([
      'GET /',
      'GET /{proxy+}',
      'POST /campaigns/{campaignId}/events',
    ]);
    for (const route of routes)
      expect(route.Properties.AuthorizationType).toBe(
        route.Properties.RouteKey === 'POST /campaigns/{campaignId}/events' ? 'NONE' : 'AWS_IAM',
      );
  });

  it('default stage: JSON access logs to a log group, throttling from the stage config', () => {
    const check = (t: Template, rate: number, burst: number) => {
      const stages = Object.values(resourcesOf(t, 'AWS::ApiGatewayV2::Stage'));
      expect(stages).toHaveLength(1);
      const stage = stages[0]?.Properties ?? {};
      expect(stage).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst },
      });
      const access = stage.AccessLogSettings as {
        DestinationArn: { 'Fn::GetAtt': [string, string] };
        Format: string;
      };
      expect(resourcesOf(t, 'AWS::Logs::LogGroup')[access.DestinationArn['Fn::GetAtt'][0]]).toBeDefined();
      expect(JSON.parse(access.Format)).toMatchObject({
        requestId: '$context.requestId',
        status: '$context.status',
      });
    };
    check(template, 25, 50);
    check(tuned.statelessTemplate, 7, 11);
  });

  it('outputs the URL and a managed policy allowing execute-api:Invoke on this API only', () => {
    template.hasOutput('ReportApiUrl', {});
    template.hasOutput('AnalystPolicyArn', {});
    const policies = Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy'));
    expect(policies).toHaveLength(1);
    const statements = (
      required(policies[0], 'analyst policy').Properties.PolicyDocument as { Statement: Statement[] }
    ).Statement;
    expect(statements.flatMap(actionsOf)).toEqual(['execute-api:Invoke']);
    const apiId = Object.keys(resourcesOf(template, 'AWS::ApiGatewayV2::Api'))[0] ?? '';
    for (const resource of required(statements[0], 'statement').Resource as unknown[]) {
      expect(JSON.stringify(resource)).toContain(apiId);
      expect(JSON.stringify(resource)).toContain('/$default/GET/');
    }
  });
});

describe('Alarms and dashboard', () => {
  const alarms = Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
  const topicId = Object.keys(resourcesOf(template, 'AWS::SNS::Topic'))[0] ?? '';
  const alarmMetric = (props: Record<string, unknown> | undefined) => [props?.Namespace, props?.MetricName];

  it('every alarm notifies the alarm topic', () => {
    expect(alarms.length).toBeGreaterThan(0);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('alarms when any dead-letter queue holds a message', () => {
    const dlqAlarms = alarms.filter(
      ([, a]) =>
        alarmMetric(a.Properties).join() === ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'].join(),
    );
    const dimensions = JSON.stringify(dlqAlarms.map(([, a]) => a.Properties.Dimensions));
    expect(dlqAlarms).toHaveLength(2);
    expect(dimensions).toContain(logicalIdOf(dev.stateful.queues.events.deadLetterQueue));
    for (const [, a] of dlqAlarms)
      expect(a.Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
  });

  it('alarms on the age of the oldest message on the events queue', () => {
    const age = alarms.filter(([, a]) => a.Properties.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(age).toHaveLength(1);
    expect(JSON.stringify(age[0]?.[1].Properties.Dimensions)).toContain(eventsQueueId);
  });

  it('alarms on errors and throttles of every function', () => {
    for (const metricName of ['Errors', 'Throttles']) {
      const fnAlarms = alarms.filter(
        ([, a]) => a.Properties.MetricName === metricName && a.Properties.Namespace === 'AWS/Lambda',
      );
      const covered = fnAlarms.map(([, a]) => JSON.stringify(a.Properties.Dimensions));
      for (const { name } of functionNames) {
        const { logicalId } = functionResource(template, name);
        expect(covered.filter((d) => d.includes(`"${logicalId}"`))).toHaveLength(1);
      }
    }
  });

  it('alarms when a poller has had no successful invocation for three schedule periods', () => {
    for (const platform of FIXTURE_PLATFORMS) {
      const { logicalId } = functionResource(template, `kol-pulse-dev-poll-${platform}`);
      const rateSeconds = rateToMs(config.platforms[platform]?.schedule ?? '') / 1000;
      const behind = alarms.filter(
        ([, a]) =>
          a.Properties.Metrics !== undefined &&
          JSON.stringify(a.Properties.Metrics).includes(`"${logicalId}"`),
      );
      expect(behind).toHaveLength(1);
      const props = behind[0]?.[1].Properties ?? {};
      expect(props).toMatchObject({
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        TreatMissingData: 'breaching',
      });
      const metrics = props.Metrics as { MetricStat?: { Period: number; Metric: { MetricName: string } } }[];
      for (const m of metrics.filter((x) => x.MetricStat)) expect(m.MetricStat?.Period).toBe(3 * rateSeconds);
    }
  });

  it('the alarm topic is KMS-encrypted with a rotating key CloudWatch may use, and TLS-only', () => {
    const topic = resourcesOf(template, 'AWS::SNS::Topic')[topicId];
    const keyId = (
      required(topic, 'alarm topic').Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] }
    )['Fn::GetAtt'][0];
    const key = resourcesOf(template, 'AWS::KMS::Key')[keyId];
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key?.Properties.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes the alarm email only when one is configured', () => {
    expect(Object.keys(resourcesOf(template, 'AWS::SNS::Subscription'))).toHaveLength(0);
    tuned.statelessTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('the schedule dead-letter queue is encrypted and TLS-only too', () => {
    for (const [, queue] of Object.entries(resourcesOf(template, 'AWS::SQS::Queue')))
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('one dashboard charts queues, functions, DynamoDB and the API', () => {
    const dashboards = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'Invocations',
      'Errors',
      'Duration',
      'ConsumedReadCapacityUnits',
      'ConsumedWriteCapacityUnits',
      'WriteThrottleEvents',
      '4xx',
      '5xx',
      'Latency',
    ])
      expect(body).toContain(metric);
  });
});
