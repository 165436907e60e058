import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { extname } from 'node:path';
import {
  createRowValidator,
  err,
  type FileFormat,
  type ImportCounts,
  type ImportKind,
  type ImportRun,
  type ImportSource,
  type NormalizedRow,
  ok,
  type RejectedRow,
  type Result,
  type StageProgress,
  type Store,
  type WorkspaceSchema,
} from '@opencvm/core';
import type { EventIntake } from './event-intake.ts';
import { type RawItem, readRawRows } from './row-source.ts';

export interface ImportFileInput {
  readonly kind: ImportKind;
  readonly path: string;
  /** Guessed from the extension when absent. */
  readonly format?: FileFormat;
  /** file column → field; merged over the workspace schema's `import.<kind>` mapping. */
  readonly mapping?: Readonly<Record<string, string>>;
  /** Load the valid rows and report the others, instead of refusing the whole file. */
  readonly skipInvalid?: boolean;
  /** Where to write the rejects report (CSV: line, column, value, reason). */
  readonly rejectsPath?: string;
  readonly onProgress?: (progress: StageProgress) => void;
}

export type ImportFileError =
  | { readonly type: 'unreadable_file'; readonly message: string; readonly run: ImportRun }
  | {
      readonly type: 'invalid_rows';
      readonly message: string;
      readonly rejected: number;
      /** The first rejected rows, for display; the full list is in the rejects file. */
      readonly sample: readonly RejectedRow[];
      readonly rejectsPath: string | null;
      readonly run: ImportRun;
    }
  | { readonly type: 'unknown_format'; readonly message: string };

export interface ImportFileOutcome {
  readonly run: ImportRun;
  readonly sample: readonly RejectedRow[];
  readonly rejectsPath: string | null;
}

export interface ImportDeps {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly clock: () => Date;
  /**
   * Told of events once they are stored, before the import answers: journeys act on them. A
   * failure fails the call, which the caller repeats (events are de-duplicated by id).
   */
  readonly onEvents?: ((rows: readonly NormalizedRow[]) => Promise<unknown>) | undefined;
  /**
   * Where small batches of events go (the API's): written together with those arriving at the
   * same time, and told to `onEvents` once stored. Without it each batch is written alone.
   */
  readonly intake?: EventIntake | undefined;
}

const SAMPLE_SIZE = 20;

export const formatFromPath = (path: string): FileFormat | null => {
  const extension = extname(path.replace(/\.(gz|zst)$/i, '')).toLowerCase();
  if (extension === '.csv' || extension === '.tsv' || extension === '.txt') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson' || extension === '.json') return 'jsonl';
  if (extension === '.parquet') return 'parquet';
  return null;
};

