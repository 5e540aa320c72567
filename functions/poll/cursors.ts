import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { cursorKey } from '../../shared/keys';
import type { Platform } from '../../shared/platform';
import type { SearchCursor } from '../../shared/platforms/adapter';

const SearchCursorSchema = z.object({ id: z.string().optional(), time: z.string().optional() });

/**
 * The late re-reads of one query: when the last complete re-read covering each layer started (ISO, by layer
 * key), and the re-read under way, if any: the layers it covers, when it started, how far back it reads and
 * its next page.
 */
const LateReadStateSchema = z.object({
  lastRead: z.record(z.string(), z.string()),
  running: z
    .object({
      layers: z.array(z.string()),
      startedAt: z.string(),
      notBefore: z.string(),
      pageToken: z.string().optional(),
    })
    .optional(),
});
export type LateReadState = z.infer<typeof LateReadStateSchema>;

/**
 * Cursor item of one (platform, query): `since` is the newest post of the last COMPLETE search; `resume`
 * is where an unfinished search stopped (the next page to read, and the newest post that search has seen,
 * which becomes `since` once it completes). `complete` marks a finished one-off backfill; `late` holds the
 * query's late re-reads (`late-read.ts`).
 */
export const CursorItemSchema = z.object({
  query: z.string(),
  since: SearchCursorSchema.optional(),
  resume: z.object({ pageToken: z.string(), newest: SearchCursorSchema.optional() }).optional(),
  complete: z.boolean().optional(),
  late: LateReadStateSchema.optional(),
});
export type CursorState = z.infer<typeof CursorItemSchema>;

/** Where cursor items are read and written (DynamoDB in the function, memory in unit tests). */
export type CursorItems = Pick<CursorStore, 'load' | 'save'>;

export class CursorStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly platform: Platform,
  ) {}

  /** The saved state of a query; a missing or unreadable item starts over (re-reading is harmless). */
  async load(name: string, query: string): Promise<{ state: CursorState; corrupt: boolean }> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: cursorKey(this.platform, name),
        ConsistentRead: true,
      }),
    );
    if (!Item) return { state: { query }, corrupt: false };
    const parsed = CursorItemSchema.safeParse(Item);
    return parsed.success ? { state: parsed.data, corrupt: false } : { state: { query }, corrupt: true };
  }

  async save(name: string, state: CursorState, pollId: string, now: number): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...cursorKey(this.platform, name),
          query: state.query,
          since: state.since ? cleanCursor(state.since) : undefined,
          resume: state.resume
            ? {
                pageToken: state.resume.pageToken,
                newest: state.resume.newest && cleanCursor(state.resume.newest),
              }
            : undefined,
          complete: state.complete,
          late: state.late && cleanLateState(state.late),
          platform: this.platform,
          pollId,
          updatedAt: new Date(now).toISOString(),
        },
      }),
    );
  }
}

const cleanCursor = (c: SearchCursor): SearchCursor => ({ id: c.id, time: c.time });

const cleanLateState = ({ lastRead, running }: LateReadState): LateReadState => ({
  lastRead,
  ...(running
    ? {
        running: {
          layers: running.layers,
          startedAt: running.startedAt,
          notBefore: running.notBefore,
          ...(running.pageToken ? { pageToken: running.pageToken } : {}),
        },
      }
    : {}),
});
