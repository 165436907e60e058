import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  type ColumnSpec,
  type ImportKind,
  type ImportOptions,
  type ImportSource,
  importColumns,
  type NormalizedRow,
  validateRow,
  type WorkspaceSchema,
} from '@opencvm/core';
import { ident, literal } from '../sql/sql-types.ts';
import { tableKey } from './commit-sql.ts';
import { planSource, type SourcePlan } from './source.ts';
import { type StageSelect, stageSelect } from './stage-sql.ts';

/** What the bulk checks found in a staged file. */
export interface StageReport {
  readonly read: number;
  /** Rows the fast checks found invalid, a key repeated in the file among them (0 means clean). */
  readonly invalid: number;
}

/** Rows of one import, staged in a DuckDB temporary table. */
export interface StagedTable {
  readonly table: string;
  readonly kind: ImportKind;
  readonly columns: readonly ColumnSpec[];
  readonly report: StageReport;
}

const PROGRESS_EVERY_MS = 200;

/** Bytes this process has read so far (Linux), or null where the kernel does not say. */
const bytesReadByProcess = async (): Promise<number | null> => {
  try {
    const match = /^rchar: (\d+)$/m.exec(await readFile('/proc/self/io', 'utf8'));
    return match?.[1] ? Number(match[1]) : null;
  } catch {
    return null;
  }
};

/** Size of a file and its average line length, from a sample of its start. */
const measureFile = async (path: string): Promise<{ size: number; bytesPerRow: number } | null> => {
  try {
    const { size } = await stat(path);
    const handle = await open(path, 'r');
    try {
      const sample = Buffer.alloc(Math.min(size, 1 << 18));
      const { bytesRead } = await handle.read(sample, 0, sample.length, 0);
      let lines = 0;
      for (let index = 0; index < bytesRead; index += 1) if (sample[index] === 10) lines += 1;
      return { size, bytesPerRow: lines > 0 ? bytesRead / lines : Math.max(size, 1) };
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
};

/**
 * Reports progress until the returned function is called. For a file, progress is the share of
 * its bytes this process has read, and rows are estimated from its average line: DuckDB's own
 * progress stays at zero for many plans (an INSERT from a computed query among them). Without
 * a file, or where the kernel does not count reads, DuckDB's own figure is used.
 */
export const watchProgress = async (
  connection: DuckDBConnection,
  onProgress: ImportOptions['onProgress'],
  file?: string,
  /** How many times the process reads about the file's size (2 when the rows are also re-read for COPY). */
  passes = 1,
): Promise<() => void> => {
  if (!onProgress) return () => {};
  await connection.run('SET enable_progress_bar = true');
  await connection.run('SET enable_progress_bar_print = false');
  // DuckDB starts tracking a query's progress only after this delay (two seconds by default).
  await connection.run('SET progress_bar_time = 0');
  const measured = file ? await measureFile(file) : null;
  const start = await bytesReadByProcess();
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void bytesReadByProcess()
      .then((now) => {
        const engine = connection.progress.percentage / 100;
        const fraction =
          measured && now !== null && start !== null
            ? Math.min(1, (now - start) / Math.max(measured.size * passes, 1))
            : Math.min(1, Math.max(engine, 0));
        const rowsProcessed = measured ? Math.round((fraction * measured.size) / measured.bytesPerRow) : 0;
        onProgress({ phase: 'reading', fraction, rowsProcessed });
      })
      .finally(() => {
        ticking = false;
      });
  }, PROGRESS_EVERY_MS);
  return () => clearInterval(timer);
};

/** Runs `work` while reporting DuckDB's own progress of the running query. */
export const withProgress = async <T>(
  connection: DuckDBConnection,
  onProgress: ImportOptions['onProgress'],
  work: () => Promise<T>,
  file?: string,
): Promise<T> => {
  const stop = await watchProgress(connection, onProgress, file);
  try {
    return await work();
  } finally {
    stop();
  }
};

/** Customer time zones are checked with the validator itself on the few distinct values a file holds. */
const flagInvalidTimeZones = async (
  connection: DuckDBConnection,
  schema: WorkspaceSchema,
  table: string,
): Promise<void> => {
  const reader = await connection.runAndReadAll(
    `SELECT DISTINCT timezone FROM ${ident(table)} WHERE timezone IS NOT NULL`,
  );
  const invalid = reader
    .getRowObjectsJson()
    .map((row) => String(row.timezone))
    .filter((zone) => !validateRow(schema, 'customers', { id: 'x', timezone: zone }).ok);
  if (invalid.length > 0) {
    await connection.run(
      `UPDATE ${ident(table)} SET _invalid = true WHERE timezone IN (${invalid.map(literal).join(', ')})`,
    );
  }
};

