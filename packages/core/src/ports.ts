import type { FieldValue, ImportKind, NormalizedRow } from './records.ts';
import type { Result } from './result.ts';
import type { WorkspaceSchema } from './workspace-schema.ts';

export const FILE_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export interface StoreSummary {
  readonly customers: number;
  readonly events: number;
  readonly relations: number;
  /** Newest event timestamp (ISO, UTC) or null: how fresh the data is. */
  readonly lastEventAt: string | null;
  readonly lastImportAt: string | null;
}

/** What one import did; `updated` counts only rows whose stored values changed. */
export interface ImportCounts {
  readonly read: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly duplicates: number;
  readonly rejected: number;
}

export const IMPORT_STATUSES = ['succeeded', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export interface ImportRun extends ImportCounts {
  readonly id: string;
  readonly kind: ImportKind;
  readonly source: string;
  readonly format: FileFormat | 'api';
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
  /** Some rows are invalid; the row validator says which and why. `message` is the engine's first complaint. */
  | { readonly type: 'invalid_rows'; readonly message: string };

export interface CustomerEvent {
  readonly id: string;
  readonly type: string;
  readonly ts: string;
  readonly amount: string | null;
  readonly currency: string | null;
  readonly attributes: Readonly<Record<string, FieldValue>>;
}

export interface CustomerRelation {
  readonly direction: 'out' | 'in';
  readonly customerId: string;
  readonly kind: string;
  readonly weight: number;
}

export interface CustomerDetails {
  readonly customer: NormalizedRow;
  readonly lastEvents: readonly CustomerEvent[];
  readonly relations: readonly CustomerRelation[];
}

export interface ImportOptions {
  readonly onProgress?: (progress: StageProgress) => void;
}

/** The storage port: everything the application needs from a store, whatever its engine. */
export interface Store {
  readonly engine: 'duckdb' | 'postgres';
  /** Applies pending versioned migrations and adds columns for newly declared attributes. */
  prepare(schema: WorkspaceSchema): Promise<void>;
  summary(): Promise<StoreSummary>;
  /**
   * Imports a whole file in one transaction, or nothing: any invalid row fails the import
   * (the caller then asks the row validator where and why).
   */
  importFile(source: ImportSource, options?: ImportOptions): Promise<Result<ImportCounts, ImportFailure>>;
  /** Imports rows the row validator accepted; `present` names the fields they carry. */
  importRows(
    kind: ImportKind,
    rows: AsyncIterable<NormalizedRow> | Iterable<NormalizedRow>,
    present: ReadonlySet<string>,
  ): Promise<ImportCounts>;
  recordImportRun(run: ImportRun): Promise<void>;
  listImportRuns(limit: number): Promise<readonly ImportRun[]>;
  getCustomer(id: string, options: { readonly events: number }): Promise<CustomerDetails | null>;
  close(): Promise<void>;
}
