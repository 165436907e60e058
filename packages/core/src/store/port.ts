import type { AccountStore } from '../accounts/port.ts';
import type { AuditStore } from '../audit/port.ts';
import type { CampaignStore } from '../campaigns/port.ts';
import type { RunStore } from '../campaigns/run-port.ts';
import type { CustomerDetails, CustomerStore } from '../customers/port.ts';
import type { DeliveryStore } from '../delivery/port.ts';
import type { IdempotencyStore } from '../idempotency/port.ts';
import type {
  EventsImported,
  ImportCounts,
  ImportFailure,
  ImportOptions,
  ImportRun,
  ImportSource,
} from '../import/port.ts';
import type { ImportKind, NormalizedRow } from '../import/records.ts';
import type { JourneyStore } from '../journeys/port.ts';
import type { Result } from '../result.ts';
import type { ResultsStore } from '../results/port.ts';
import type { SegmentStore } from '../segments/port.ts';
import type { WorkspaceSchema } from '../workspace/workspace-schema.ts';

export interface StoreSummary {
  readonly customers: number;
  readonly events: number;
  readonly relations: number;
  /** Newest event timestamp (ISO, UTC) or null: how fresh the data is. */
  readonly lastEventAt: string | null;
  readonly lastImportAt: string | null;
}

/** The storage port: everything the application needs from a store, whatever its engine. */
export interface Store {
  readonly engine: 'duckdb' | 'postgres';
  /** Applies pending versioned migrations and adds columns for newly declared attributes. */
  prepare(schema: WorkspaceSchema): Promise<void>;
  summary(): Promise<StoreSummary>;
  /**
   * Rewrites the events by month, then type, then customer, where the engine profits from it
   * (DuckDB skips whole row groups outside a time window or of another event type only when rows
   * are stored that way, and aggregates per customer faster when a customer's rows are together):
   * after a bulk load of history, and from time to time as events arrive. Returns the events
   * rewritten; 0 when nothing was done.
   */
  optimize(): Promise<{ readonly events: number }>;
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
  /**
   * Imports events the row validator accepted, like `importRows`, and reports which of them were
   * new: in the same transaction, so the report is exact even with other writers.
   */
  importEvents(rows: readonly NormalizedRow[], present: ReadonlySet<string>): Promise<EventsImported>;
  recordImportRun(run: ImportRun): Promise<void>;
  listImportRuns(limit: number): Promise<readonly ImportRun[]>;
  getCustomer(id: string, options: { readonly events: number }): Promise<CustomerDetails | null>;
  readonly customers: CustomerStore;
  readonly segments: SegmentStore;
  readonly campaigns: CampaignStore;
  readonly runs: RunStore;
  readonly delivery: DeliveryStore;
  readonly results: ResultsStore;
  readonly accounts: AccountStore;
  readonly audit: AuditStore;
  readonly idempotency: IdempotencyStore;
  readonly journeys: JourneyStore;
  close(): Promise<void>;
}
