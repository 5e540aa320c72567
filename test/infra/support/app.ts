import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { REPO_ROOT } from '../../../infra/constructs/pipeline-function';
import { addKolPulse, type KolPulse } from '../../../infra/stacks/kol-pulse';

export const FIXTURES = resolve(REPO_ROOT, 'test/infra/fixtures');
export const FIXTURE_CAMPAIGNS = resolve(FIXTURES, 'campaigns.json');
/** Platforms enabled in the fixture (bluesky is present but disabled). */
export const FIXTURE_PLATFORMS = ['x', 'mastodon'] as const;

export const fixtureEntries = {
  poll: resolve(FIXTURES, 'functions/poll/handler.ts'),
  aggregate: resolve(FIXTURES, 'functions/aggregate/handler.ts'),
  report: resolve(FIXTURES, 'functions/report/handler.ts'),
};

export interface SynthOptions {
  readonly context?: Record<string, unknown>;
  /** Run esbuild for real (slow); by default bundling is skipped and only templates are produced. */
  readonly bundle?: boolean;
  readonly outdir?: string;
}

export interface Synthesized extends KolPulse {
  readonly app: App;
  readonly stateful: KolPulse['stateful'];
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
}

/** Builds the KOL Pulse app from the test fixtures, the way `cdk synth` does from cdk.json. */
export const buildFixtureApp = (options: SynthOptions = {}): KolPulse & { app: App } => {
  const app = new App({
    outdir: options.outdir,
    // aws-cdk-lib's own CloudFormation schema check spends seconds loading a wasm engine per synth;
    // `cdk synth` keeps it, tests only need cdk-nag.
    builtinCloudFormationValidation: false,
    context: {
      campaignsFile: FIXTURE_CAMPAIGNS,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  const built = addKolPulse(app, {
    entries: fixtureEntries,
    dashboardBuildFile: resolve(FIXTURES, 'dashboard-build.ts'),
  });
  return { app, ...built };
};

/** Synthesizes a built app (possibly changed after building) into templates. */
export const synthesize = (built: KolPulse & { app: App }): Synthesized => ({
  ...built,
  statefulTemplate: Template.fromStack(built.stateful),
  statelessTemplate: Template.fromStack(built.stateless),
});

export const synthFixture = (options: SynthOptions = {}): Synthesized => synthesize(buildFixtureApp(options));

export interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** Resources of a type, keyed by logical id (Properties always present, possibly empty). */
export const resourcesOf = (template: Template, type: string): Record<string, Resource> =>
  Object.fromEntries(
    Object.entries(template.findResources(type) as Record<string, Partial<Resource>>).map(([id, r]) => [
      id,
      { ...r, Type: type, Properties: r.Properties ?? {} },
    ]),
  );

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** The policy statements attached to the role of the function with this physical name. */
export const statementsOfFunction = (template: Template, functionName: string): Statement[] => {
  const functions = resourcesOf(template, 'AWS::Lambda::Function');
  const fn = Object.values(functions).find((f) => f.Properties.FunctionName === functionName);
  if (!fn) throw new Error(`no function named ${functionName}`);
  const roleRef = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleRef),
  );
  const roles = resourcesOf(template, 'AWS::IAM::Role');
  const role = roles[roleRef];
  if (!role) throw new Error(`no role ${roleRef}`);
  if (role.Properties.ManagedPolicyArns) throw new Error(`${functionName} has managed policies attached`);
  const inline =
    (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? [];
  return [
    ...policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement),
    ...inline.flatMap((p) => p.PolicyDocument.Statement),
  ];
};

/** Stringified resource references, for matching against logical ids / export names. */
export const resourceText = (s: Statement): string => JSON.stringify(s.Resource);

/** The value, or a test failure naming what was missing. */
export const required = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`missing: ${what}`);
  return value;
};
