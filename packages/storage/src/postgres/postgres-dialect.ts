import type { Dialect, StagedEventsInsert, StagedUpsert } from '../sql/dialect.ts';
import { ident } from '../sql/sql-types.ts';

/** `information_schema.columns.data_type` names the declared types under other spellings. */
const sameColumnType = (declared: string, stored: string): boolean => {
  const normalize = (type: string): string =>
    type
      .toLowerCase()
      .replace(/\(.*\)/, '')
      .replace(/^timestamptz$/, 'timestamp with time zone')
      .trim();
  return normalize(declared) === normalize(stored);
};

const stagedUpsert = (write: StagedUpsert): string => {
  const { table, valid, names, key, nonKey, stamps } = write;
  const now = '$1';
  const insertColumns = [...names, ...stamps].map(ident).join(', ');
  const insertValues = [...names.map((n) => `s.${ident(n)}`), ...stamps.map(() => now)].join(', ');
  const updates = [
    ...nonKey.map((n) => `${ident(n)} = excluded.${ident(n)}`),
    `${ident('updated_at')} = excluded.${ident('updated_at')}`,
  ];
  const whereChanged =
    nonKey.length > 0
      ? nonKey.map((n) => `${table}.${ident(n)} IS DISTINCT FROM excluded.${ident(n)}`).join(' OR ')
      : 'false';
  return `INSERT INTO ${table} (${insertColumns}) SELECT ${insertValues} FROM ${valid} s ON CONFLICT (${key.map(ident).join(', ')}) DO UPDATE SET ${updates.join(', ')} WHERE ${whereChanged}`;
};

const stagedEventsInsert = ({ valid, names, key }: StagedEventsInsert): string =>
  `INSERT INTO events (${names.map(ident).join(', ')}, imported_at) SELECT ${names.map((n) => `s.${ident(n)}`).join(', ')}, $1 FROM ${valid} s ON CONFLICT (${key.map(ident).join(', ')}) DO NOTHING`;

export const postgresDialect: Dialect = {
  name: 'postgres',
  types: {
    number: 'DOUBLE PRECISION',
    timestamp: 'timestamptz',
    money: 'numeric(18,4)',
    text: 'text',
    json: 'jsonb',
  },
  sameColumnType,
  enumColumnOptions: '',
  isoText: (expression) => `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  dateText: (expression) => `to_char(${expression}, 'YYYY-MM-DD')`,
  dayText: (expression) => `to_char(${expression}, 'YYYY-MM-DD')`,
  jsonFieldText: (column, field) => `${column}->>'${field}'`,
  jsonRows: ({ param, fields, jsonColumns = [] }) => {
    const columns = fields.map((field) => `${field} ${jsonColumns.includes(field) ? 'jsonb' : 'text'}`);
    return `jsonb_to_recordset(CAST(${param} AS jsonb)) AS r(${columns.join(', ')})`;
  },
  jsonTextRows: (param) => `(SELECT jsonb_array_elements_text(CAST(${param} AS jsonb)))`,
  inJsonTexts: (column, param) =>
    `${column} = ANY(ARRAY(SELECT jsonb_array_elements_text(CAST(${param} AS jsonb))))`,
  md5Bucket: (text) => `CAST(CAST('x' || left(md5(${text}), 8) AS bit(32)) AS BIGINT)`,
  byteOrder: (expression) => `${expression} COLLATE "C"`,
  // A CTE read more than once is materialized, one read once inlined: said explicitly, so
  // `base` is inlined into each pass that reads it and each can use its own indexes and filters.
  materialized: (materialize) => (materialize ? 'MATERIALIZED ' : 'NOT MATERIALIZED '),
  plusDays: (timestamp, days) => `${timestamp} + make_interval(days => ${days})`,
  epochSeconds: (interval) => `extract(epoch FROM ${interval})`,
  wholeDaysBetween: (later, earlier) =>
    `CAST(floor((extract(epoch FROM ${later}) - extract(epoch FROM ${earlier})) / 86400) AS bigint)`,
  integerDivide: '/',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  skipKeyConflicts: ' ON CONFLICT DO NOTHING',
  skipConflictsOn: (columns) => ` ON CONFLICT (${columns}) DO NOTHING`,
  // Conflicts with itself and with plain INSERTs, not with readers.
  appendLock: (table) => `LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`,
  serialWrites: false,
  stagedUpsert,
  stagedEventsInsert,
};
