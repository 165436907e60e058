import { open, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSpec, EventKey, ImportKind, ImportOptions } from '@opencvm/core';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ident, literal, sqlType } from '../sql/sql-types.ts';
import { commitSql, tableKey } from '../staging/commit-sql.ts';
import { watchProgress } from '../staging/duckdb-stage.ts';
import { postgresDialect } from './postgres-dialect.ts';
import { toStoreError } from './postgres-errors.ts';

/**
 * Moving checked rows from the staging DuckDB into PostgreSQL: DuckDB writes them to a CSV
 * file while PostgreSQL copies the file in, inside the caller's transaction.
 */

type Row = Record<string, unknown>;

/** Sorts for index builds stay in memory up to this size (the server's default is 64MB). */
const INDEX_BUILD_MEMORY = '256MB';
const READ_CHUNK_BYTES = 1 << 20;
const POLL_MS = 10;

/** Columns an import stamps with its time; they are not in the file. */
const STAMPS: Readonly<Record<ImportKind, readonly string[]>> = {
  customers: ['created_at', 'updated_at'],
  events: ['imported_at'],
  relations: ['updated_at'],
};

/**
 * How a stored column is written for PostgreSQL. Timestamps are written as UTC wall-clock
 * time (the COPY runs with TimeZone UTC): computed from epoch microseconds, which is several
 * times faster than formatting them, and exact where DuckDB's own text would round historical
 * offsets such as LMT to minutes. The rest are written as DuckDB writes them: decimals in full,
 * booleans as true/false, NULL as an unquoted empty field.
 */
const exportExpression = (spec: ColumnSpec): string =>
  spec.type === 'timestamp'
    ? `make_timestamp(epoch_us(${ident(spec.name)})) AS ${ident(spec.name)}`
    : ident(spec.name);

export type ExportOutcome =
  | { readonly state: 'running' }
  | { readonly state: 'finished'; readonly rows: number }
  | { readonly state: 'failed'; readonly error: unknown };

export interface RunningExport {
  /** Settles when DuckDB has written the whole file, with the number of rows. */
  readonly finished: Promise<number>;
  /** Where the export is now: a failure seen here came before anything that followed it. */
  outcome(): ExportOutcome;
  /** Interrupts DuckDB if it is still writing, and waits until it has stopped. */
  stop(): Promise<void>;
}

/**
 * Starts writing the rows of `query` (stored values and `_invalid`) to a CSV file at `path`,
 * created empty first so it can be followed while it grows. A row flagged invalid fails the
 * export. Sorting by the table key is for a table that already holds rows: PostgreSQL's index
 * inserts then land on pages already in cache; an empty table's indexes are built after.
 */
export const startExport = async (options: {
  readonly connection: DuckDBConnection;
  readonly kind: ImportKind;
  readonly columns: readonly ColumnSpec[];
  readonly query: string;
  readonly path: string;
  readonly sorted: boolean;
  readonly onProgress: ImportOptions['onProgress'];
  /** The source file, when the export reads one, for progress. */
  readonly file?: string;
}): Promise<RunningExport> => {
  const { connection, kind, columns, query, path, sorted, onProgress } = options;
  await writeFile(path, '');
  // Like the staging's progress, but kept up for as long as the export runs, beside the copy.
  const stopProgress = await watchProgress(connection, onProgress, options.file, 2);
  const order = sorted ? ` ORDER BY ${tableKey(kind).map(ident).join(', ')}` : '';
  let outcome: ExportOutcome = { state: 'running' };
  // In place: DuckDB would otherwise write beside the existing file and rename it at the end.
  const finished = connection
    .run(
      `COPY (SELECT ${columns.map(exportExpression).join(', ')} FROM (${query}) q WHERE CASE WHEN _invalid THEN error('a row failed the checks') ELSE true END${order}) TO ${literal(path)} (FORMAT csv, HEADER false, USE_TMP_FILE false)`,
    )
    .then(
      (result) => {
        outcome = { state: 'finished', rows: result.rowsChanged };
        return result.rowsChanged;
      },
      (error: unknown) => {
        outcome = { state: 'failed', error };
        throw error;
      },
    );
  const settled = finished.then(
    () => {},
    () => {},
  );
  void settled.then(stopProgress);
  return {
    finished,
    outcome: () => outcome,
    stop: async () => {
      if (outcome.state === 'running') connection.interrupt();
      await settled;
    },
  };
};

/**
 * The bytes of a file another writer is still appending to, read as they arrive until the
 * writer has finished and the end is reached; the writer's failure ends it with that error.
 */
