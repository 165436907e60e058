import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSpec, ImportCounts, ImportKind, ImportOptions } from '@opencvm/core';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { commitSql, tableKey } from '../commit-sql.ts';
import { ident, literal, sqlType } from '../sql-types.ts';
import { toStoreError } from './postgres-errors.ts';

/**
 * Moving checked rows from the staging DuckDB into PostgreSQL: DuckDB writes them to a CSV
 * file, PostgreSQL copies it in, all inside the caller's transaction.
 */

type Row = Record<string, unknown>;
let lapAt = performance.now();
export const lap = (label: string): void => { const now = performance.now(); if (process.env.TRACE) console.error(`  ${label}: ${((now - lapAt) / 1000).toFixed(2)} s`); lapAt = now; };

/** Sorts for index builds stay in memory up to this size (the server's default is 64MB). */
const INDEX_BUILD_MEMORY = '256MB';
const PROGRESS_EVERY_MS = 200;

/** Columns an import stamps with its time, after the file's own. */
export const STAMPS: Readonly<Record<ImportKind, readonly string[]>> = {
  customers: ['created_at', 'updated_at'],
  events: ['imported_at'],
  relations: ['updated_at'],
};

/**
 * How a stored column is written for PostgreSQL: timestamps in UTC with an explicit offset
 * (DuckDB's own text rounds historical offsets such as LMT to minutes), the rest as DuckDB
 * writes them (decimals in full, booleans as true/false, NULL as an unquoted empty field).
 */
const exportExpression = (spec: ColumnSpec): string =>
  spec.type === 'timestamp'
    ? `strftime(${ident(spec.name)} AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f') || '+00' AS ${ident(spec.name)}`
    : ident(spec.name);

/**
 * Writes the rows of `query` (stored values and `_invalid`) to a CSV file with the import time
 * in the stamp columns, sorted by the table key: PostgreSQL's index inserts then land on pages
 * already in cache, and its index builds start from sorted input. A row flagged invalid fails
 * the whole export. Returns the number of rows written.
 */
export const exportRows = async (options: {
  readonly connection: DuckDBConnection;
  readonly kind: ImportKind;
  readonly columns: readonly ColumnSpec[];
  /** A query yielding the stored columns and `_invalid`. */
  readonly query: string;
  readonly path: string;
  readonly now: string;
}): Promise<number> => {
  const { connection, kind, columns, query, path, now } = options;
  const list = [
    ...columns.map(exportExpression),
    ...STAMPS[kind].map((name) => `${literal(now)} AS ${ident(name)}`),
  ].join(', ');
  const key = tableKey(kind).map(ident).join(', ');
  const written = await connection.run(
    `COPY (SELECT ${list} FROM (${query}) q WHERE CASE WHEN _invalid THEN error('a row failed the checks') ELSE true END ORDER BY ${key}) TO ${literal(path)} (FORMAT csv, HEADER false)`,
  );
  return written.rowsChanged;
};

