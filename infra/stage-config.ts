import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { describeIssues } from '../shared/config';

/** CloudWatch Logs accepts only these retention periods (days). */
const RETENTION_DAYS = Object.values(RetentionDays).filter(
  (v): v is number => typeof v === 'number' && v > 0,
);

/** `cdk -c key=value` passes strings; cdk.json may hold real JSON types. Accept both. */
const contextBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], {
  error: 'must be true or false',
});

const contextInteger = z.union(
  [
    z.number(),
    z
      .string()
      .regex(/^\d+$/)
      .transform((v) => Number(v)),
  ],
  { error: 'must be a whole number' },
);

const emptyToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);

export const StageConfigSchema = z
  .object({
    /** Stage name: part of every stack and resource name, so stages coexist in one account. */
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be 1-16 characters of a-z, 0-9 or "-", starting with a letter')
      .default('dev'),
    /** Campaign configuration validated at synth time and shipped inside every function bundle. */
    campaignsFile: z.string().min(1, 'must be a file path').default('config/campaigns.json'),
    /** Optional address subscribed to the alarm topic. */
    alarmEmail: z.preprocess(emptyToUndefined, z.email('must be an email').optional()),
    /** Optional address subscribed to the spike alert topic (the example rule of docs/events.md). */
    spikeAlertEmail: z.preprocess(emptyToUndefined, z.email('must be an email').optional()),
    logRetentionDays: contextInteger
      .pipe(
        z
          .number()
          .int()
          .refine((d) => RETENTION_DAYS.includes(d), {
            message: `must be one of the CloudWatch Logs retention periods: ${RETENTION_DAYS.join(', ')}`,
          }),
      )
      .default(30),
    /** Production stages keep their data: RETAIN + deletion protection. Defaults to true for stage "prod". */
    production: contextBoolean.optional(),
    /** What happens to tables and queues on `cdk destroy`. Defaults to retain in production, destroy otherwise. */
    removalPolicy: z.enum(['retain', 'destroy'], { error: 'must be "retain" or "destroy"' }).optional(),
    /** Steady-state request rate (per second) allowed on the reporting API's default stage. */
    apiRateLimit: contextInteger.pipe(z.number().int().min(1).max(10_000)).default(25),
    /** Burst of requests allowed on the reporting API's default stage. */
    apiBurstLimit: contextInteger.pipe(z.number().int().min(1).max(5_000)).default(50),
  })
  .transform((raw, ctx) => {
    const production = raw.production ?? raw.stage === 'prod';
    const removalPolicy = raw.removalPolicy ?? (production ? 'retain' : 'destroy');
    if (production && removalPolicy === 'destroy') {
      ctx.addIssue({
        code: 'custom',
        path: ['removalPolicy'],
        message: 'must be "retain" for a production stage (data must survive `cdk destroy`)',
      });
      return z.NEVER;
    }
    return { ...raw, production, removalPolicy };
  });

export type StageConfig = z.output<typeof StageConfigSchema>;

/** Context keys read from `cdk.json` / `cdk -c`. */
export const STAGE_CONTEXT_KEYS = [
  'stage',
  'campaignsFile',
  'alarmEmail',
  'spikeAlertEmail',
  'logRetentionDays',
  'production',
  'removalPolicy',
  'apiRateLimit',
  'apiBurstLimit',
] as const satisfies readonly (keyof z.input<typeof StageConfigSchema>)[];

export class StageConfigError extends Error {
  override name = 'StageConfigError';
}

export const parseStageConfig = (input: unknown): StageConfig => {
  const result = StageConfigSchema.safeParse(input);
  if (!result.success) throw new StageConfigError(`Invalid stage config: ${describeIssues(result.error)}`);
  return result.data;
};

/** Reads the stage configuration from CDK context (`tryGetContext`), failing with the offending field named. */
export const stageConfigFromContext = (tryGetContext: (key: string) => unknown): StageConfig =>
  parseStageConfig(
    Object.fromEntries(
      STAGE_CONTEXT_KEYS.map((key) => [key, tryGetContext(key)] as const).filter(([, v]) => v !== undefined),
    ),
  );

/** Prefix of every physical name of a stage, e.g. `kol-pulse-dev-state`. */
