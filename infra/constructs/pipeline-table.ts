import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENV, type TableId, type TableSpec } from '../../shared/topology';

/**
 * The DynamoDB actions a function may be granted. `Scan` is deliberately absent: no request path of KOL Pulse
 * scans, and a Scan ignores `dynamodb:LeadingKeys`.
 */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem';

/** One statement of a function's access to a table: the calls its code makes, on the keys it owns. */
export interface TableGrant {
  readonly actions: readonly TableAction[];
  /** A global index of the table instead of the table itself; indexes only take Query. */
  readonly index?: string;
  /**
   * Partition key patterns (IAM `StringLike`, `*` any run of characters) every key of a call must match:
   * `dynamodb:LeadingKeys`, which on an index Query is the index's partition key. Omitted: any key.
   */
  readonly leadingKeys?: readonly string[];
}

/** The environment variable through which a function learns each table's name. */
export const TABLE_ENV: Record<TableId, string> = {
  state: ENV.stateTable,
  rollups: ENV.rollupsTable,
};

export interface PipelineTableProps
  extends Pick<TableProps, 'tableName'>,
    Required<Pick<TableProps, 'removalPolicy' | 'deletionProtection'>> {
  /** Which topology table this is; fixes the key schema, indexes and TTL. */
  readonly id: TableId;
  readonly spec: TableSpec;
}

/**
 * A topology table with its guarantees fixed: on-demand billing, point-in-time recovery and
 * AWS-managed encryption cannot be switched off by callers (they are not props).
 */
export class PipelineTable extends Construct {
  readonly id: TableId;
  readonly spec: TableSpec;
  readonly table: Table;
  readonly envVar: string;

  constructor(scope: Construct, id: string, props: PipelineTableProps) {
    super(scope, id);
    this.id = props.id;
    this.spec = props.spec;
    this.envVar = TABLE_ENV[props.id];
    this.table = new Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: props.spec.partitionKey, type: AttributeType.STRING },
      sortKey: { name: props.spec.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // AWS-managed key (aws/dynamodb): key use is visible in CloudTrail and needs no key policy or
      // cross-stack KMS grants (its key policy admits any principal of the account calling through DynamoDB, so
      // functions hold no kms: permission); the items are public social-media counters, not customer secrets.
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
      timeToLiveAttribute: props.spec.ttlAttribute,
    });
    for (const index of props.spec.globalIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        ...(index.projection === 'KEYS_ONLY'
          ? { projectionType: ProjectionType.KEYS_ONLY }
          : { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection] }),
      });
    }
    if (props.removalPolicy === RemovalPolicy.DESTROY && props.deletionProtection)
      throw new Error(`table ${props.id}: deletion protection contradicts removal policy DESTROY`);
  }

  /** ARN of one of this table's indexes, by name (never an `index/*` wildcard). */
  indexArn(indexName: string): string {
    if (!this.spec.globalIndexes.some((i) => i.indexName === indexName))
      throw new Error(`table ${this.id} has no index ${indexName}`);
    return `${this.table.tableArn}/index/${indexName}`;
  }

  /** Grants each statement as given: its actions on the table or one index, limited to its leading keys. */
  grantAccess(grantee: IGrantable, grants: readonly TableGrant[]): Grant {
    const [first, ...rest] = grants.map((g) => this.grantOne(grantee, g));
    if (!first) throw new Error(`table ${this.id}: an empty grant list grants nothing; leave the table out`);
    return rest.reduce((all, grant) => all.combine(grant), first);
  }

  private grantOne(grantee: IGrantable, grant: TableGrant): Grant {
    if (grant.index && grant.actions.some((a) => a !== 'Query'))
      throw new Error(
        `table ${this.id}: index ${grant.index} takes Query only, not ${grant.actions.join(', ')}`,
      );
    return Grant.addToPrincipal({
      grantee,
      actions: grant.actions.map((a) => `dynamodb:${a}`),
      resourceArns: [grant.index ? this.indexArn(grant.index) : this.table.tableArn],
      conditions: grant.leadingKeys && {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.leadingKeys] },
      },
    });
  }
}
