import { open } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSpec, ImportSource } from '@opencvm/core';
import { parse } from 'csv-parse/sync';
import { ident, literal } from '../sql/sql-types.ts';

/** A file that cannot be imported at all (as opposed to some of its rows being invalid). */
export class SourceError extends Error {
  override readonly name = 'SourceError';
}

export interface SourcePlan {
  /** A FROM-able SQL expression whose columns are named by field, as text. */
  readonly from: string;
  /** Fields present in the file. */
  readonly present: ReadonlySet<string>;
  /** Column separator for CSV. */
  readonly delimiter: string;
}

const HEADER_BYTES = 1 << 20;

/** Reads the header line of a CSV file and guesses its separator from it. */
export const readCsvHeader = async (path: string): Promise<{ columns: string[]; delimiter: string }> => {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    if (bytesRead === 0)
      throw new SourceError('the file is empty: a header line naming the columns is expected');
    let text = buffer.subarray(0, bytesRead).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const end = text.search(/\r?\n/);
    const line = end === -1 ? text : text.slice(0, end);
    if (line.trim() === '') throw new SourceError('line 1: the header line is empty');
    const candidates = [',', ';', '\t', '|'];
    const delimiter = candidates.reduce((best, candidate) =>
      line.split(candidate).length > line.split(best).length ? candidate : best,
    );
    const rows: unknown = parse(line, { delimiter, relax_quotes: false });
    const first = Array.isArray(rows) ? rows[0] : undefined;
    if (!Array.isArray(first)) throw new SourceError('line 1: cannot read the header line');
    return { columns: first.map((cell) => String(cell).trim()), delimiter };
  } finally {
    await handle.close();
  }
};

const readJsonlKeys = async (connection: DuckDBConnection, path: string): Promise<string[]> => {
  const reader = await connection.runAndReadAll(
    `SELECT DISTINCT unnest(json_keys(json)) AS k FROM read_json_objects(${literal(path)}, format = 'newline_delimited') ORDER BY k`,
  );
  return reader.getRowObjectsJson().map((row) => String(row.k));
};

const readParquetColumns = async (connection: DuckDBConnection, path: string): Promise<string[]> => {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${literal(path)})`);
  return reader.getRowObjectsJson().map((row) => String(row.column_name));
};

/** Maps the file's columns to fields: every column must be a field (after mapping), required fields must be there. */
export const mapColumns = (options: {
  readonly fileColumns: readonly string[];
  readonly mapping: Readonly<Record<string, string>>;
  readonly specs: readonly ColumnSpec[];
  readonly kind: string;
}): Map<string, string> => {
  const { fileColumns, mapping, specs, kind } = options;
  const known = new Set(specs.map((spec) => spec.name));
  for (const [column, field] of Object.entries(mapping)) {
    if (!known.has(field)) {
      throw new SourceError(`mapping ${column}=${field}: "${field}" is not a field of ${kind}`);
    }
  }
  const fieldByColumn = new Map<string, string>();
  const columnByField = new Map<string, string>();
  for (const column of fileColumns) {
    if (column === '') throw new SourceError('the header has an empty column name');
    const field = mapping[column] ?? column;
    if (!known.has(field)) {
      throw new SourceError(
        `column "${column}" is not a field of ${kind}: map it (--map ${column}=<field>) or remove it; fields: ${[...known].join(', ')}`,
      );
    }
    const earlier = columnByField.get(field);
    if (earlier !== undefined) {
      throw new SourceError(`columns "${earlier}" and "${column}" both feed field "${field}"`);
    }
    columnByField.set(field, column);
    fieldByColumn.set(column, field);
  }
  const missing = specs
    .filter((spec) => spec.required && !columnByField.has(spec.name))
    .map((spec) => spec.name);
  if (missing.length > 0) {
    throw new SourceError(`missing required column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  }
  return fieldByColumn;
};

const renamed = (fieldByColumn: ReadonlyMap<string, string>): string =>
  [...fieldByColumn].map(([column, field]) => `${ident(column)} AS ${ident(field)}`).join(', ');

/** Works out how to read a file as text columns named by field. */
export const planSource = async (options: {
  readonly connection: DuckDBConnection;
  readonly source: ImportSource;
  readonly specs: readonly ColumnSpec[];
}): Promise<SourcePlan> => {
  const { connection, source, specs } = options;
  const path = literal(source.path);
  if (source.format === 'csv') {
    const { columns, delimiter } = await readCsvHeader(source.path);
    const duplicate = columns.find((column, index) => columns.indexOf(column) !== index);
    if (duplicate !== undefined)
      throw new SourceError(`line 1: column "${duplicate}" appears twice in the header`);
    const fieldByColumn = mapColumns({
      fileColumns: columns,
      mapping: source.mapping,
      specs,
      kind: source.kind,
    });
    const columnTypes = columns.map((column) => `${literal(column)}: 'VARCHAR'`).join(', ');
    const read = `read_csv(${path}, header = true, auto_detect = false, delim = ${literal(delimiter)}, quote = '"', escape = '"', columns = {${columnTypes}}, strict_mode = true)`;
    return {
      from: `(SELECT ${renamed(fieldByColumn)} FROM ${read})`,
      present: new Set(fieldByColumn.values()),
      delimiter,
    };
  }
  if (source.format === 'jsonl') {
    const keys = await readJsonlKeys(connection, source.path);
    if (keys.length === 0) throw new SourceError('the file holds no JSON object');
    const fieldByColumn = mapColumns({
      fileColumns: keys,
      mapping: source.mapping,
      specs,
      kind: source.kind,
    });
    const columnTypes = keys.map((key) => `${literal(key)}: 'VARCHAR'`).join(', ');
    return {
      from: `(SELECT ${renamed(fieldByColumn)} FROM read_json(${path}, format = 'newline_delimited', columns = {${columnTypes}}))`,
      present: new Set(fieldByColumn.values()),
      delimiter: ',',
    };
  }
  const columns = await readParquetColumns(connection, source.path);
  const fieldByColumn = mapColumns({
    fileColumns: columns,
    mapping: source.mapping,
    specs,
    kind: source.kind,
  });
  return {
    from: `(SELECT ${renamed(fieldByColumn)} FROM read_parquet(${path}))`,
    present: new Set(fieldByColumn.values()),
    delimiter: ',',
  };
};