export async function* followFile(path: string, writer: Promise<unknown>): AsyncGenerator<Buffer> {
  let settled = false;
  let failed = false;
  let failure: unknown = null;
  const settling = writer.then(
    () => {
      settled = true;
    },
    (error: unknown) => {
      settled = true;
      failed = true;
      failure = error;
    },
  );
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let position = 0;
    for (;;) {
      if (failed) throw failure;
      // Read once more after the writer settled: what it wrote last is then complete.
      const wasSettled = settled;
      const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK_BYTES, position);
      if (bytesRead > 0) {
        position += bytesRead;
        yield Buffer.from(buffer.subarray(0, bytesRead));
      } else if (wasSettled) {
        if (failed) throw failure;
        return;
      } else {
        await Promise.race([settling, sleep(POLL_MS)]);
      }
    }
  } finally {
    await handle.close();
  }
}

const copyRows = async (options: {
  readonly client: PoolClient;
  readonly target: string;
  readonly columns: readonly ColumnSpec[];
  readonly rows: () => Readable;
}): Promise<number> => {
  const { client, target, columns, rows } = options;
  const names = columns.map((spec) => ident(spec.name)).join(', ');
  const copy = client.query(copyFrom(`COPY ${target} (${names}) FROM STDIN (FORMAT csv)`));
  await pipeline(rows(), copy);
  return copy.rowCount;
};

/**
 * True when the table holds no row, and then locks it against every other session until the
 * transaction ends (readers wait too, but there is nothing to read yet).
 */
const lockIfEmpty = async (client: PoolClient, table: string): Promise<boolean> => {
  const isEmpty = async (): Promise<boolean> =>
    (await client.query(`SELECT 1 FROM ${table} LIMIT 1`)).rowCount === 0;
  if (!(await isEmpty())) return false;
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  // Rows committed while this waited for the lock are seen now (read committed).
  return isEmpty();
};

interface IndexRebuild {
  readonly drop: string;
  readonly create: string;
  readonly unique: boolean;
}

/** The table's indexes and key constraints, as statements that drop and recreate them. */
const indexRebuilds = async (client: PoolClient, table: string): Promise<IndexRebuild[]> => {
  const indexes = await client.query<Row>(
    `SELECT quote_ident(x.relname) AS index_name, pg_get_indexdef(i.indexrelid) AS index_definition,
            quote_ident(c.conname) AS constraint_name, pg_get_constraintdef(c.oid) AS constraint_definition,
            i.indisunique AS unique
       FROM pg_index i
       JOIN pg_class x ON x.oid = i.indexrelid
       LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
      WHERE i.indrelid = $1::regclass
      ORDER BY i.indisprimary DESC, x.relname`,
    [table],
  );
  return indexes.rows.map((row) =>
    row.constraint_name == null
      ? {
          drop: `DROP INDEX ${String(row.index_name)}`,
          create: String(row.index_definition),
          unique: row.unique === true,
        }
      : {
          drop: `ALTER TABLE ${table} DROP CONSTRAINT ${String(row.constraint_name)}`,
          create: `ALTER TABLE ${table} ADD CONSTRAINT ${String(row.constraint_name)} ${String(row.constraint_definition)}`,
          unique: row.unique === true,
        },
  );
};

/** Builds a unique index over events, first removing events the file repeated if it refuses them. */
const rebuildDroppingRepeats = async (
  client: PoolClient,
  kind: ImportKind,
  create: string,
): Promise<number> => {
  await client.query('SAVEPOINT rebuild');
  try {
    await client.query(create);
    await client.query('RELEASE SAVEPOINT rebuild');
    return 0;
  } catch (error) {
    if (toStoreError(error).reason !== 'unique_violation') throw error;
  }
  await client.query('ROLLBACK TO SAVEPOINT rebuild');
  const table = ident(kind);
  const key = tableKey(kind).map(ident).join(', ');
  const removed = await client.query(
    `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM (SELECT ctid, row_number() OVER (PARTITION BY ${key}) AS n FROM ${table}) r WHERE n > 1))`,
  );
  await client.query(create);
  return removed.rowCount ?? 0;
};

/**
 * Copies straight into an empty table with its indexes dropped, then rebuilds them: building an
 * index once is several times cheaper than maintaining it row by row. The import time comes
 * from a column default set for the copy only (parsing it on every line costs a fifth of the
 * copy; the stamp columns have no default of their own). Events repeated in the file are
 * removed when the unique key refuses them; anything else that breaks a unique index fails the
 * import. Returns the rows stored.
 */
