import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectDynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { type LocalDynamo, startDynalite } from '../../infra/local/engines';

/**
 * The DynamoDB engine under the full-week run, and where its tables live. AWS's DynamoDB Local by default:
 * under this load dynalite on disk was caught returning an older version of a rollup item inside its own
 * read-modify-write, which no protocol above it can survive, so it cannot be the engine of an exactness
 * proof (docs/data-model.md, "Engines: what the proofs run on").
 */
export type WeekEngine = 'dynamodb-local' | 'dynalite';
export const WEEK_ENGINES: readonly WeekEngine[] = ['dynamodb-local', 'dynalite'];

export interface EnginePlace {
  engine: WeekEngine;
  /** Where the checkpoint and the tables it vouches for live; none: in memory, cannot resume. */
  dataDir?: string;
  /**
   * Where the running engine keeps its tables when they should not be written to `dataDir` as they go: a
   * RAM disk such as /dev/shm. DynamoDB Local commits every write to SQLite with a sync, which on this
   * machine's disk runs it at about a third of its in-memory speed; on a RAM disk it keeps about 85%.
   * The tables are copied into `dataDir` at each persist (`persistTables`).
   */
  scratchDir?: string;
}

const tablesFolder = (dir: string, engine: WeekEngine) => join(dir, engine);

/** The engine, its tables in the scratch folder, else the data folder, else memory. */
export const startEngine = async (place: EnginePlace): Promise<LocalDynamo> => {
  const base = place.scratchDir ?? place.dataDir;
  const folder = base && tablesFolder(base, place.engine);
  if (place.engine === 'dynalite')
    return startDynalite({ isolated: true, ...(folder ? { path: folder } : {}) });
  const server = await startDynamoDbLocal(folder ? { dbPath: folder } : {});
  const connected = connectDynamoDbLocal(server.endpoint);
  return {
    ...connected,
    close: async () => {
      await connected.close();
      await server.stop();
    },
  };
};

/**
 * Puts the data folder's tables, those its checkpoint vouches for, into the scratch folder, so a run
 * resumes from the last persist whatever the scratch folder held (a RAM disk is gone after a reboot, and
 * what it holds after a crash may be ahead of the checkpoint). Also finishes a persist cut short between its
 * two renames.
 */
export const restoreScratch = (place: EnginePlace): void => {
  if (!place.scratchDir || !place.dataDir) return;
  const saved = tablesFolder(place.dataDir, place.engine);
  if (!existsSync(saved) && existsSync(`${saved}.old`)) renameSync(`${saved}.old`, saved);
  const scratch = tablesFolder(place.scratchDir, place.engine);
  rmSync(scratch, { recursive: true, force: true });
  if (existsSync(saved)) cpSync(saved, scratch, { recursive: true });
};

/**
 * Copies the scratch tables into the data folder. The engine must be stopped (its files closed and
 * complete); `writeCheckpoint` runs once the copy is in place. A stop anywhere in here leaves the data folder
 * either as before (old tables, old checkpoint) or with tables ahead of the checkpoint: a resume then
 * delivers the cycles after the checkpoint again, redeliveries the exactly-once protocol absorbs.
 */
export const persistTables = (place: EnginePlace, writeCheckpoint: () => void): void => {
  if (!place.scratchDir || !place.dataDir) return;
  const saved = tablesFolder(place.dataDir, place.engine);
  rmSync(`${saved}.new`, { recursive: true, force: true });
  cpSync(tablesFolder(place.scratchDir, place.engine), `${saved}.new`, { recursive: true });
  rmSync(`${saved}.old`, { recursive: true, force: true });
  if (existsSync(saved)) renameSync(saved, `${saved}.old`);
  renameSync(`${saved}.new`, saved);
  writeCheckpoint();
  rmSync(`${saved}.old`, { recursive: true, force: true });
};
