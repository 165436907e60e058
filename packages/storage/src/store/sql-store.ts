import type { DuckDBConnection } from '@duckdb/node-api';
import type {
  CustomerDetails,
  EventKey,
  EventsImported,
  ImportCounts,
  ImportFailure,
  ImportKind,
  ImportOptions,
  ImportRun,
  ImportSource,
  NormalizedRow,
  Result,
  Store,
  StoreSummary,
  WorkspaceSchema,
} from '@opencvm/core';
import { SqlAccountStore } from '../accounts/sql-account-store.ts';
import { SqlAuditStore } from '../audit/sql-audit-store.ts';
import { SqlCampaignStore } from '../campaigns/sql-campaign-store.ts';
import { SqlRunStore } from '../campaigns/sql-run-store.ts';
import { customerDetailsQueries } from '../customers/customer-details.ts';
import { SqlCustomerStore } from '../customers/customer-search.ts';
import { SqlDeliveryStore } from '../delivery/sql-delivery-store.ts';
import { SqlIdempotencyStore } from '../idempotency/sql-idempotency-store.ts';
import { failureOf, readWith, refusedRows } from '../import-failure.ts';
import { SqlJourneyStore } from '../journeys/sql-journey-store.ts';
import { SqlResultsStore } from '../results/sql-results-store.ts';
import { SqlSegmentStore } from '../segments/sql-segment-store.ts';
import type { Dialect } from '../sql/dialect.ts';
import type { SqlExecutor, SqlRow } from '../sql/sql-executor.ts';
import { planFile, rowsSource } from '../staging/duckdb-stage.ts';
import type { SourcePlan } from '../staging/source.ts';
import { GroupWrite } from './group-write.ts';
import { columnChanges, type ExistingColumn } from './schema-columns.ts';
import { SerialQueue } from './serial-queue.ts';
import {
  importRunFromRow,
  importRunsInsertSql,
  importRunsSql,
  importRunValues,
  summarySql,
} from './store-queries.ts';

/** Queries of one session of the engine's own (not through the SQL stores' executor). */
export type SessionQuery = (sql: string, params?: readonly unknown[]) => Promise<SqlRow[]>;

/** Where one import's rows are read and checked: a DuckDB connection, whatever the engine. */
export interface Staging extends AsyncDisposable {
  readonly connection: DuckDBConnection;
}

/** What one import hands to the engine's load: rows to read from `from`, the fields they carry. */
export interface LoadRequest {
  readonly kind: ImportKind;
  readonly from: string;
  readonly present: ReadonlySet<string>;
  readonly options: ImportOptions;
  /** The file being read, for progress. */
  readonly file?: string;
  /** Told, inside the write's transaction, which events it stored (events only). */
  readonly onInserted?: (keys: readonly EventKey[]) => void;
}

/**
 * What both stores share over their engine: the SQL stores wired to its executor, the workspace
 * schema, the summary, import runs and customer pages, and the import flow (one import at a time
 * in this process; the file planned and read on a DuckDB staging connection, then loaded the
 * engine's way). Each engine adds how it connects, migrates, stages and loads.
 */
export abstract class SqlStore<S extends Staging> implements Store {
  readonly engine: Dialect['name'];
  readonly segments: SqlSegmentStore;
  readonly campaigns: SqlCampaignStore;
  readonly runs: SqlRunStore;
  readonly delivery: SqlDeliveryStore;
  readonly results: SqlResultsStore;
  readonly accounts: SqlAccountStore;
  readonly audit: SqlAuditStore;
  readonly idempotency: SqlIdempotencyStore;
  readonly customers: SqlCustomerStore;
  readonly journeys: SqlJourneyStore;
  protected readonly dialect: Dialect;
  protected readonly clock: () => Date;
  private schema: WorkspaceSchema | null = null;
  /** Imports of this process write one at a time (see each engine for why). */
  private readonly writes = new SerialQueue();
  /** Import runs recorded by concurrent callers (an API request each) go in one insert per round. */
  private readonly importRuns = new GroupWrite<ImportRun>((runs) => this.insertImportRuns(runs), 500);

  protected constructor(options: {
    readonly dialect: Dialect;
    readonly executor: SqlExecutor;
    readonly clock: () => Date;
  }) {
    const { dialect, executor, clock } = options;
    this.engine = dialect.name;
    this.dialect = dialect;
    this.clock = clock;
    const workspace = () => this.workspace;
    this.segments = new SqlSegmentStore(executor, workspace, clock);
    this.campaigns = new SqlCampaignStore(executor);
    this.runs = new SqlRunStore(executor, workspace);
    this.delivery = new SqlDeliveryStore(executor);
    this.results = new SqlResultsStore(executor, workspace);
    this.accounts = new SqlAccountStore(executor);
    this.audit = new SqlAuditStore(executor);
    this.idempotency = new SqlIdempotencyStore(executor);
    this.customers = new SqlCustomerStore(executor, workspace);
    this.journeys = new SqlJourneyStore(executor, workspace);
  }

  abstract prepare(schema: WorkspaceSchema): Promise<void>;
  abstract optimize(): Promise<{ readonly events: number }>;
  abstract close(): Promise<void>;

