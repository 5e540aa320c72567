import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { enabledPlatforms, loadConfigFile } from '../../shared/config';
import type { FunctionId } from '../../shared/topology';
import { REPO_ROOT } from '../constructs/pipeline-function';
import { type StageConfig, stageConfigFromContext } from '../stage-config';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';

/** The report function's dashboard build (exports `writeDashboardAssets(outDir)`). */
export const DASHBOARD_BUILD_FILE = resolve(REPO_ROOT, 'functions/report/dashboard/build.ts');

export interface KolPulseOptions {
  /** Source entries overriding the topology's (tests use stand-ins). */
  readonly entries?: Partial<Record<FunctionId, string>>;
  /** @default functions/report/dashboard/build.ts */
  readonly dashboardBuildFile?: string;
}

export interface KolPulse {
  readonly stageConfig: StageConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * Builds both stacks of a stage into `app` from CDK context (stage config) and the campaign file, and
 * registers cdk-nag's AwsSolutions pack so every synth fails on an unacknowledged finding.
 * Bad context or a bad campaign file throws here, naming the offending field.
 */
export const addKolPulse = (app: App, options: KolPulseOptions = {}): KolPulse => {
  const stageConfig = stageConfigFromContext((key) => app.node.tryGetContext(key));
  const campaignsFile = resolve(stageConfig.campaignsFile);
  const campaigns = loadConfigFile(campaignsFile);
  const dashboardBuildFile = options.dashboardBuildFile ?? DASHBOARD_BUILD_FILE;
  if (!existsSync(dashboardBuildFile))
    throw new Error(
      `dashboard build ${dashboardBuildFile} is missing: the report function cannot ship its page`,
    );

  const stackPrefix = `KolPulse-${stageConfig.stage}`;
  const stateful = new StatefulStack(app, `${stackPrefix}-Stateful`, {
    description: `KOL Pulse ${stageConfig.stage}: tables, queues and platform credential secrets`,
    stageConfig,
    platforms: enabledPlatforms(campaigns).map(([platform]) => platform),
    terminationProtection: stageConfig.production,
  });
  const stateless = new StatelessStack(app, `${stackPrefix}-Stateless`, {
    description: `KOL Pulse ${stageConfig.stage}: functions, schedules, reporting API, alarms and dashboard`,
    stageConfig,
    campaigns,
    campaignsFile,
    tables: stateful.tables,
    queues: stateful.queues,
    platformSecrets: stateful.platformSecrets,
    campaignEvents: stateful.campaignEvents,
    entries: options.entries,
    dashboardBuildFile,
  });
  stateless.addStackDependency(stateful);
  for (const stack of [stateful, stateless]) {
    Tags.of(stack).add('project', 'kol-pulse');
    Tags.of(stack).add('stage', stageConfig.stage);
  }

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stageConfig, stateful, stateless };
};
