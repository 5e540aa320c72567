import { pathToFileURL } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { enabledPlatforms, type KolPulseConfig } from '../../shared/config';
import type { Platform } from '../../shared/platform';
import { ENV, type FunctionId, resourcePrefix, type TableId, topology } from '../../shared/topology';
import type { CampaignEvents } from '../constructs/campaign-events';
import { DirectResponseSecrets } from '../constructs/direct-response-secrets';
import { LAMBDA_TASK_ROOT, PipelineFunction, REPO_ROOT } from '../constructs/pipeline-function';
import {
  type MonitoredPoller,
  type MonitoredQueue,
  PipelineMonitoring,
} from '../constructs/pipeline-monitoring';
import type { PipelineQueue, QueueId } from '../constructs/pipeline-queue';
import type { PipelineTable, TableGrant } from '../constructs/pipeline-table';
import { PollSchedule } from '../constructs/poll-schedule';
import { ReportingApi } from '../constructs/reporting-api';
import type { StageConfig } from '../stage-config';
import { tableGrantsOf } from './table-grants';

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
  /** The campaign event bus: poll and aggregate functions publish to it (docs/events.md). */
  readonly campaignEvents?: CampaignEvents;
  /** Source entries overriding the topology's (tests use stand-ins). */
  readonly entries?: Partial<Record<FunctionId, string>>;
  /** Module exporting `writeDashboardAssets(outDir)`, run after bundling the report function. */
  readonly dashboardBuildFile: string;
}

interface PipelineFunctionExtras {
  constructId: string;
  /** The platform a poll function serves: its table grants are limited to that platform's keys. */
  platform: Platform;
  description: string;
  environment: Record<string, string>;
  afterBundling: (outputDir: string) => string[];
}

