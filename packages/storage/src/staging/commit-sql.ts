import type { ColumnSpec, ImportKind } from '@opencvm/core';
import type { Dialect } from '../sql/dialect.ts';
import { ident } from '../sql/sql-types.ts';

/**
 * SQL that moves valid staged rows into the stored tables (the write itself in the dialect's
 * form). Customers and relations are upserts that touch only the columns the file had, and only
 * rows whose values changed; events are insert-if-new.
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
  const valid = `(SELECT * FROM ${stage} WHERE NOT _invalid)`;
  if (kind === 'events')
    return { countSql: null, writeSql: dialect.stagedEventsInsert({ valid, names, key }) };
  const table = kind;
  const nonKey = names.filter((name) => !key.includes(name));
  const join = key.map((column) => `t.${ident(column)} = s.${ident(column)}`).join(' AND ');
  const changed =
    nonKey.length > 0
      ? nonKey.map((n) => `t.${ident(n)} IS DISTINCT FROM s.${ident(n)}`).join(' OR ')
      : 'false';
  const countSql = `SELECT count(*) FILTER (WHERE t.${ident(key[0] ?? 'id')} IS NULL) AS inserted, count(*) FILTER (WHERE t.${ident(key[0] ?? 'id')} IS NOT NULL AND (${changed})) AS updated FROM ${valid} s LEFT JOIN ${table} t ON ${join}`;
  const stamps = kind === 'customers' ? ['created_at', 'updated_at'] : ['updated_at'];
  const writeSql = dialect.stagedUpsert({ table, valid, names, key, nonKey, join, changed, stamps });
  return { countSql, writeSql };
};