/** Streams a CSV file into `target` through COPY, reporting how far it got. */
const copyFile = async (options: {
  readonly client: PoolClient;
  readonly target: string;
  readonly columns: string;
  readonly path: string;
  readonly rows: number;
  readonly onProgress: ImportOptions['onProgress'];
}): Promise<number> => {
  const { client, target, columns, path, rows, onProgress } = options;
  const file = createReadStream(path);
  const copy = client.query(copyFrom(`COPY ${target} (${columns}) FROM STDIN (FORMAT csv)`));
  let timer: NodeJS.Timeout | undefined;
  if (onProgress) {
    const size = Math.max(1, (await stat(path)).size);
    timer = setInterval(() => {
      const fraction = Math.min(1, file.bytesRead / size);
      onProgress({ phase: 'writing', fraction, rowsProcessed: Math.round(rows * fraction) });
    }, PROGRESS_EVERY_MS);
  }
  try {
    await pipeline(file, copy);
    return copy.rowCount;
  } finally {
    clearInterval(timer);
  }
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

/**
 * Copies straight into an empty table with its indexes dropped, then rebuilds them: building an
 * index once over sorted rows is several times cheaper than maintaining it row by row. Events
 * repeated in the file are removed when the unique key refuses them; anything else that breaks
 * a unique index fails the import. Returns the rows stored.
 */
const bulkLoad = async (options: {
  readonly client: PoolClient;
  readonly kind: ImportKind;
  readonly copy: (target: string) => Promise<number>;
}): Promise<number> => {
  const { client, kind, copy } = options;
  const table = ident(kind);
  const rebuilds = await indexRebuilds(client, table);
  for (const rebuild of rebuilds) await client.query(rebuild.drop);
  lap('bulk: drop indexes');
  let stored = await copy(table);
  lap('bulk: COPY into table');
  await client.query(`SET LOCAL maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
  for (const rebuild of rebuilds) {
    if (!rebuild.unique || kind !== 'events') {
      await client.query(rebuild.create);
      lap(rebuild.create.slice(0, 60));
      continue;
    }
    await client.query('SAVEPOINT rebuild');
    try {
      await client.query(rebuild.create);
      await client.query('RELEASE SAVEPOINT rebuild');
      lap(rebuild.create.slice(0, 60));
    } catch (error) {
      if (toStoreError(error).reason !== 'unique_violation') throw error;
      await client.query('ROLLBACK TO SAVEPOINT rebuild');
      const key = tableKey(kind).map(ident).join(', ');
      const removed = await client.query(
        `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM (SELECT ctid, row_number() OVER (PARTITION BY ${key}) AS n FROM ${table}) r WHERE n > 1))`,
      );
      stored -= removed.rowCount ?? 0;
      await client.query(rebuild.create);
    }
  }
  return stored;
};

/** The PostgreSQL column of a staged field; keys use the collation of the stored keys. */
const stageColumn = (spec: ColumnSpec, key: readonly string[]): string =>
  `${ident(spec.name)} ${sqlType(spec.type, 'postgres')}${key.includes(spec.name) ? ' COLLATE "C"' : ''}`;

/**
 * Copies into a temporary table and merges it with the shared commit SQL: upserts for
 * customers and relations, insert-if-new for events (ON CONFLICT DO NOTHING also skips an event
 * repeated within the file). Returns the inserted and updated counts.
 */
const mergeLoad = async (options: {
  readonly client: PoolClient;
  readonly kind: ImportKind;
  readonly columns: readonly ColumnSpec[];
  readonly copy: (target: string) => Promise<number>;
  readonly now: string;
}): Promise<{ inserted: number; updated: number }> => {
  const { client, kind, columns, copy, now } = options;
  const stage = ident(`stage_${kind}`);
  const key = tableKey(kind);
  const definitions = [
    ...columns.map((spec) => stageColumn(spec, key)),
    ...STAMPS[kind].map((name) => `${ident(name)} timestamptz`),
    '_invalid boolean NOT NULL DEFAULT false',
  ];
  await client.query(`CREATE TEMP TABLE ${stage} (${definitions.join(', ')}) ON COMMIT DROP`);
  lap('merge: create temp');
  await copy(stage);
  lap('merge: COPY into temp');
  // Temporary tables are never analyzed automatically; the merge's join needs the row count.
  await client.query(`ANALYZE ${stage}`);
  lap('merge: analyze');
  const sql = commitSql({ kind, stage, columns, dialect: 'postgres', dedupeInStage: false });
  if (!sql.countSql) { const r = (await client.query(sql.writeSql, [now])).rowCount ?? 0; lap('merge: insert'); return { inserted: r, updated: 0 }; }
  const counted = (await client.query<Row>(sql.countSql)).rows[0];
  await client.query(sql.writeSql, [now]);
  return { inserted: Number(counted?.inserted ?? 0), updated: Number(counted?.updated ?? 0) };
};

/**
 * Loads an exported CSV of `read` checked rows into the kind's table, inside the caller's
 * transaction: an empty table is bulk loaded, otherwise the rows are merged.
 */
export const copyIntoTable = async (options: {
  readonly client: PoolClient;
  readonly kind: ImportKind;
  readonly columns: readonly ColumnSpec[];
  readonly path: string;
  readonly read: number;
  readonly now: string;
  readonly onProgress?: ImportOptions['onProgress'];
}): Promise<ImportCounts> => {
  const { client, kind, columns, path, read, now } = options;
  const copied = [...columns.map((spec) => spec.name), ...STAMPS[kind]].map(ident).join(', ');
  const copy = (target: string): Promise<number> =>
    copyFile({ client, target, columns: copied, path, rows: read, onProgress: options.onProgress });
  const { inserted, updated } = (await lockIfEmpty(client, ident(kind)))
    ? { inserted: await bulkLoad({ client, kind, copy }), updated: 0 }
    : await mergeLoad({ client, kind, columns, copy, now });
  return {
    read,
    inserted,
    updated,
    unchanged: kind === 'events' ? 0 : read - inserted - updated,
    duplicates: kind === 'events' ? read - inserted : 0,
    rejected: 0,
  };
};
