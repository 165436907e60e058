import type { Dialect } from './sql-types.ts';

/**
 * The rows of a JSON array parameter as a table `r` with text columns (JSON for `jsonColumns`):
 * a batch of rows travels as one parameter and is one statement. DuckDB casts the array to JSON[]
 * and reads it field by field (about twice as fast as from_json into a list of structs);
 * PostgreSQL unpacks it with jsonb_to_recordset.
 */
export const jsonRows = (options: {
  readonly dialect: Dialect;
  readonly param: string;
  readonly fields: readonly string[];
  readonly jsonColumns?: readonly string[];
}): string => {
  const json = options.jsonColumns ?? [];
  if (options.dialect === 'duckdb') {
    const columns = options.fields.map(
      (field) => `j${json.includes(field) ? '->' : '->>'}'${field}' AS ${field}`,
    );
    return `(SELECT ${columns.join(', ')} FROM (SELECT unnest(CAST(CAST(${options.param} AS JSON) AS JSON[])) AS j)) r`;
  }
  const columns = options.fields.map((field) => `${field} ${json.includes(field) ? 'jsonb' : 'text'}`);
  return `jsonb_to_recordset(CAST(${options.param} AS jsonb)) AS r(${columns.join(', ')})`;
};