/** The conversion query of a source, for the kind's columns that the source has. */
export const sourceQuery = (
  schema: WorkspaceSchema,
  kind: ImportKind,
  present: ReadonlySet<string>,
): StageSelect => stageSelect({ schema, kind, specs: importColumns(schema, kind), present });

/** Materializes a source's converted rows in a temporary table and counts what the checks found (customers and relations; events go straight into their table). */
export const stageIntoTable = async (options: {
  readonly connection: DuckDBConnection;
  readonly schema: WorkspaceSchema;
  readonly kind: ImportKind;
  readonly from: string;
  readonly present: ReadonlySet<string>;
  readonly onProgress?: ImportOptions['onProgress'];
  /** The file being read, for progress. */
  readonly file?: string;
}): Promise<StagedTable> => {
  const { connection, schema, kind, from, present } = options;
  const table = `stage_${randomUUID().replaceAll('-', '')}`;
  const select = sourceQuery(schema, kind, present);
  await withProgress(
    connection,
    options.onProgress,
    () => connection.run(`CREATE OR REPLACE TEMP TABLE ${ident(table)} AS ${select.query(from)}`),
    options.file,
  );
  if (kind === 'customers' && present.has('timezone')) await flagInvalidTimeZones(connection, schema, table);
  const keys = tableKey(kind).map(ident).join(', ');
  const reader = await connection.runAndReadAll(
    `SELECT count(*) AS read, count(*) FILTER (WHERE _invalid) AS invalid, count(*) - count(DISTINCT (${keys})) AS duplicates FROM ${ident(table)}`,
  );
  const row = reader.getRowObjectsJson()[0];
  return {
    table,
    kind,
    columns: select.columns,
    report: {
      read: Number(row?.read ?? 0),
      // Within one file, a repeated customer or relation key is ambiguous (which row wins?): refused.
      invalid: Number(row?.invalid ?? 0) + Number(row?.duplicates ?? 0),
    },
  };
};

/** Plans how to read a file; throws `SourceError` when it cannot be read at all. */
export const planFile = (
  connection: DuckDBConnection,
  schema: WorkspaceSchema,
  source: ImportSource,
): Promise<SourcePlan> => planSource({ connection, source, specs: importColumns(schema, source.kind) });

/** Rows the validator accepted, written to a temporary JSONL file that DuckDB reads like any source. */
export interface RowsSource extends AsyncDisposable {
  readonly from: string;
  readonly present: ReadonlySet<string>;
  readonly count: number;
}

export const rowsSource = async (
  rows: AsyncIterable<NormalizedRow> | Iterable<NormalizedRow>,
  present: ReadonlySet<string>,
): Promise<RowsSource> => {
  const dir = await mkdtemp(join(tmpdir(), 'cvm-rows-'));
  const path = join(dir, 'rows.jsonl');
  const out = createWriteStream(path);
  let count = 0;
  let chunk: string[] = [];
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const text = `${chunk.join('\n')}\n`;
    chunk = [];
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  try {
    try {
      for await (const row of rows) {
        const picked: NormalizedRow = {};
        for (const field of present) picked[field] = row[field] ?? null;
        chunk.push(JSON.stringify(picked));
        count += 1;
        if (chunk.length >= 10_000) await flush();
      }
      await flush();
    } finally {
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const columns = [...present].map((field) => `${literal(field)}: 'VARCHAR'`).join(', ');
  const empty = [...present].map((field) => `CAST(NULL AS VARCHAR) AS ${ident(field)}`).join(', ');
  return {
    // DuckDB cannot read an empty JSON file with declared columns, so no rows is an empty select.
    from:
      count === 0
        ? `(SELECT ${empty || '1 AS _none'} WHERE false)`
        : `read_json(${literal(path)}, format = 'newline_delimited', columns = {${columns}})`,
    present,
    count,
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
};

export const dropStage = async (connection: DuckDBConnection, staged: StagedTable): Promise<void> => {
  await connection.run(`DROP TABLE IF EXISTS ${ident(staged.table)}`);
};
