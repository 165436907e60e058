import { mkdir } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import {
  type CustomerDetails,
  err,
  type ImportCounts,
  type ImportFailure,
  type ImportKind,
  type ImportOptions,
  type ImportRun,
  type ImportSource,
  type NormalizedRow,
  ok,
  type Result,
  type Store,
  StoreError,
  type StoreSummary,
  storedSchema,
  type WorkspaceSchema,
} from '@opencvm/core';
import { SqlAccountStore } from '../accounts/sql-account-store.ts';
import { SqlAuditStore } from '../audit/sql-audit-store.ts';
import { SqlCampaignStore } from '../campaigns/sql-campaign-store.ts';
import { SqlRunStore } from '../campaigns/sql-run-store.ts';
import { commitSql } from '../commit-sql.ts';
import { SqlCustomerStore } from '../customers/customer-search.ts';
import { SqlDeliveryStore } from '../delivery/sql-delivery-store.ts';
import { SqlIdempotencyStore } from '../idempotency/sql-idempotency-store.ts';
import { failureOf, readWith } from '../import-failure.ts';
import {
  customerDetailsQueries,
  importRunFromRow,
  importRunsSql,
  importRunValues,
  summarySql,
} from '../queries.ts';
import { SqlResultsStore } from '../results/sql-results-store.ts';
import { columnChanges } from '../schema-columns.ts';
import type { SqlExecutor, SqlRunner } from '../segments/sql-executor.ts';
import { SqlSegmentStore } from '../segments/sql-segment-store.ts';
import { SerialQueue } from '../serial-queue.ts';
import { ident, literal } from '../sql-types.ts';
import {
  dropStage,
  planFile,
  rowsSource,
  type StagedTable,
  sourceQuery,
  stageIntoTable,
  withProgress,
} from '../staging/duckdb-stage.ts';
import type { SourcePlan } from '../staging/source.ts';
import { toStoreError } from './duckdb-errors.ts';
import { DUCKDB_MIGRATIONS } from './duckdb-migrations.ts';

export interface DuckDbStoreOptions {
  /** A file path, or `:memory:`. */
  readonly path: string;
  readonly clock: () => Date;
  /** Memory DuckDB may use, e.g. `4GB`; by default DuckDB takes 80% of the machine. */
  readonly memoryLimit?: string;
}

/**
 * The order `optimize` stores events in: by calendar month, so a time window reads few row groups;
 * then by type, so a rule, a goal or RFM on one event type skips the row groups of the others
 * (their min/max type differs); then by customer, so per-customer aggregates keep their locality.
 */
const BY_MONTH_TYPE_CUSTOMER = `date_trunc('month', ts), type, customer_id, ts`;

/** The share of the machine's memory `optimize` lets the engine use (the default is 80%). */
const OPTIMIZE_MEMORY_SHARE = 0.4;

const BYTE_UNITS: Readonly<Record<string, number>> = {
  bytes: 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** A DuckDB size setting as it reads back (`18.6 GiB`) in bytes; null when not a size. */
export const settingBytes = (setting: string): number | null => {
  const match = /^\s*([\d.]+)\s*([a-z]*)\s*$/i.exec(setting);
  if (match === null) return null;
  const unit = BYTE_UNITS[(match[2] || 'b').toLowerCase()];
  const value = Number(match[1]);
  return unit === undefined || !Number.isFinite(value) ? null : value * unit;
};

const rows = async (
  connection: DuckDBConnection,
  sql: string,
  values?: DuckDBValue[],
): Promise<Record<string, unknown>[]> => {
  try {
    const reader = values ? await connection.runAndReadAll(sql, values) : await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson();
  } catch (error) {
    throw toStoreError(error);
  }
};

const duckValue = (value: unknown): DuckDBValue => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
};

const sameDuckDbType = (declared: string, stored: string): boolean => {
  const normalize = (type: string): string =>
    type.toUpperCase().replace('TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ').replace(/\s+/g, '');
  return normalize(declared) === normalize(stored);
};