/** Scheduled poll functions, one per enabled platform, and the queue their failed schedule events land in. */
interface Pollers {
  readonly functions: Partial<Record<Platform, PipelineFunction>>;
  readonly monitored: MonitoredPoller[];
  readonly scheduleDeadLetterQueue: Queue;
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
  /** Per-campaign keys that sign direct-response events (docs/direct-response.md). */
  readonly directResponseSecrets: DirectResponseSecrets;
  readonly monitoring: PipelineMonitoring;
  private readonly prefix: string;
  /** Logs, the alarm key and the schedule DLQ hold no business data; they are kept only in production. */
  private readonly removalPolicy: RemovalPolicy;
  private readonly logRetention: RetentionDays;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: StatelessStackProps,
  ) {
    super(scope, id, props);
    const { stageConfig } = props;
    this.prefix = resourcePrefix(stageConfig.stage);
    this.removalPolicy = stageConfig.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.logRetention = stageConfig.logRetentionDays as RetentionDays;

    const pollers = this.addPollers();
    const aggregate = this.addAggregate();
    const report = this.addReport();
    this.directResponseSecrets = new DirectResponseSecrets(this, 'DirectResponseSecrets', {
      namePrefix: this.prefix,
      campaignIds: props.campaigns.campaigns.map((c) => c.id),
      removalPolicy: this.removalPolicy,
    });
    this.directResponseSecrets.bindTo(report);
    this.api = new ReportingApi(this, 'ReportApi', {
      namePrefix: this.prefix,
      handler: report,
      rateLimit: stageConfig.apiRateLimit,
      burstLimit: stageConfig.apiBurstLimit,
      logRetention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });
    this.functions = { poll: pollers.functions, aggregate, report };
    this.monitoring = this.addMonitoring(pollers);
    this.addOutputs();
  }

  /** A function from the topology, bound to the tables and queue its spec names, with the grants of table-grants.ts. */
  private addFunction(fnId: FunctionId, name: string, extra: Partial<PipelineFunctionExtras> = {}) {
    const spec = topology.functions[fnId];
    const fn = new PipelineFunction(this, extra.constructId ?? capitalize(fnId), {
      spec,
      functionName: `${this.prefix}-${name}`,
      description: extra.description,
      entry: this.props.entries?.[fnId],
      stage: this.props.stageConfig.stage,
      campaignsFile: this.props.campaignsFile,
      logRetention: this.logRetention,
      removalPolicy: this.removalPolicy,
      environment: extra.environment,
      afterBundling: extra.afterBundling,
    });
    for (const [tableId, grants] of Object.entries(tableGrantsOf(fnId, extra.platform)) as [
      TableId,
      readonly TableGrant[],
    ][])
      fn.bindTable(this.props.tables[tableId], grants);
    if ('sendsTo' in spec) fn.bindQueue(this.props.queues[spec.sendsTo]);
    if (fnId !== 'report') this.props.campaignEvents?.bindPublisher(fn);
    return fn;
  }

  /** One poll function per enabled platform, each on its own schedule. */
  private addPollers(): Pollers {
    const group = new ScheduleGroup(this, 'PollSchedules', {
      scheduleGroupName: `${this.prefix}-poll`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const scheduleDeadLetterQueue = this.addScheduleDeadLetterQueue();
    const functions: Partial<Record<Platform, PipelineFunction>> = {};
    const monitored: MonitoredPoller[] = [];
    for (const [platform, settings] of enabledPlatforms(this.props.campaigns)) {
      const secret = this.props.platformSecrets[platform];
      if (!secret) throw new Error(`platform ${platform} is enabled but has no credentials secret`);
      const label = `Poll${capitalize(platform)}`;
      const fn = this.addFunction('poll', `poll-${platform}`, {
        constructId: label,
        platform,
        description: `KOL Pulse: poll ${platform} for campaign posts and refresh tracked posts`,
        environment: { [ENV.platform]: platform },
      });
      fn.bindSecret(secret);
      functions[platform] = fn;
      const schedule = new PollSchedule(this, `${label}Schedule`, {
        platform,
        rate: settings.schedule,
        scheduleName: `${this.prefix}-poll-${platform}`,
        group,
        target: fn,
        deadLetterQueue: scheduleDeadLetterQueue,
      });
      monitored.push({ label, fn, periodMs: schedule.periodMs, platform });
    }
    return { functions, monitored, scheduleDeadLetterQueue };
  }

  private addScheduleDeadLetterQueue(): Queue {
    const queue = new Queue(this, 'PollScheduleDeadLetterQueue', {
      queueName: `${this.prefix}-poll-schedule-dlq`,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: this.removalPolicy,
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter target of the poll schedules; nothing consumes it to fail again.',
    });
    return queue;
  }

  /** The aggregate function, triggered by the queues topology.triggers names. */
  private addAggregate(): PipelineFunction {
    const aggregate = this.addFunction('aggregate', 'aggregate', {
      description: 'KOL Pulse: apply observations to exact daily rollups (exactly once)',
    });
    for (const [fnId, trigger] of Object.entries(topology.triggers) as [
      keyof typeof topology.triggers,
      (typeof topology.triggers)[keyof typeof topology.triggers],
    ][]) {
      const consumer = { aggregate }[fnId];
      const queue = this.props.queues[trigger.queue];
      assertVisibilityCoversConsumer(queue, topology.functions[fnId].timeoutSeconds);
      consumer.bindTrigger(queue, trigger);
    }
    return aggregate;
  }

  /** The report function, shipped with the dashboard page built after bundling. */
  private addReport(): PipelineFunction {
    const dashboardModule = pathToFileURL(this.props.dashboardBuildFile).href;
    return this.addFunction('report', 'report', {
      description: 'KOL Pulse: reporting API (JSON, CSV, OpenAPI, dashboard)',
      environment: { DASHBOARD_ASSETS_DIR: `${LAMBDA_TASK_ROOT}/${DASHBOARD_DIR}` },
      afterBundling: (outputDir) => [dashboardBuildCommand(dashboardModule, `${outputDir}/${DASHBOARD_DIR}`)],
    });
  }

  private addMonitoring(pollers: Pollers): PipelineMonitoring {
    const { stageConfig, queues, tables } = this.props;
    const dlqRunbook = `Inspect with \`npm run dlq -- inspect --stage ${stageConfig.stage}\`, fix, then \`npm run dlq -- redrive --stage ${stageConfig.stage}\`.`;
    const scheduleDlq: MonitoredQueue = {
      label: 'PollScheduleDlq',
      queue: pollers.scheduleDeadLetterQueue,
      runbook:
        'A scheduled poll invocation failed every retry: read the poll function logs; the next tick polls again.',
    };
    return new PipelineMonitoring(this, 'Monitoring', {
      namePrefix: this.prefix,
      alarmEmail: stageConfig.alarmEmail,
      removalPolicy: this.removalPolicy,
      pollers: pollers.monitored,
      functions: [
        { label: 'Aggregate', fn: this.functions.aggregate },
        { label: 'Report', fn: this.functions.report },
      ],
      workQueues: Object.values(queues).map((q) => ({ label: capitalize(q.id), queue: q.queue })),
      deadLetterQueues: [
        ...Object.values(queues).map((q) => ({
          label: `${capitalize(q.id)}Dlq`,
          queue: q.deadLetterQueue,
          runbook: dlqRunbook,
        })),
        scheduleDlq,
      ],
      tables: Object.values(tables).map((t) => ({ label: t.id, table: t.table })),
      api: this.api.api,
    });
  }

  private addOutputs(): void {
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

/** AWS: the visibility timeout should be at least six times the consumer's timeout. */
const assertVisibilityCoversConsumer = (queue: PipelineQueue, consumerTimeoutSeconds: number) => {
  if (queue.spec.visibilityTimeoutSeconds < 6 * consumerTimeoutSeconds)
    throw new Error(
      `queue ${queue.id}: visibility timeout ${queue.spec.visibilityTimeoutSeconds}s is under 6x its consumer's timeout (${consumerTimeoutSeconds}s)`,
    );
};

/** Runs the dashboard build (functions/report/dashboard) with the repository's tsx; a failed build fails synth. */
const dashboardBuildCommand = (moduleUrl: string, outDir: string): string => {
  const script = `import(${JSON.stringify(moduleUrl)}).then((m) => m.writeDashboardAssets(${JSON.stringify(outDir)})).catch((e) => { console.error(e); process.exit(1); })`;
  return `${shellQuote(`${REPO_ROOT}/node_modules/.bin/tsx`)} -e ${shellQuote(script)}`;
};

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
