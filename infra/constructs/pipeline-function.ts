import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Names, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Grant, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type EventSourceMapping,
  LoggingFormat,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV, type FunctionSpec, type SqsTriggerSpec } from '../../shared/topology';
import type { PipelineQueue } from './pipeline-queue';
import type { PipelineTable, TableGrant } from './pipeline-table';

/** Repository root: bundling, the lock file and relative entries are anchored here, not at the cwd. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Lambda's task root: the bundle is unpacked here, so files shipped with it live below it. */
export const LAMBDA_TASK_ROOT = '/var/task';
/** Name of the campaign configuration inside every bundle. */
export const BUNDLED_CAMPAIGNS_FILE = 'campaigns.json';

/** ESM bundles still meet CommonJS dependencies (e.g. the X-Ray SDK) that call `require`. */
const ESM_REQUIRE_SHIM =
  "import { createRequire as __kolPulseCreateRequire } from 'node:module'; const require = __kolPulseCreateRequire(import.meta.url);";

/** Single-quotes an argument for the POSIX shell that runs bundling hooks. */
const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export interface PipelineFunctionProps {
  /** Topology entry: memory, timeout and source entry come from here and nowhere else. */
  readonly spec: FunctionSpec;
  readonly functionName: string;
  readonly description?: string;
  /** Source entry; absolute or relative to the repository root. @default spec.entry */
  readonly entry?: string;
  readonly stage: string;
  /** Absolute path of the validated campaign configuration copied into the bundle. */
  readonly campaignsFile: string;
  readonly logRetention: RetentionDays;
  /** Applies to the log group. */
  readonly removalPolicy: RemovalPolicy;
  readonly environment?: Record<string, string>;
  /** Extra shell commands run after bundling, given the bundle's output directory. */
  readonly afterBundling?: (outputDir: string) => string[];
}

/**
 * The one way KOL Pulse builds a Lambda function: Node.js 24 on arm64, ESM bundle with source maps,
 * minified, X-Ray active tracing, an explicit log group with retention, a role that starts empty
 * (no AWSLambdaBasicExecutionRole: the function may write to its own log group only), and bind
 * helpers that set the environment variable and grant the narrowest access in one call.
 *
 * The AWS SDK is bundled (pinned by package-lock.json) rather than taken from the runtime: the
 * code runs in Lambda against the exact SDK version the tests ran against, and an SDK update on
 * the runtime cannot change behaviour between two cold starts. Minification and tree shaking of
 * the ES builds (mainFields module first) keep the bundle small enough that cold starts do not suffer.
 */
export class PipelineFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    const entry = props.entry ?? props.spec.entry;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.functionName}`,
    });
    const campaignsFile = props.campaignsFile;
    const afterBundling = props.afterBundling;
    super(scope, id, {
      functionName: props.functionName,
      description: props.description,
      entry: isAbsolute(entry) ? entry : resolve(REPO_ROOT, entry),
      handler: props.spec.handler,
      projectRoot: REPO_ROOT,
      depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.spec.memoryMb,
      timeout: Duration.seconds(props.spec.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      role,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        [ENV.stage]: props.stage,
        [ENV.campaignsFile]: `${LAMBDA_TASK_ROOT}/${BUNDLED_CAMPAIGNS_FILE}`,
        POWERTOOLS_SERVICE_NAME: props.functionName,
        POWERTOOLS_METRICS_NAMESPACE: 'KolPulse',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_SHIM,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        bundleAwsSDK: true,
        externalModules: [],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            `cp ${shellQuote(campaignsFile)} ${shellQuote(`${outputDir}/${BUNDLED_CAMPAIGNS_FILE}`)}`,
            ...(afterBundling?.(outputDir) ?? []),
          ],
        },
      },
    });
    logGroup.grantWrite(role);
    // Tracing.ACTIVE adds xray:PutTraceSegments/PutTelemetryRecords on "*" to the role's default policy.
    const defaultPolicy = role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy)
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.',
      });
  }

  /** Sets the table's name variable and grants exactly the given statements on it (see TableGrant). */
  bindTable(table: PipelineTable, grants: readonly TableGrant[]): Grant {
    this.addEnvironment(table.envVar, table.table.tableName);
    return table.grantAccess(this, grants);
  }

  /** Sets the queue's URL variable and grants sending messages to it. */
  bindQueue(queue: PipelineQueue): Grant {
    this.addEnvironment(queue.envVar, queue.queue.queueUrl);
    return queue.grantSend(this);
  }

  /**
   * Runs the function on the queue's messages, reporting partial batch failures, and grants only what the
   * event source mapping calls (CDK's SqsEventSource would also grant ChangeMessageVisibility and GetQueueUrl).
   */
  bindTrigger(queue: PipelineQueue, trigger: SqsTriggerSpec): EventSourceMapping {
    queue.grantConsume(this);
    // The id SqsEventSource used, so the mapping keeps its logical id.
    return this.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(queue.queue.node)}`, {
      eventSourceArn: queue.queue.queueArn,
      batchSize: trigger.batchSize,
      maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
      maxConcurrency: trigger.maxConcurrency,
      reportBatchItemFailures: trigger.reportBatchItemFailures,
    });
  }

  /** Sets PLATFORM_SECRET_ARN and grants GetSecretValue on that one secret (not DescribeSecret, not others). */
  bindSecret(secret: ISecret): Grant {
    this.addEnvironment(ENV.platformSecretArn, secret.secretArn);
    return Grant.addToPrincipal({
      grantee: this,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [secret.secretArn],
    });
  }
}