  /** Runs `work` with the queries of one session of the engine. */
  protected abstract session<T>(work: (query: SessionQuery) => Promise<T>): Promise<T>;
  /** Opens where one import's rows are read and checked. */
  protected abstract openStaging(): Promise<S>;
  /** Checks and writes one import's rows in one transaction, or nothing. */
  protected abstract load(staging: S, request: LoadRequest): Promise<Result<ImportCounts, ImportFailure>>;

  protected get workspace(): WorkspaceSchema {
    if (!this.schema) throw new Error(`${this.constructor.name} used before prepare()`);
    return this.schema;
  }

  /** The schema `prepare` applied: from now on the store serves it. */
  protected use(schema: WorkspaceSchema): void {
    this.schema = schema;
  }

  /**
   * The DDL that brings the customer and event tables in line with the schema, and the
   * attributes whose type changed (which the caller refuses).
   */
  protected async schemaChanges(
    schema: WorkspaceSchema,
    existing: (table: 'customers' | 'events') => Promise<readonly ExistingColumn[]>,
  ): Promise<{ readonly ddl: readonly string[]; readonly conflicts: readonly string[] }> {
    const ddl: string[] = [];
    const conflicts: string[] = [];
    for (const table of ['customers', 'events'] as const) {
      const changes = columnChanges({
        schema,
        table,
        existing: await existing(table),
        dialect: this.dialect,
      });
      ddl.push(...changes.ddl);
      conflicts.push(...changes.conflicts);
    }
    return { ddl, conflicts };
  }

  async summary(): Promise<StoreSummary> {
    const [row] = await this.session((query) => query(summarySql(this.dialect)));
    return {
      customers: Number(row?.customers ?? 0),
      events: Number(row?.events ?? 0),
      relations: Number(row?.relations ?? 0),
      lastEventAt: row?.last_event_at == null ? null : String(row.last_event_at),
      lastImportAt: row?.last_import_at == null ? null : String(row.last_import_at),
    };
  }

  async importFile(
    source: ImportSource,
    options: ImportOptions = {},
  ): Promise<Result<ImportCounts, ImportFailure>> {
    const schema = this.workspace;
    const release = await this.writes.acquire();
    try {
      await using staging = await this.openStaging();
      let plan: SourcePlan;
      try {
        plan = await planFile(staging.connection, schema, source);
      } catch (error) {
        return failureOf(error);
      }
      return readWith(
        await this.load(staging, {
          kind: source.kind,
          from: plan.from,
          present: plan.present,
          options,
          file: source.path,
        }),
        plan.delimiter,
      );
    } finally {
      release();
    }
  }

  async importRows(
    kind: ImportKind,
    input: AsyncIterable<NormalizedRow> | Iterable<NormalizedRow>,
    present: ReadonlySet<string>,
  ): Promise<ImportCounts> {
    return this.writeRows(kind, input, present);
  }

  async importEvents(rows: readonly NormalizedRow[], present: ReadonlySet<string>): Promise<EventsImported> {
    let inserted: readonly EventKey[] | null = null;
    const counts = await this.writeRows('events', rows, present, (keys) => {
      inserted = keys;
    });
    if (inserted === null) throw new Error(`${this.constructor.name} did not report the events it stored`);
    return { counts, inserted };
  }

  private async writeRows(
    kind: ImportKind,
    input: AsyncIterable<NormalizedRow> | Iterable<NormalizedRow>,
    present: ReadonlySet<string>,
    onInserted?: (keys: readonly EventKey[]) => void,
  ): Promise<ImportCounts> {
    const release = await this.writes.acquire();
    try {
      await using staging = await this.openStaging();
      await using source = await rowsSource(input, present);
      const result = await this.load(staging, {
        kind,
        from: source.from,
        present: source.present,
        options: {},
        ...(onInserted ? { onInserted } : {}),
      });
      if (!result.ok) throw refusedRows(result.error);
      return result.value;
    } finally {
      release();
    }
  }

  recordImportRun(run: ImportRun): Promise<void> {
    return this.importRuns.submit(run);
  }

  private async insertImportRuns(runs: readonly ImportRun[]): Promise<void> {
    await this.session((query) => query(importRunsInsertSql(runs.length), runs.flatMap(importRunValues)));
  }

  async listImportRuns(limit: number): Promise<readonly ImportRun[]> {
    return (await this.session((query) => query(importRunsSql(this.dialect, limit)))).map(importRunFromRow);
  }

  async getCustomer(id: string, options: { readonly events: number }): Promise<CustomerDetails | null> {
    const queries = customerDetailsQueries(this.workspace, this.dialect, options.events);
    return this.session(async (query) => {
      const [customerRow] = await query(queries.customer.sql, [id]);
      if (!customerRow) return null;
      const events = await query(queries.events.sql, [id]);
      const relations = await query(queries.relations.sql, [id]);
      return {
        customer: queries.customer.map(customerRow),
        lastEvents: events.map(queries.events.map),
        relations: relations.map(queries.relations.map),
      };
    });
  }
}
