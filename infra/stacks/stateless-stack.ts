import { pathToFileURL } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { enabledPlatforms, type KolPulseConfig } from '../../shared/config';
import type { Platform } from '../../shared/platform';
import { ENV, type FunctionId, type TableId, topology } from '../../shared/topology';
import { LAMBDA_TASK_ROOT, PipelineFunction, REPO_ROOT } from '../constructs/pipeline-function';
import { type MonitoredPoller, PipelineMonitoring } from '../constructs/pipeline-monitoring';
import type { PipelineQueue, QueueId } from '../constructs/pipeline-queue';
import type { PipelineTable } from '../constructs/pipeline-table';
import { PollSchedule } from '../constructs/poll-schedule';
import { ReportingApi } from '../constructs/reporting-api';
import { resourcePrefix, type StageConfig } from '../stage-config';

/** Where the report function finds the dashboard page and its bundled assets. */
export const DASHBOARD_DIR = 'dashboard';

export interface StatelessStackProps extends StackProps {
  readonly stageConfig: StageConfig;
  readonly campaigns: KolPulseConfig;
  /** Absolute path of the (already validated) campaign configuration shipped with every function. */
  readonly campaignsFile: string;
  readonly tables: Record<TableId, PipelineTable>;
  readonly queues: Record<QueueId, PipelineQueue>;
  readonly platformSecrets: Partial<Record<Platform, ISecret>>;
  /** Source entries overriding the topology's (tests use stand-ins). */
  readonly entries?: Partial<Record<FunctionId, string>>;
  /** Module exporting `writeDashboardAssets(outDir)`, run after bundling the report function. */
  readonly dashboardBuildFile: string;
}

/**
 * Everything that can be redeployed without touching data: the functions wired from the topology,
 * their schedules and SQS trigger, the reporting API, alarms and the dashboard.
 */
export class StatelessStack extends Stack {
  readonly functions: {
    poll: Partial<Record<Platform, PipelineFunction>>;
    aggregate: PipelineFunction;
    report: PipelineFunction;
  };
  readonly api: ReportingApi;
  readonly monitoring: PipelineMonitoring;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { stageConfig } = props;
    const prefix = resourcePrefix(stageConfig.stage);
    // Logs, the alarm key and the schedule DLQ hold no business data; keep them only in production.
    const removalPolicy = stageConfig.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = stageConfig.logRetentionDays as RetentionDays;

    const makeFunction = (fnId: FunctionId, name: string, extra: Partial<PipelineFunctionExtras> = {}) => {
      const spec = topology.functions[fnId];
      const fn = new PipelineFunction(this, extra.constructId ?? capitalize(fnId), {
        spec,
        functionName: `${prefix}-${name}`,
        description: extra.description,
        entry: props.entries?.[fnId],
        stage: stageConfig.stage,
        campaignsFile: props.campaignsFile,
        logRetention,
        removalPolicy,
        environment: extra.environment,
        afterBundling: extra.afterBundling,
      });
      for (const [tableId, access] of Object.entries(spec.tables) as [TableId, 'read' | 'readWrite'][])
        fn.bindTable(props.tables[tableId], access);
      if ('sendsTo' in spec) fn.bindQueue(props.queues[spec.sendsTo]);
      return fn;
    };

