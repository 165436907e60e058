import type { ColumnSpec, ImportKind } from '@opencvm/core';
import { type Dialect, ident } from '../sql/sql-types.ts';

/**
 * SQL that moves valid staged rows into the stored tables, the same for both engines but for
 * how event duplicates are skipped. Customers and relations are upserts that touch only the
 * columns the file had, and only rows whose values changed; events are insert-if-new.
 */
export interface CommitSql {
  /** Returns one row with `inserted` and `updated` (customers, relations) before the write. */
  readonly countSql: string | null;
  /** The write; `$1` is the import time. For events its affected row count is the insert count. */
  readonly writeSql: string;
}

export const EVENT_KEY = ['customer_id', 'id'] as const;

const TABLE_KEY: Readonly<Record<ImportKind, readonly string[]>> = {
  customers: ['id'],
  events: EVENT_KEY,
  relations: ['src', 'dst', 'kind'],
};

export const tableKey = (kind: ImportKind): readonly string[] => TABLE_KEY[kind];

export const commitSql = (options: {
  readonly kind: ImportKind;
  readonly stage: string;
  readonly columns: readonly ColumnSpec[];
  readonly dialect: Dialect;
}): CommitSql => {
  const { kind, stage, columns, dialect } = options;
  const key = TABLE_KEY[kind];
  const names = columns.map((column) => column.name);
  const list = names.map(ident).join(', ');
  const keyList = key.map(ident).join(', ');
  const valid = `(SELECT * FROM ${stage} WHERE NOT _invalid)`;
  if (kind === 'events') {
    // DuckDB loads events straight from the file and removes duplicates itself (see its store).
    if (dialect === 'duckdb') throw new Error('DuckDB events are not committed from a stage');
    const writeSql = `INSERT INTO events (${list}, imported_at) SELECT ${names.map((n) => `s.${ident(n)}`).join(', ')}, $1 FROM ${valid} s ON CONFLICT (${keyList}) DO NOTHING`;
    return { countSql: null, writeSql };
  }
  const table = kind;
  const nonKey = names.filter((name) => !key.includes(name));
  const join = key.map((column) => `t.${ident(column)} = s.${ident(column)}`).join(' AND ');
  const changed =
    nonKey.length > 0
      ? nonKey.map((n) => `t.${ident(n)} IS DISTINCT FROM s.${ident(n)}`).join(' OR ')
      : 'false';
  const countSql = `SELECT count(*) FILTER (WHERE t.${ident(key[0] ?? 'id')} IS NULL) AS inserted, count(*) FILTER (WHERE t.${ident(key[0] ?? 'id')} IS NOT NULL AND (${changed})) AS updated FROM ${valid} s LEFT JOIN ${table} t ON ${join}`;
  const stamp = kind === 'customers' ? ['created_at', 'updated_at'] : ['updated_at'];
  const insertColumns = [...names, ...stamp].map(ident).join(', ');
  const now = dialect === 'duckdb' ? 'CAST($1 AS TIMESTAMPTZ)' : '$1';
  const insertValues = [...names.map((n) => `s.${ident(n)}`), ...stamp.map(() => now)].join(', ');
  if (dialect === 'duckdb') {
    // DuckDB tables have no unique index to conflict on: merge on the key instead.
    const sets = [...nonKey.map((n) => `${ident(n)} = s.${ident(n)}`), `${ident('updated_at')} = ${now}`];
    const writeSql = `MERGE INTO ${table} t USING ${valid} s ON ${join} WHEN MATCHED AND (${changed}) THEN UPDATE SET ${sets.join(', ')} WHEN NOT MATCHED THEN INSERT (${insertColumns}) VALUES (${insertValues})`;
    return { countSql, writeSql };
  }
  const updates = [
    ...nonKey.map((n) => `${ident(n)} = excluded.${ident(n)}`),
    `${ident('updated_at')} = excluded.${ident('updated_at')}`,
  ];
  const whereChanged =
    nonKey.length > 0
      ? nonKey.map((n) => `${table}.${ident(n)} IS DISTINCT FROM excluded.${ident(n)}`).join(' OR ')
      : 'false';
  const writeSql = `INSERT INTO ${table} (${insertColumns}) SELECT ${insertValues} FROM ${valid} s ON CONFLICT (${keyList}) DO UPDATE SET ${updates.join(', ')} WHERE ${whereChanged}`;
  return { countSql, writeSql };
};