const bulkLoad = async (options: {
  readonly client: PoolClient;
  readonly kind: ImportKind;
  readonly columns: readonly ColumnSpec[];
  readonly rows: () => Readable;
  readonly now: string;
}): Promise<number> => {
  const { client, kind, columns, rows, now } = options;
  const table = ident(kind);
  const stamps = STAMPS[kind].map(ident);
  const rebuilds = await indexRebuilds(client, table);
  for (const rebuild of rebuilds) await client.query(rebuild.drop);
  await client.query(
    `ALTER TABLE ${table} ${stamps.map((stamp) => `ALTER COLUMN ${stamp} SET DEFAULT ${literal(now)}::timestamptz`).join(', ')}`,
  );
  let stored = await copyRows({ client, target: table, columns, rows });
  await client.query(
    `ALTER TABLE ${table} ${stamps.map((stamp) => `ALTER COLUMN ${stamp} DROP DEFAULT`).join(', ')}`,
  );
  await client.query(`SET LOCAL maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
  for (const rebuild of rebuilds) {
    if (rebuild.unique && kind === 'events')
      stored -= await rebuildDroppingRepeats(client, kind, rebuild.create);
    else await client.query(rebuild.create);
  }
  return stored;
};

/** The PostgreSQL column of a staged field; keys use the collation of the stored keys. */
const stageColumn = (spec: ColumnSpec, key: readonly string[]): string =>
  `${ident(spec.name)} ${sqlType(spec.type, postgresDialect)}${key.includes(spec.name) ? ' COLLATE "C"' : ''}`;

/**
 * Copies into a temporary table and merges it with the shared commit SQL: upserts for
 * customers and relations, insert-if-new for events (ON CONFLICT DO NOTHING also skips an event
 * repeated within the file).
 */
const mergeLoad = async (options: {
  readonly client: PoolClient;
  readonly kind: ImportKind;
  readonly columns: readonly ColumnSpec[];
  readonly rows: () => Readable;
  readonly now: string;
  readonly reportKeys: boolean;
}): Promise<LoadedRows> => {
  const { client, kind, columns, rows, now, reportKeys } = options;
  const stage = ident(`stage_${kind}`);
  const key = tableKey(kind);
  const definitions = [
    ...columns.map((spec) => stageColumn(spec, key)),
    '_invalid boolean NOT NULL DEFAULT false',
  ];
  await client.query(`CREATE TEMP TABLE ${stage} (${definitions.join(', ')}) ON COMMIT DROP`);
  await copyRows({ client, target: stage, columns, rows });
  // Temporary tables are never analyzed automatically; the merge's join needs the row count.
  await client.query(`ANALYZE ${stage}`);
  const sql = commitSql({ kind, stage, columns, dialect: postgresDialect });
  if (!sql.countSql) {
    if (!reportKeys) return { inserted: (await client.query(sql.writeSql, [now])).rowCount ?? 0, updated: 0 };
    const written = await client.query<Row>(`${sql.writeSql} RETURNING customer_id, id`, [now]);
    return { inserted: written.rowCount ?? 0, updated: 0, keys: eventKeys(written.rows) };
  }
  const counted = (await client.query<Row>(sql.countSql)).rows[0];
  await client.query(sql.writeSql, [now]);
  return { inserted: Number(counted?.inserted ?? 0), updated: Number(counted?.updated ?? 0) };
};

/**
 * Loads CSV rows (as `startExport` writes them) into the kind's table, inside the caller's
 * transaction: an empty table is bulk loaded, otherwise the rows are merged.
 */
export const copyIntoTable = async (options: {
  readonly client: PoolClient;
  readonly kind: ImportKind;
  readonly columns: readonly ColumnSpec[];
  readonly rows: () => Readable;
  /** The import time, ISO. */
  readonly now: string;
  /** Report the keys of the events written (`keys`). */
  readonly reportKeys?: boolean;
}): Promise<LoadedRows> => {
  const { client, kind } = options;
  const reportKeys = kind === 'events' && options.reportKeys === true;
  await client.query(`SET LOCAL TimeZone = 'UTC'`);
  if (await lockIfEmpty(client, ident(kind))) {
    const inserted = await bulkLoad(options);
    if (!reportKeys) return { inserted, updated: 0 };
    // The table was empty: all it holds now is this import's.
    const written = await client.query<Row>('SELECT customer_id, id FROM events');
    return { inserted, updated: 0, keys: eventKeys(written.rows) };
  }
  return mergeLoad({ ...options, reportKeys });
};

/** What a load wrote; `keys` the events it stored, when asked for. */
export interface LoadedRows {
  readonly inserted: number;
  readonly updated: number;
  readonly keys?: readonly EventKey[];
}

const eventKeys = (rows: readonly Row[]): EventKey[] =>
  rows.map((row) => ({ customerId: String(row.customer_id), id: String(row.id) }));

/** Rows for `copyIntoTable` from a file that `startExport` is still writing. */
export const exportedRows =
  (path: string, running: RunningExport): (() => Readable) =>
  () =>
    Readable.from(followFile(path, running.finished));
