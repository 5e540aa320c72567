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

export type TableAccess = 'read' | 'readWrite';

/** The environment variable through which a function learns each table's name. */
export const TABLE_ENV: Record<TableId, string> = {
  state: ENV.stateTable,
  rollups: ENV.rollupsTable,
};

/** Item-level reads. `Scan` is deliberately absent: no request path of KOL Pulse scans. */
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
/** Indexes only support Query (and Scan, which we never grant). */
const INDEX_ACTIONS = ['dynamodb:Query'];

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
      // cross-stack KMS grants; the items are public social-media counters, not customer secrets.
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

  /** ARNs of this table's indexes, named one by one (no `index/*` wildcard). */
  get indexArns(): string[] {
    return this.spec.globalIndexes.map((i) => `${this.table.tableArn}/index/${i.indexName}`);
  }

  /** Grants item reads (and writes for `readWrite`) on the table, and Query on each of its indexes. */
  grantAccess(grantee: IGrantable, access: TableAccess): Grant {
    const tableGrant = Grant.addToPrincipal({
      grantee,
      actions: access === 'readWrite' ? [...READ_ACTIONS, ...WRITE_ACTIONS] : READ_ACTIONS,
      resourceArns: [this.table.tableArn],
    });
    const indexArns = this.indexArns;
    if (indexArns.length === 0) return tableGrant;
    return tableGrant.combine(
      Grant.addToPrincipal({ grantee, actions: INDEX_ACTIONS, resourceArns: indexArns }),
    );
  }
}