    // ---- poll: one function per enabled platform, each on its own schedule --------------------------
    const scheduleGroup = new ScheduleGroup(this, 'PollSchedules', {
      scheduleGroupName: `${prefix}-poll`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const scheduleDeadLetterQueue = new Queue(this, 'PollScheduleDeadLetterQueue', {
      queueName: `${prefix}-poll-schedule-dlq`,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });
    Validations.of(scheduleDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter target of the poll schedules; nothing consumes it to fail again.',
    });
    const poll: Partial<Record<Platform, PipelineFunction>> = {};
    const pollers: MonitoredPoller[] = [];
    for (const [platform, settings] of enabledPlatforms(props.campaigns)) {
      const secret = props.platformSecrets[platform];
      if (!secret) throw new Error(`platform ${platform} is enabled but has no credentials secret`);
      const fn = makeFunction('poll', `poll-${platform}`, {
        constructId: `Poll${capitalize(platform)}`,
        description: `KOL Pulse: poll ${platform} for campaign posts and refresh tracked posts`,
        environment: { [ENV.platform]: platform },
      });
      fn.bindSecret(secret);
      poll[platform] = fn;
      const schedule = new PollSchedule(this, `Poll${capitalize(platform)}Schedule`, {
        platform,
        rate: settings.schedule,
        scheduleName: `${prefix}-poll-${platform}`,
        group: scheduleGroup,
        target: fn,
        deadLetterQueue: scheduleDeadLetterQueue,
      });
      pollers.push({ label: `Poll${capitalize(platform)}`, fn, periodMs: schedule.periodMs });
    }

    // ---- aggregate: SQS-triggered, from topology.triggers ---------------------------------------------
    const aggregate = makeFunction('aggregate', 'aggregate', {
      description: 'KOL Pulse: apply observations to exact daily rollups (exactly once)',
    });
    for (const [fnId, trigger] of Object.entries(topology.triggers) as [
      keyof typeof topology.triggers,
      (typeof topology.triggers)[keyof typeof topology.triggers],
    ][]) {
      const consumer = { aggregate }[fnId];
      const queue = props.queues[trigger.queue];
      assertVisibilityCoversConsumer(queue, topology.functions[fnId].timeoutSeconds);
      consumer.addEventSource(
        new SqsEventSource(queue.queue, {
          batchSize: trigger.batchSize,
          maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
          maxConcurrency: trigger.maxConcurrency,
          reportBatchItemFailures: trigger.reportBatchItemFailures,
        }),
      );
    }

    // ---- report: behind the IAM-authenticated HTTP API ------------------------------------------------
    const dashboardModule = pathToFileURL(props.dashboardBuildFile).href;
    const report = makeFunction('report', 'report', {
      description: 'KOL Pulse: reporting API (JSON, CSV, OpenAPI, dashboard)',
      environment: { DASHBOARD_ASSETS_DIR: `${LAMBDA_TASK_ROOT}/${DASHBOARD_DIR}` },
      afterBundling: (outputDir) => [dashboardBuildCommand(dashboardModule, `${outputDir}/${DASHBOARD_DIR}`)],
    });
    this.api = new ReportingApi(this, 'ReportApi', {
      namePrefix: prefix,
      handler: report,
      rateLimit: stageConfig.apiRateLimit,
      burstLimit: stageConfig.apiBurstLimit,
      logRetention,
      removalPolicy,
    });
    this.functions = { poll, aggregate, report };

    // ---- alarms and dashboard -------------------------------------------------------------------------
    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      namePrefix: prefix,
      alarmEmail: stageConfig.alarmEmail,
      removalPolicy,
      functions: [...pollers, { label: 'Aggregate', fn: aggregate }, { label: 'Report', fn: report }],
      pollers,
      workQueues: Object.values(props.queues).map((q) => ({ label: capitalize(q.id), queue: q.queue })),
      deadLetterQueues: [
        ...Object.values(props.queues).map((q) => ({
          label: `${capitalize(q.id)}Dlq`,
          queue: q.deadLetterQueue,
          runbook: `Inspect with \`npm run dlq -- inspect --stage ${stageConfig.stage}\`, fix, then \`npm run dlq -- redrive --stage ${stageConfig.stage}\`.`,
        })),
        {
          label: 'PollScheduleDlq',
          queue: scheduleDeadLetterQueue,
          runbook:
            'A scheduled poll invocation failed every retry: read the poll function logs; the next tick polls again.',
        },
      ],
      tables: Object.values(props.tables).map((t) => ({ label: t.id, table: t.table })),
      api: this.api.api,
    });

    new CfnOutput(this, 'ReportApiUrl', {
      value: this.api.url,
      description: 'Reporting API (SigV4): npx tsx scripts/report-client.ts <url> /campaigns',
    });
    new CfnOutput(this, 'AnalystPolicyArn', {
      value: this.api.invokePolicy.managedPolicyArn,
      description: "Attach to analysts' IAM roles to let them call the reporting API",
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }
}

interface PipelineFunctionExtras {
  constructId: string;
  description: string;
  environment: Record<string, string>;
  afterBundling: (outputDir: string) => string[];
}

/** AWS: the visibility timeout should be at least six times the consumer's timeout. */
const assertVisibilityCoversConsumer = (queue: PipelineQueue, consumerTimeoutSeconds: number) => {
  if (queue.spec.visibilityTimeoutSeconds < 6 * consumerTimeoutSeconds)
    throw new Error(
      `queue ${queue.id}: visibility timeout ${queue.spec.visibilityTimeoutSeconds}s is under 6x its consumer's timeout (${consumerTimeoutSeconds}s)`,
    );
};

/** Runs the report engineer's dashboard build with the repository's tsx; a failed build fails synth. */
const dashboardBuildCommand = (moduleUrl: string, outDir: string): string => {
  const script = `import(${JSON.stringify(moduleUrl)}).then((m) => m.writeDashboardAssets(${JSON.stringify(outDir)})).catch((e) => { console.error(e); process.exit(1); })`;
  return `${shellQuote(`${REPO_ROOT}/node_modules/.bin/tsx`)} -e ${shellQuote(script)}`;
};

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