const csvCell = (value: string | number | null): string => {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Writes every rejected row, one line per refused value. */
const writeRejects = async (
  path: string,
  rejects: AsyncIterable<RejectedRow> | Iterable<RejectedRow>,
): Promise<void> => {
  const out = createWriteStream(path);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  await write('line,column,value,reason\n');
  for await (const rejected of rejects) {
    for (const issue of rejected.issues) {
      await write(`${[rejected.line, issue.column, issue.value, issue.reason].map(csvCell).join(',')}\n`);
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
};

const keyFields: Readonly<Record<ImportKind, readonly string[]>> = {
  customers: ['id'],
  events: [],
  relations: ['src', 'dst', 'kind'],
};

/** Thrown from inside the row stream to abandon an import whose file has rejected rows. */
class RowsRejected extends Error {}

/**
 * The precise pass: validates every row with the core validator and says where and why a row
 * is refused. Customers and relations refuse a key repeated within the file (which row would
 * win?), so they are read twice: once to find repeated keys, once to validate.
 */
class RowChecker {
  readonly rejects: RejectedRow[] = [];
  /** Fields the file's rows carry. */
  readonly present = new Set<string>();
  rows = 0;
  private readonly validate: (
    raw: Readonly<Record<string, unknown>>,
  ) => Result<NormalizedRow, { column: string; value: string | null; reason: string }[]>;
  private repeatedKeys = new Map<string, number[]>();

  constructor(
    schema: WorkspaceSchema,
    private readonly source: ImportSource,
    private readonly delimiter: string,
  ) {
    this.validate = createRowValidator(schema, source.kind);
  }

  private fields(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const mapped: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(values))
      mapped[this.source.mapping[column] ?? column] = value;
    return mapped;
  }

  private keyOf(fields: Record<string, unknown>): string | null {
    const names = keyFields[this.source.kind];
    if (names.length === 0) return null;
    return JSON.stringify(names.map((name) => String(fields[name] ?? '')));
  }

  private items(): AsyncGenerator<RawItem> {
    return readRawRows(this.source.path, this.source.format, this.delimiter);
  }

  async findRepeatedKeys(): Promise<void> {
    if (keyFields[this.source.kind].length === 0) return;
    const lines = new Map<string, number[]>();
    for await (const item of this.items()) {
      if (item.type !== 'row') continue;
      const key = this.keyOf(this.fields(item.row.values));
      if (key === null) continue;
      const seen = lines.get(key);
      if (seen) seen.push(item.row.line);
      else lines.set(key, [item.row.line]);
    }
    this.repeatedKeys = new Map([...lines].filter(([, at]) => at.length > 1));
  }

  /**
   * Yields the valid rows and records the rejected ones. With `abandonOnReject`, it reads on to
   * the end (so the report is complete) and then throws `RowsRejected` if any row was refused,
   * which abandons the import that consumes it.
   */
  async *validRows(options: { readonly abandonOnReject: boolean }): AsyncGenerator<NormalizedRow> {
    for await (const row of this.checkedRows()) {
      // Once the import is doomed, rows are only checked, no longer passed on.
      if (!options.abandonOnReject || this.rejects.length === 0) yield row;
    }
    if (options.abandonOnReject && this.rejects.length > 0) throw new RowsRejected();
  }

  private async *checkedRows(): AsyncGenerator<NormalizedRow> {
    for await (const item of this.items()) {
      this.rows += 1;
      if (item.type === 'broken') {
        this.rejects.push({
          line: item.broken.line,
          issues: [{ column: '(row)', value: item.broken.text, reason: item.broken.reason }],
        });
        continue;
      }
      const fields = this.fields(item.row.values);
      for (const field of Object.keys(fields)) this.present.add(field);
      const result = this.validate(fields);
      const issues = result.ok ? [] : [...result.error];
      const key = this.keyOf(fields);
      const repeated = key === null ? undefined : this.repeatedKeys.get(key);
      if (repeated) {
        const others = repeated.filter((line) => line !== item.row.line);
        const names = keyFields[this.source.kind];
        issues.push({
          column: names.join('+'),
          value: names.map((name) => String(fields[name] ?? '')).join(','),
          reason: `the same ${names.join('+')} is on line${others.length > 1 ? 's' : ''} ${others.join(', ')} of this file`,
        });
      }
      if (issues.length > 0 || !result.ok) {
        this.rejects.push({ line: item.row.line, issues });
        continue;
      }
      yield result.value;
    }
  }
}

/** Imports one file as a whole: every row is checked; by default one bad row means nothing is written. */
export const importFile =
  (deps: ImportDeps) =>
  async (input: ImportFileInput): Promise<Result<ImportFileOutcome, ImportFileError>> => {
    const { store, schema, clock } = deps;
    const format = input.format ?? formatFromPath(input.path);
    if (!format) {
      return err({
        type: 'unknown_format',
        message: `cannot tell the format of ${input.path} from its extension: pass --format csv|jsonl|parquet`,
      });
    }
    const startedAt = clock();
    const source: ImportSource = {
      kind: input.kind,
      path: input.path,
      format,
      mapping: { ...(schema.import[input.kind] ?? {}), ...(input.mapping ?? {}) },
    };
    const finish = async (
      status: ImportRun['status'],
      counts: ImportCounts,
      error: string | null,
    ): Promise<ImportRun> => {
      const finishedAt = clock();
      const run: ImportRun = {
        id: randomUUID(),
        kind: input.kind,
        source: input.path,
        format,
        status,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
        ...counts,
        error,
      };
      await store.recordImportRun(run);
      return run;
    };
    const zero: ImportCounts = { read: 0, inserted: 0, updated: 0, unchanged: 0, duplicates: 0, rejected: 0 };

    const imported = await store.importFile(source, input.onProgress ? { onProgress: input.onProgress } : {});
    if (imported.ok)
      return ok({ run: await finish('succeeded', imported.value, null), sample: [], rejectsPath: null });
    if (imported.error.type === 'unreadable_file') {
      const run = await finish('failed', zero, imported.error.message);
      return err({ type: 'unreadable_file', message: imported.error.message, run });
    }
    // The bulk checks refused the file: the row validator, the authority, now reads it row by row.
    // Rows it accepts go in through the validated path; unless invalid rows are to be skipped,
    // the first rejected row means the import is abandoned before anything is written.
    try {
      // The store read the header already: its separator is the one the rows are read with.
      const delimiter = imported.error.delimiter ?? ',';
      const checker = new RowChecker(schema, source, delimiter);
      await checker.findRepeatedKeys();
      if (input.kind === 'events') checker.present.add('currency');
      const counts = await store
        .importRows(
          input.kind,
          checker.validRows({ abandonOnReject: input.skipInvalid !== true }),
          checker.present,
        )
        .catch((error: unknown) => {
          if (error instanceof RowsRejected) return null;
          throw error;
        });
      const rejects = checker.rejects;
      if (counts && rejects.length === 0) {
        return ok({ run: await finish('succeeded', counts, null), sample: [], rejectsPath: null });
      }
      const rejectsPath = input.rejectsPath ?? `${input.path}.rejects.csv`;
      await writeRejects(rejectsPath, rejects);
      const sample = rejects.slice(0, SAMPLE_SIZE);
      if (!counts) {
        const message = `${rejects.length} row${rejects.length === 1 ? '' : 's'} rejected; nothing was imported (use --skip-invalid to load the valid rows)`;
        const run = await finish(
          'failed',
          { ...zero, read: checker.rows, rejected: rejects.length },
          message,
        );
        return err({ type: 'invalid_rows', message, rejected: rejects.length, sample, rejectsPath, run });
      }
      const run = await finish(
        'succeeded',
        { ...counts, read: checker.rows, rejected: rejects.length },
        null,
      );
      return ok({ run, sample, rejectsPath });
    } catch (error) {
      await finish('failed', zero, error instanceof Error ? error.message : String(error));
      throw error;
    }
  };
