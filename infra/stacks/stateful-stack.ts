import { RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { Platform } from '../../shared/platform';
import { physicalName, resourcePrefix, type TableId, topology } from '../../shared/topology';
import { CampaignEvents } from '../constructs/campaign-events';
import { PipelineQueue, type QueueId } from '../constructs/pipeline-queue';
import { PipelineTable } from '../constructs/pipeline-table';
import type { StageConfig } from '../stage-config';

export interface StatefulStackProps extends StackProps {
  readonly stageConfig: StageConfig;
  /** Platforms enabled in the campaign configuration: each gets its own credentials secret. */
  readonly platforms: readonly Platform[];
}

/** Secrets Manager name of a platform's credentials; operators put the value after deploying. */
export const platformSecretName = (stage: string, platform: Platform) => `kol-pulse/${stage}/${platform}`;

/**
 * Everything that holds data: the topology's tables and queues, and the platform credential secrets.
 * Functions live in the stateless stack, so they can be redeployed (or destroyed) without touching data.
 */
export class StatefulStack extends Stack {
  readonly tables: Record<TableId, PipelineTable>;
  readonly queues: Record<QueueId, PipelineQueue>;
  readonly platformSecrets: Partial<Record<Platform, Secret>>;
  /** The campaign event bus and its example spike rule (docs/events.md). */
  readonly campaignEvents: CampaignEvents;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { stageConfig } = props;
    const prefix = resourcePrefix(stageConfig.stage);
    const removalPolicy =
      stageConfig.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const tableIds = Object.keys(topology.tables) as TableId[];
    this.tables = Object.fromEntries(
      tableIds.map((tableId) => {
        const spec = topology.tables[tableId];
        const table = new PipelineTable(this, `${capitalize(tableId)}Table`, {
          id: tableId,
          spec,
          tableName: physicalName(prefix, spec.name),
          deletionProtection: stageConfig.production,
          removalPolicy,
        });
        return [tableId, table];
      }),
    ) as Record<TableId, PipelineTable>;

    const queueIds = Object.keys(topology.queues) as QueueId[];
    this.queues = Object.fromEntries(
      queueIds.map((queueId) => [
        queueId,
        new PipelineQueue(this, `${capitalize(queueId)}Queue`, {
          id: queueId,
          spec: topology.queues[queueId],
          namePrefix: prefix,
          removalPolicy,
        }),
      ]),
    ) as Record<QueueId, PipelineQueue>;

    this.campaignEvents = new CampaignEvents(this, 'CampaignEvents', {
      namePrefix: prefix,
      spikeAlertEmail: stageConfig.spikeAlertEmail,
      removalPolicy,
    });

    this.platformSecrets = {};
    for (const platform of props.platforms) {
      const secret = new Secret(this, `${capitalize(platform)}Credentials`, {
        secretName: platformSecretName(stageConfig.stage, platform),
        description: `KOL Pulse ${stageConfig.stage}: ${platform} API credentials (JSON PlatformCredentials, see docs/platforms.md)`,
        removalPolicy,
      });
      // Created empty on purpose: the stack must never hold credentials. The operator puts the value
      // with `aws secretsmanager put-secret-value` (docs/deploy.md); until then that poller fails loudly.
      (secret.node.defaultChild as CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: `Third-party ${platform} API credentials are issued and rotated in the platform's developer console; there is no rotation API to automate.`,
      });
      this.platformSecrets[platform] = secret;
    }
  }
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
