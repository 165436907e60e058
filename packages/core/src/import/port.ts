import type { ImportKind } from './records.ts';

export const FILE_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** How an import run's rows came in: a file, an API batch, or a stream of event messages. */
export const IMPORT_RUN_FORMATS = [...FILE_FORMATS, 'api', 'stream'] as const;
export type ImportRunFormat = (typeof IMPORT_RUN_FORMATS)[number];

/** What one import did; `updated` counts only rows whose stored values changed. */
export interface ImportCounts {
  readonly read: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly duplicates: number;
  readonly rejected: number;
}

/** An event's identity in the store: its id is unique per customer. */
export interface EventKey {
  readonly customerId: string;
  readonly id: string;
}

/** What an import of events did, and which of them it stored (the others were there already). */
export interface EventsImported {
  readonly counts: ImportCounts;
  /** The rows written, each once; a repeat (in the rows or of a stored event) is not among them. */
  readonly inserted: readonly EventKey[];
}

export const IMPORT_STATUSES = ['succeeded', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export interface ImportRun extends ImportCounts {
  readonly id: string;
  readonly kind: ImportKind;
  readonly source: string;
  readonly format: ImportRunFormat;
  readonly status: ImportStatus;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  /** Why a failed import wrote nothing. */
  readonly error: string | null;
}

/** A file (or rows) ready to be staged: the source and how its columns map to fields. */
export interface ImportSource {
  readonly kind: ImportKind;
  readonly path: string;
  readonly format: FileFormat;
  /** file column → field name, for files whose headers differ from field names. */
  readonly mapping: Readonly<Record<string, string>>;
}

export interface StageProgress {
  readonly phase: 'reading' | 'writing';
  /** 0..1 */
  readonly fraction: number;
  readonly rowsProcessed: number;
}

/** Why a file was not imported. Nothing was written in either case. */
export type ImportFailure =
  | { readonly type: 'unreadable_file'; readonly message: string }
  /**
   * Some rows are invalid; the row validator says which and why. `message` is the engine's first
   * complaint; `delimiter` the column separator the store read a CSV file's header with, so the
   * validator reads the rows as the store did (absent when it got no further than the header).
   */
  | { readonly type: 'invalid_rows'; readonly message: string; readonly delimiter?: string };

export interface ImportOptions {
  readonly onProgress?: (progress: StageProgress) => void;
}
