import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DuckDBInstance } from '@duckdb/node-api';
import type { FileFormat } from '@opencvm/core';
import { parse } from 'csv-parse';

/** One raw row of a file: its 1-based line (record for Parquet) and its values by file column. */
export interface RawRow {
  readonly line: number;
  readonly values: Readonly<Record<string, unknown>>;
}

/** A line that is not a row at all (a broken CSV record, a JSON line that does not parse). */
export interface BrokenLine {
  readonly line: number;
  readonly reason: string;
  readonly text: string | null;
}

export type RawItem =
  | { readonly type: 'row'; readonly row: RawRow }
  | { readonly type: 'broken'; readonly broken: BrokenLine };

/**
 * Reads a file row by row with exact line numbers. This is the slow, precise path: it runs only
 * when the fast checks found something wrong, to say where and why.
 */
export async function* readRawRows(
  path: string,
  format: FileFormat,
  delimiter = ',',
): AsyncGenerator<RawItem> {
  if (format === 'csv') yield* readCsv(path, delimiter);
  else if (format === 'jsonl') yield* readJsonl(path);
  else yield* readParquet(path);
}

async function* readCsv(path: string, delimiter: string): AsyncGenerator<RawItem> {
  const parser = createReadStream(path).pipe(
    parse({ delimiter, bom: true, info: true, relax_column_count: true }),
  );
  let header: readonly string[] | null = null;
  try {
    for await (const item of parser) {
      const { line, cells } = recordOf(item);
      if (header === null) {
        header = cells.map((cell) => cell.trim());
        continue;
      }
      const text = cells.join(delimiter);
      if (cells.length !== header.length) {
        const reason = `expected ${header.length} columns, found ${cells.length}`;
        yield { type: 'broken', broken: { line, reason, text } };
      } else if (text.includes('\uFFFD')) {
        yield { type: 'broken', broken: { line, reason: 'not valid UTF-8 text', text } };
      } else {
        const values: Record<string, unknown> = {};
        header.forEach((name, index) => {
          values[name] = cells[index];
        });
        yield { type: 'row', row: { line, values } };
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = /line (\d+)/.exec(message)?.[1];
    yield { type: 'broken', broken: { line: line ? Number(line) : 0, reason: message, text: null } };
  }
}

/** csv-parse with `info: true` yields `{ record: string[], info: { lines } }`. */
/** A csv-parse record with `info: true`: its cells and the line it ended on. */
export const recordOf = (item: unknown): { line: number; cells: string[] } => {
  if (typeof item !== 'object' || item === null || !('record' in item) || !('info' in item)) {
    throw new Error('csv-parse returned an unexpected record shape');
  }
  const { record, info } = item;
  const line =
    typeof info === 'object' && info !== null && 'lines' in info && typeof info.lines === 'number'
      ? info.lines
      : 0;
  return { line, cells: Array.isArray(record) ? record.map((cell) => String(cell)) : [] };
};

async function* readJsonl(path: string): AsyncGenerator<RawItem> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      yield { type: 'broken', broken: { line, reason: `not valid JSON: ${reason}`, text } };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { type: 'broken', broken: { line, reason: 'expected a JSON object', text } };
      continue;
    }
    if (text.includes('\uFFFD')) {
      yield { type: 'broken', broken: { line, reason: 'not valid UTF-8 text', text } };
      continue;
    }
    yield { type: 'row', row: { line, values: { ...value } } };
  }
}

async function* readParquet(path: string): AsyncGenerator<RawItem> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const escaped = path.replaceAll("'", "''");
    const result = await connection.stream(
      // Every value as text: the validator reads text as a CSV cell would be read.
      `SELECT COLUMNS(*)::VARCHAR FROM read_parquet('${escaped}', file_row_number = true) ORDER BY file_row_number`,
    );
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const names = result.columnNames();
      for (const values of chunk.getRows()) {
        const row: Record<string, unknown> = {};
        let line = 0;
        names.forEach((name, index) => {
          if (name === 'file_row_number') line = Number(values[index]) + 1;
          else row[name] = values[index] ?? null;
        });
        yield { type: 'row', row: { line, values: row } };
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
