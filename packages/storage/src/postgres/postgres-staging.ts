import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../sql/sql-types.ts';
import type { Staging } from '../store/sql-store.ts';

/** A private in-memory DuckDB where one import's rows are read, checked and written out. */
export interface StagingDb extends Staging {
  /** Holds the CSV handed to PostgreSQL and whatever DuckDB spills. */
  readonly dir: string;
}

const STAGING_PREFIX = 'cvm-pg-import-';

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
};

/** Removes the staging folders of imports whose process was killed before it could clean up. */
const removeAbandonedStaging = async (): Promise<void> => {
  const names = await readdir(tmpdir()).catch(() => []);
  for (const name of names) {
    const pid = Number(/^cvm-pg-import-(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isRunning(pid)) {
      await rm(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
};

export const openStagingDb = async (timezone: string): Promise<StagingDb> => {
  await removeAbandonedStaging();
  // The process id in the name tells a later import whether the folder's owner is still alive.
  const dir = await mkdtemp(join(tmpdir(), `${STAGING_PREFIX}${process.pid}-`));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(':memory:', { temp_directory: join(dir, 'spill') });
  } catch (error) {
    await removeDir();
    throw error;
  }
  const close = async (): Promise<void> => {
    instance.closeSync();
    await removeDir();
  };
  try {
    const connection = await instance.connect();
    // Timestamps without an offset are read in the workspace time zone.
    await connection.run(`SET TimeZone = ${literal(timezone)}`);
    return { connection, dir, [Symbol.asyncDispose]: close };
  } catch (error) {
    await close();
    throw error;
  }
};