/** The embedded store: one DuckDB file, one process. */
export class DuckDbStore implements Store {
  readonly engine = 'duckdb';
  private schema: WorkspaceSchema | null = null;
  private lastImportStamp = 0;
  /** Imports write one at a time: the event anti-join is only exact without a concurrent writer. */
  private readonly writes = new SerialQueue();
  readonly segments: SqlSegmentStore;
  readonly campaigns: SqlCampaignStore;
  readonly runs: SqlRunStore;
  readonly delivery: SqlDeliveryStore;
  readonly results: SqlResultsStore;
  readonly accounts: SqlAccountStore;
  readonly audit: SqlAuditStore;
  readonly idempotency: SqlIdempotencyStore;
  readonly customers: SqlCustomerStore;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly clock: () => Date,
    /** The limit the store was opened with, restored exactly after `optimize`; none: the engine's default. */
    private readonly memoryLimit: string | undefined,
  ) {
    const executor = this.executor();
    this.segments = new SqlSegmentStore(executor, () => this.workspace, clock);
    this.campaigns = new SqlCampaignStore(executor);
    this.runs = new SqlRunStore(executor, () => this.workspace);
    this.delivery = new SqlDeliveryStore(executor);
    this.results = new SqlResultsStore(executor, () => this.workspace);
    this.accounts = new SqlAccountStore(executor);
    this.audit = new SqlAuditStore(executor);
    this.idempotency = new SqlIdempotencyStore(executor);
    this.customers = new SqlCustomerStore(executor, () => this.workspace);
  }

  /** Segment queries' access to the engine; parameters are passed as text and cast in SQL. */
  private executor(): SqlExecutor {
    const runnerOf = (connection: DuckDBConnection): SqlRunner => ({
      dialect: 'duckdb',
      all: (sql, params) => rows(connection, sql, params?.map(duckValue)),
      load: async ({ table, columns, rows: values }) => {
        try {
          await connection.run(
            `CREATE TEMP TABLE IF NOT EXISTS ${ident(table)} (${columns.map((column) => `${ident(column)} VARCHAR`).join(', ')})`,
          );
          await connection.run(`DELETE FROM ${ident(table)}`);
          const appender = await connection.createAppender(table);
          for (const row of values) {
            for (const value of row) {
              if (value === null) appender.appendNull();
              else appender.appendVarchar(value);
            }
            appender.endRow();
          }
          appender.flushSync();
          appender.closeSync();
        } catch (error) {
          throw toStoreError(error);
        }
      },
    });
    return {
      dialect: 'duckdb',
      all: (sql, params) => this.withConnection((connection) => runnerOf(connection).all(sql, params)),
      transaction: (work) =>
        this.withConnection(async (connection) => {
          await connection.run('BEGIN TRANSACTION');
          try {
            const result = await work(runnerOf(connection));
            await connection.run('COMMIT');
            return result;
          } catch (error) {
            await connection.run('ROLLBACK');
            throw toStoreError(error);
          }
        }),
      stream: (sql, params, onRows) =>
        this.withConnection(async (connection) => {
          try {
            const result = await connection.stream(sql, params.map(duckValue));
            for await (const batch of result.yieldRowObjectJson()) await onRows(batch);
          } catch (error) {
            throw toStoreError(error);
          }
        }),
    };
  }

  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    if (options.path !== ':memory:') await mkdir(dirname(options.path), { recursive: true });
    try {
      const instance = await DuckDBInstance.create(options.path, {
        // Nothing reads rows in insertion order (every query orders explicitly); bulk loads run faster without it.
        preserve_insertion_order: 'false',
        ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
      });
      return new DuckDbStore(instance, options.clock, options.memoryLimit);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private get workspace(): WorkspaceSchema {
    if (!this.schema) throw new Error('DuckDbStore used before prepare()');
    return this.schema;
  }

  private async connect(): Promise<DuckDBConnection> {
    const connection = await this.instance.connect();
    if (this.schema) await connection.run(`SET TimeZone = ${literal(this.schema.workspace.timezone)}`);
    return connection;
  }

  private async withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.connect();
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  }

  async prepare(schema: WorkspaceSchema): Promise<void> {
    await this.withConnection(async (connection) => {
      await connection.run(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)',
      );
      const applied = new Set(
        (await rows(connection, 'SELECT version FROM schema_migrations')).map((row) => Number(row.version)),
      );
      for (const migration of DUCKDB_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await connection.run('BEGIN TRANSACTION');
        try {
          for (const statement of migration.statements) await connection.run(statement);
          await connection.run('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            this.clock().toISOString(),
          ]);
          await connection.run('COMMIT');
        } catch (error) {
          await connection.run('ROLLBACK');
          throw toStoreError(error);
        }
      }
      await this.applySchema(connection, schema);
    });
    this.schema = schema;
  }

  private async applySchema(connection: DuckDBConnection, schema: WorkspaceSchema): Promise<void> {
    const ddl: string[] = [];
    const conflicts: string[] = [];
    for (const table of ['customers', 'events'] as const) {
      const existing = await rows(
        connection,
        `SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = ${literal(table)}`,
      );
      const changes = columnChanges({
        schema,
        table,
        existing: existing.map((row) => ({ name: String(row.name), type: String(row.type) })),
        dialect: 'duckdb',
        sameType: sameDuckDbType,
      });
      ddl.push(...changes.ddl);
      conflicts.push(...changes.conflicts);
    }
    if (conflicts.length > 0) {
      throw new StoreError(
        'schema_mismatch',
        `the workspace schema no longer fits the stored data:\n${conflicts.join('\n')}`,
      );
    }
    await connection.run('BEGIN TRANSACTION');
    try {
      for (const statement of ddl) await connection.run(statement);
      await connection.run(
        'INSERT INTO workspace_schema VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, applied_at = excluded.applied_at',
        [JSON.stringify(storedSchema(schema)), this.clock().toISOString()],
      );
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK');
      throw toStoreError(error);
    }
  }

  async optimize(): Promise<{ readonly events: number }> {
    return this.withConnection(async (connection) => {
      // The copy and the sort hold the whole table: bounded well below the machine's memory
      // (the engine spills the rest to disk), so a large store is rewritten without the process
      // being killed for want of memory. The store's own limit applies when it is lower.
      const [setting] = await rows(connection, "SELECT current_setting('memory_limit') AS m");
      const bound = Math.floor(totalmem() * OPTIMIZE_MEMORY_SHARE);
      const limit = Math.min(bound, settingBytes(String(setting?.m ?? '')) ?? bound);
      await connection.run(`SET memory_limit = '${Math.floor(limit / 2 ** 20)}MiB'`);
      await connection.run('BEGIN TRANSACTION');
      try {
        // Rewritten in place, so the table keeps its declared columns and compression. The copy
        // is taken as it is stored: only the insert back sorts.
        await connection.run('CREATE TEMP TABLE __events_copy AS SELECT * FROM events');
        await connection.run('DELETE FROM events');
        const inserted = await connection.run(
          `INSERT INTO events SELECT * FROM __events_copy ORDER BY ${BY_MONTH_TYPE_CUSTOMER}`,
        );
        await connection.run('DROP TABLE __events_copy');
        await connection.run('COMMIT');
        // Frees the old row groups now rather than at some later checkpoint.
        await connection.run('CHECKPOINT');
        return { events: Number(inserted.rowsChanged) };
      } catch (error) {
        await connection.run('ROLLBACK');
        throw toStoreError(error);
      } finally {
        // Not the value read back above: the engine prints it rounded, and each round trip would
        // lower the limit a little.
        await connection.run(
          this.memoryLimit === undefined
            ? 'RESET memory_limit'
            : `SET memory_limit = ${literal(this.memoryLimit)}`,
        );
      }
    });
  }

  async summary(): Promise<StoreSummary> {
    return this.withConnection(async (connection) => {
      const [row] = await rows(connection, summarySql('duckdb'));
      return {
        customers: Number(row?.customers ?? 0),
        events: Number(row?.events ?? 0),
        relations: Number(row?.relations ?? 0),
        lastEventAt: row?.last_event_at == null ? null : String(row.last_event_at),
        lastImportAt: row?.last_import_at == null ? null : String(row.last_import_at),
      };
    });
  }

  /** A distinct time per import: it marks the rows of this import inside the transaction. */
  private importStamp(): string {
    const now = Math.max(this.clock().getTime(), this.lastImportStamp + 1);
    this.lastImportStamp = now;
    return new Date(now).toISOString();
  }

  async importFile(
    source: ImportSource,
    options: ImportOptions = {},
  ): Promise<Result<ImportCounts, ImportFailure>> {
    const schema = this.workspace;
    const release = await this.writes.acquire();
    const connection = await this.connect();
    try {
      let plan: SourcePlan;
      try {
        plan = await planFile(connection, schema, source);
      } catch (error) {
        return failureOf(error);
      }
      return readWith(
        await this.load({
          connection,
          kind: source.kind,
          from: plan.from,
          present: plan.present,
          options,
          file: source.path,
        }),
        plan.delimiter,
      );
    } finally {
      connection.closeSync();
      release();
    }
  }

  async importRows(
    kind: ImportKind,
    input: AsyncIterable<NormalizedRow> | Iterable<NormalizedRow>,
    present: ReadonlySet<string>,
  ): Promise<ImportCounts> {
    const release = await this.writes.acquire();
    const connection = await this.connect();
    try {
      await using source = await rowsSource(input, present);
      const result = await this.load({
        connection,
        kind,
        from: source.from,
        present: source.present,
        options: {},
      });
      if (!result.ok)
        throw new StoreError('invalid_data', `validated rows were refused: ${result.error.message}`);
      return result.value;
    } finally {
      connection.closeSync();
      release();
    }
  }

  private async load(options: {
    readonly connection: DuckDBConnection;
    readonly kind: ImportKind;
    readonly from: string;
    readonly present: ReadonlySet<string>;
    readonly options: ImportOptions;
    /** The file being read, for progress. */
    readonly file?: string;
  }): Promise<Result<ImportCounts, ImportFailure>> {
    const { connection, kind, from, present } = options;
    if (kind === 'events') return this.loadEvents(options);
    let staged: StagedTable;
    try {
      staged = await stageIntoTable({
        connection,
        schema: this.workspace,
        kind,
        from,
        present,
        ...(options.file ? { file: options.file } : {}),
        ...(options.options.onProgress ? { onProgress: options.options.onProgress } : {}),
      });
    } catch (error) {
      return failureOf(error);
    }
    try {
      if (staged.report.invalid > 0) {
        return err({ type: 'invalid_rows', message: `${staged.report.invalid} rows failed the checks` });
      }
      return ok(await this.commitStaged(connection, staged));
    } finally {
      await dropStage(connection, staged);
    }
  }

  /**
   * Events go straight from the file into the table inside one transaction: materializing
   * twenty million rows in a stage first would double the time. An invalid row aborts the
   * insert; duplicates (in the file, or already stored) are removed before the commit.
   */
  private async loadEvents(options: {
    readonly connection: DuckDBConnection;
    readonly from: string;
    readonly present: ReadonlySet<string>;
    readonly options: ImportOptions;
    readonly file?: string;
  }): Promise<Result<ImportCounts, ImportFailure>> {
    const { connection, from, present } = options;
    const select = sourceQuery(this.workspace, 'events', present);
    const names = select.columns.map((column) => ident(column.name)).join(', ');
    const stamp = this.importStamp();
    const [before] = await rows(connection, 'SELECT count(*) AS n FROM events');
    const hadEvents = Number(before?.n ?? 0) > 0;
    await connection.run('BEGIN TRANSACTION');
    try {
      const insert = await withProgress(
        connection,
        options.options.onProgress,
        () =>
          connection.run(
            `INSERT INTO events (${names}, imported_at) SELECT ${names}, $1::TIMESTAMPTZ FROM (${select.query(from)}) q WHERE CASE WHEN _invalid THEN error('a row failed the checks') ELSE true END`,
            [stamp],
          ),
        options.file,
      );
      const read = insert.rowsChanged;
      let duplicates = 0;
      // Hashes first, and sorted: equal keys have equal hashes, so a repeat shows as a hash equal to
      // the one before it (sorting 64-bit hashes beats grouping twenty million of them). Only rows
      // whose hash repeats are then compared exactly.
      const repeatedHashes = `SELECT DISTINCT h FROM (SELECT h, lag(h) OVER (ORDER BY h) AS previous FROM (SELECT hash(customer_id, id) AS h FROM events WHERE imported_at = $1::TIMESTAMPTZ)) WHERE h = previous`;
      const [repeated] = await rows(connection, `SELECT count(*) AS n FROM (${repeatedHashes})`, [stamp]);
      if (Number(repeated?.n ?? 0) > 0) {
        const removed = await connection.run(
          `DELETE FROM events WHERE rowid IN (SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY customer_id, id ORDER BY rowid) AS n FROM events WHERE imported_at = $1::TIMESTAMPTZ AND hash(customer_id, id) IN (${repeatedHashes})) WHERE n > 1)`,
          [stamp],
        );
        duplicates += removed.rowsChanged;
      }
      if (hadEvents) {
        const removed = await connection.run(
          'DELETE FROM events WHERE imported_at = $1::TIMESTAMPTZ AND (customer_id, id) IN (SELECT customer_id, id FROM events WHERE imported_at <> $1::TIMESTAMPTZ)',
          [stamp],
        );
        duplicates += removed.rowsChanged;
      }
      await connection.run('COMMIT');
      return ok({ read, inserted: read - duplicates, updated: 0, unchanged: 0, duplicates, rejected: 0 });
    } catch (error) {
      await connection.run('ROLLBACK');
      return failureOf(error);
    }
  }

  private async commitStaged(connection: DuckDBConnection, staged: StagedTable): Promise<ImportCounts> {
    const sql = commitSql({
      kind: staged.kind,
      stage: ident(staged.table),
      columns: staged.columns,
      dialect: 'duckdb',
    });
    const stamp = this.clock().toISOString();
    const valid = staged.report.read - staged.report.invalid;
    await connection.run('BEGIN TRANSACTION');
    try {
      const [row] = sql.countSql ? await rows(connection, sql.countSql) : [];
      const inserted = Number(row?.inserted ?? 0);
      const updated = Number(row?.updated ?? 0);
      await connection.run(sql.writeSql, [stamp]);
      await connection.run('COMMIT');
      return {
        read: staged.report.read,
        inserted,
        updated,
        unchanged: valid - inserted - updated,
        duplicates: 0,
        rejected: staged.report.invalid,
      };
    } catch (error) {
      await connection.run('ROLLBACK');
      throw toStoreError(error);
    }
  }

  async recordImportRun(run: ImportRun): Promise<void> {
    await this.withConnection(async (connection) => {
      const values = importRunValues(run);
      await connection.run(
        `INSERT INTO import_runs VALUES (${values.map((_, index) => `$${index + 1}`).join(', ')})`,
        values,
      );
    });
  }

  async listImportRuns(limit: number): Promise<readonly ImportRun[]> {
    return this.withConnection(async (connection) =>
      (await rows(connection, importRunsSql('duckdb', limit))).map(importRunFromRow),
    );
  }

  async getCustomer(id: string, options: { readonly events: number }): Promise<CustomerDetails | null> {
    const queries = customerDetailsQueries(this.workspace, 'duckdb', options.events);
    return this.withConnection(async (connection) => {
      const [customerRow] = await rows(connection, queries.customer.sql, [id]);
      if (!customerRow) return null;
      const events = await rows(connection, queries.events.sql, [id]);
      const relations = await rows(connection, queries.relations.sql, [id]);
      return {
        customer: queries.customer.map(customerRow),
        lastEvents: events.map(queries.events.map),
        relations: relations.map(queries.relations.map),
      };
    });
  }

  async close(): Promise<void> {
    this.instance.closeSync();
  }
}
