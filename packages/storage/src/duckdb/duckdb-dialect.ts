import type { Dialect, StagedEventsInsert, StagedUpsert } from '../sql/dialect.ts';
import { ident } from '../sql/sql-types.ts';

const DAY_US = 86_400_000_000;

/** DuckDB reports `TIMESTAMP WITH TIME ZONE` for the TIMESTAMPTZ it was given. */
const sameColumnType = (declared: string, stored: string): boolean => {
  const normalize = (type: string): string =>
    type.toUpperCase().replace('TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ').replace(/\s+/g, '');
  return normalize(declared) === normalize(stored);
};

/** DuckDB tables have no unique index to conflict on: staged rows are merged on the key instead. */
const stagedUpsert = (write: StagedUpsert): string => {
  const { table, valid, names, nonKey, join, changed, stamps } = write;
  const now = 'CAST($1 AS TIMESTAMPTZ)';
  const insertColumns = [...names, ...stamps].map(ident).join(', ');
  const insertValues = [...names.map((n) => `s.${ident(n)}`), ...stamps.map(() => now)].join(', ');
  const sets = [...nonKey.map((n) => `${ident(n)} = s.${ident(n)}`), `${ident('updated_at')} = ${now}`];
  return `MERGE INTO ${table} t USING ${valid} s ON ${join} WHEN MATCHED AND (${changed}) THEN UPDATE SET ${sets.join(', ')} WHEN NOT MATCHED THEN INSERT (${insertColumns}) VALUES (${insertValues})`;
};

/** DuckDB loads events straight from the file and removes duplicates itself (see its store). */
const stagedEventsInsert = (_write: StagedEventsInsert): string => {
  throw new Error('DuckDB events are not committed from a stage');
};

export const duckdbDialect: Dialect = {
  name: 'duckdb',
  types: {
    number: 'DOUBLE',
    timestamp: 'TIMESTAMPTZ',
    money: 'DECIMAL(18,4)',
    text: 'VARCHAR',
    json: 'JSON',
  },
  sameColumnType,
  // A closed list of values always fits a dictionary; saying so spares DuckDB the analysis.
  enumColumnOptions: ' USING COMPRESSION dictionary',
  isoText: (expression) => `strftime(${expression} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ')`,
  dateText: (expression) => `CAST(${expression} AS VARCHAR)`,
  dayText: (expression) => `strftime(${expression}, '%Y-%m-%d')`,
  jsonFieldText: (column, field) => `json_extract_string(${column}, '$.${field}')`,
  // The array is cast to JSON[] and read field by field: about twice as fast as from_json into a
  // list of structs.
  jsonRows: ({ param, fields, jsonColumns = [] }) => {
    const columns = fields.map(
      (field) => `j${jsonColumns.includes(field) ? '->' : '->>'}'${field}' AS ${field}`,
    );
    return `(SELECT ${columns.join(', ')} FROM (SELECT unnest(CAST(CAST(${param} AS JSON) AS JSON[])) AS j)) r`;
  },
  jsonTextRows: (param) => `(SELECT unnest(CAST(CAST(${param} AS JSON) AS VARCHAR[])))`,
  inJsonTexts: (column, param) => `list_contains(CAST(CAST(${param} AS JSON) AS VARCHAR[]), ${column})`,
  md5Bucket: (text) => `CAST('0x' || left(md5(${text}), 8) AS UBIGINT)`,
  byteOrder: (expression) => expression,
  materialized: () => '',
  plusDays: (timestamp, days) => `${timestamp} + to_days(${days})`,
  epochSeconds: (interval) => `epoch(${interval})`,
  wholeDaysBetween: (later, earlier) => `(epoch_us(${later}) - epoch_us(${earlier})) // ${DAY_US}`,
  integerDivide: '//',
  // One process, one writer: nothing to skip.
  skipLocked: '',
  skipKeyConflicts: '',
  skipConflictsOn: () => ' ON CONFLICT DO NOTHING',
  appendLock: () => null,
  serialWrites: true,
  stagedUpsert,
  stagedEventsInsert,
};
