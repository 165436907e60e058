import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  type CustomerDetails,
  err,
  type ImportCounts,
  type ImportFailure,
  type ImportKind,
  type ImportOptions,
  type ImportRun,
  type ImportSource,
  messageOf,
  type NormalizedRow,
  ok,
  type Result,
  type Store,
  StoreError,
  type StoreSummary,
  storedSchema,
  type WorkspaceSchema,
} from '@opencvm/core';
import { Pool, type PoolClient } from 'pg';
import Cursor from 'pg-cursor';
import { SqlAccountStore } from '../accounts/sql-account-store.ts';
import { SqlAuditStore } from '../audit/sql-audit-store.ts';
import { SqlCampaignStore } from '../campaigns/sql-campaign-store.ts';
import { SqlRunStore } from '../campaigns/sql-run-store.ts';
import { SqlCustomerStore } from '../customers/customer-search.ts';
import { SqlDeliveryStore } from '../delivery/sql-delivery-store.ts';
import { SqlIdempotencyStore } from '../idempotency/sql-idempotency-store.ts';
import { failureOf, readWith } from '../import-failure.ts';
import {
  customerDetailsQueries,
  IMPORT_RUN_COLUMNS,
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
} from '../staging/duckdb-stage.ts';
import type { SourcePlan } from '../staging/source.ts';
import { copyIntoTable, exportedRows, type RunningExport, startExport } from './postgres-copy.ts';
import { toStoreError } from './postgres-errors.ts';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.ts';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database` */
  readonly url: string;
  readonly clock: () => Date;
  /** PostgreSQL schema to use, created when missing; `public` by default. Tests use a fresh one each. */
  readonly schemaName?: string;
}

type Row = Record<string, unknown>;

/** Memory each sort or hash of a segment query may use before spilling to disk. */
const SEGMENT_WORK_MEM = '256MB';
type StagedColumns = StagedTable['columns'];

/** `information_schema.columns.data_type` names the declared types under other spellings. */
const samePostgresType = (declared: string, stored: string): boolean => {
  const normalize = (type: string): string =>
    type
      .toLowerCase()
      .replace(/\(.*\)/, '')
      .replace(/^timestamptz$/, 'timestamp with time zone')
      .trim();
  return normalize(declared) === normalize(stored);
};

/** A value of the server's `options` startup parameter: spaces and backslashes are escaped. */
const startupOption = (value: string): string => value.replace(/[\s\\]/g, (char) => `\\${char}`);

/** A private in-memory DuckDB where one import's rows are read, checked and written out. */
interface StagingDb extends AsyncDisposable {
  readonly connection: DuckDBConnection;
  /** Holds the CSV handed to PostgreSQL and whatever DuckDB spills. */
  readonly dir: string;
}

const STAGING_PREFIX = 'cvm-pg-import-';

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
};

/** Removes the staging folders of imports whose process was killed before it could clean up. */
const removeAbandonedStaging = async (): Promise<void> => {
  const names = await readdir(tmpdir()).catch(() => []);
  for (const name of names) {
    const pid = Number(/^cvm-pg-import-(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isRunning(pid)) {
      await rm(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
};

const openStagingDb = async (timezone: string): Promise<StagingDb> => {
  await removeAbandonedStaging();
  // The process id in the name tells a later import whether the folder's owner is still alive.
  const dir = await mkdtemp(join(tmpdir(), `${STAGING_PREFIX}${process.pid}-`));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(':memory:', { temp_directory: join(dir, 'spill') });
  } catch (error) {
    await removeDir();
    throw error;
  }
  const close = async (): Promise<void> => {
    instance.closeSync();
    await removeDir();
  };
  try {
    const connection = await instance.connect();
    // Timestamps without an offset are read in the workspace time zone.
    await connection.run(`SET TimeZone = ${literal(timezone)}`);
    return { connection, dir, [Symbol.asyncDispose]: close };
  } catch (error) {
    await close();
    throw error;
  }
};

/**
 * The server store: data in PostgreSQL, shared by several processes. Files are read and
 * checked in a private in-memory DuckDB (the same staging as the embedded store), written to a
 * CSV file and copied into PostgreSQL in one transaction.
 */
export class PostgresStore implements Store {
  readonly engine = 'postgres';
  private schema: WorkspaceSchema | null = null;
  /** Imports of this process write one at a time; an advisory lock serializes other processes. */
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
    private readonly pool: Pool,
    private readonly clock: () => Date,
    private readonly schemaName: string,
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

  /** Segment queries' access to the server: pooled queries, plain transactions, cursors. */
  private executor(): SqlExecutor {
    const runnerOf = (client: PoolClient): SqlRunner => ({
      dialect: 'postgres',
      all: async (sql, params) => {
        try {
          return (await client.query<Row>(sql, params ? [...params] : undefined)).rows;
        } catch (error) {
          throw toStoreError(error);
        }
      },
    });
    const withClient = async <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => {
      let client: PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw toStoreError(error);
      }
      let broken: Error | undefined;
      try {
        return await work(client);
      } catch (error) {
        broken = error instanceof Error && !(error instanceof StoreError) ? error : undefined;
        throw error;
      } finally {
        client.release(broken);
      }
    };
    // Segment queries aggregate millions of rows by customer: with the default 4 MB per hash or
    // sort they spill to disk many times over. The setting lasts for their transaction only.
    const transaction = <T>(work: (runner: SqlRunner, client: PoolClient) => Promise<T>): Promise<T> =>
      withClient(async (client) => {
        const runner = runnerOf(client);
        await runner.all('BEGIN');
        try {
          await runner.all(`SET LOCAL work_mem = ${literal(SEGMENT_WORK_MEM)}`);
          const result = await work(runner, client);
          await runner.all('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      });
    return {
      dialect: 'postgres',
      all: (sql, params) => transaction((runner) => runner.all(sql, params)),
      transaction: (work) => transaction((runner) => work(runner)),
      stream: (sql, params, onRows) =>
        transaction(async (_runner, client) => {
          const cursor = client.query(new Cursor<Row>(sql, [...params]));
          try {
            for (;;) {
              const batch = await cursor.read(10_000);
              if (batch.length === 0) break;
              await onRows(batch);
            }
          } catch (error) {
            throw toStoreError(error);
          } finally {
            await cursor.close();
          }
        }),
    };
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schemaName = options.schemaName ?? 'public';
    const pool = new Pool({
      connectionString: options.url,
      options: `-c search_path=${startupOption(ident(schemaName))}`,
    });
    // An idle connection the server dropped (restart, idle timeout) is discarded by the pool and
    // the next query reconnects; without a listener the event would end the process.
    pool.on('error', () => {});
    const store = new PostgresStore(pool, options.clock, schemaName);
    try {
      await store.ensureSchema();
      return store;
    } catch (error) {
      await pool.end();
      throw toStoreError(error);
    }
  }

  private get workspace(): WorkspaceSchema {
    if (!this.schema) throw new Error('PostgresStore used before prepare()');
    return this.schema;
  }

  /** Advisory lock keys are per schema, so stores over different schemas never wait on each other. */
  private lockKey(purpose: 'schema' | 'import'): string {
    return `opencvm:${purpose}:${this.schemaName}`;
  }

  private async rows(sql: string, values?: readonly unknown[]): Promise<Row[]> {
    try {
      const result = await this.pool.query<Row>(sql, values ? [...values] : undefined);
      return result.rows;
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /**
   * Runs `work` in one transaction holding the advisory lock for `purpose`, which is released
   * with the transaction however it ends (a dead process's lock goes with its session).
   */
  private async transaction<T>(
    purpose: 'schema' | 'import',
    work: (client: PoolClient) => Promise<T>,
  ): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
    let broken: Error | undefined;
    // A session the server ends mid-transaction fails the running query, and is also reported
    // as an event that would otherwise end the process.
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.lockKey(purpose)]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is gone or unusable: it must not go back to the pool.
        broken = rollbackError instanceof Error ? rollbackError : new Error(messageOf(rollbackError));
      }
      throw toStoreError(error);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  private async ensureSchema(): Promise<void> {
    const [found] = await this.rows('SELECT 1 AS found FROM pg_namespace WHERE nspname = $1', [
      this.schemaName,
    ]);
    if (found) return;
    // Checked first because CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when
    // the schema is there; under the lock because two concurrent creations collide.
    await this.transaction('schema', (client) =>
      client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(this.schemaName)}`),
    );
  }

  async prepare(schema: WorkspaceSchema): Promise<void> {
    await this.transaction('schema', (client) =>
      client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
      ),
    );
    for (const migration of POSTGRES_MIGRATIONS) {
      await this.transaction('schema', async (client) => {
        // Read under the lock: another process may have applied it while this one waited.
        const applied = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
          migration.version,
        ]);
        if (applied.rowCount) return;
        for (const statement of migration.statements) await client.query(statement);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          this.clock().toISOString(),
        ]);
      });
    }
    await this.transaction('schema', (client) => this.applySchema(client, schema));
    this.schema = schema;
  }

  private async applySchema(client: PoolClient, schema: WorkspaceSchema): Promise<void> {
    const ddl: string[] = [];
    const conflicts: string[] = [];
    for (const table of ['customers', 'events'] as const) {
      const existing = await client.query<Row>(
        'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
        [table],
      );
      const changes = columnChanges({
        schema,
        table,
        existing: existing.rows.map((row) => ({ name: String(row.name), type: String(row.type) })),
        dialect: 'postgres',
        sameType: samePostgresType,
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
    for (const statement of ddl) await client.query(statement);
    await client.query(
      'INSERT INTO workspace_schema VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, applied_at = excluded.applied_at',
      [JSON.stringify(storedSchema(schema)), this.clock().toISOString()],
    );
  }

  /** Not rewritten on PostgreSQL: CLUSTER would lock the events for the whole rewrite. */
  async optimize(): Promise<{ readonly events: number }> {
    return { events: 0 };
  }

  async summary(): Promise<StoreSummary> {
    const [row] = await this.rows(summarySql('postgres'));
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
      await using db = await openStagingDb(schema.workspace.timezone);
      let plan: SourcePlan;
      try {
        plan = await planFile(db.connection, schema, source);
      } catch (error) {
        return failureOf(error);
      }
      return readWith(
        await this.load({
          db,
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
    const schema = this.workspace;
    const release = await this.writes.acquire();
    try {
      await using db = await openStagingDb(schema.workspace.timezone);
      await using source = await rowsSource(input, present);
      const result = await this.load({ db, kind, from: source.from, present: source.present, options: {} });
      if (!result.ok)
        throw new StoreError('invalid_data', `validated rows were refused: ${result.error.message}`);
      return result.value;
    } finally {
      release();
    }
  }

  /**
   * Reads and checks the rows in DuckDB, which writes them to a CSV file that PostgreSQL copies
   * in as it grows, in one transaction. Events go from the source straight to the file (a
   * staged copy of twenty million rows would double DuckDB's work); customers and relations are
   * staged first, since keys repeated in the file and bad time zones are found on the stage.
   */
  private async load(options: {
    readonly db: StagingDb;
    readonly kind: ImportKind;
    readonly from: string;
    readonly present: ReadonlySet<string>;
    readonly options: ImportOptions;
    /** The file being read, for progress. */
    readonly file?: string;
  }): Promise<Result<ImportCounts, ImportFailure>> {
    const { db, kind, from, present, file } = options;
    const { onProgress } = options.options;
    const { connection } = db;
    const schema = this.workspace;
    let query: string;
    let columns: StagedColumns;
    let staged: StagedTable | null = null;
    if (kind === 'events') {
      const select = sourceQuery(schema, kind, present);
      query = select.query(from);
      columns = select.columns;
    } else {
      try {
        staged = await stageIntoTable({
          connection,
          schema,
          kind,
          from,
          present,
          ...(file ? { file } : {}),
          ...(onProgress ? { onProgress } : {}),
        });
      } catch (error) {
        return failureOf(error);
      }
      query = `SELECT * FROM ${ident(staged.table)}`;
      columns = staged.columns;
    }
    try {
      if (staged && staged.report.invalid > 0) {
        return err({ type: 'invalid_rows', message: `${staged.report.invalid} rows failed the checks` });
      }
      return await this.copyIn({
        connection,
        kind,
        columns,
        query,
        path: join(db.dir, 'rows.csv'),
        onProgress,
        // Events stream from the file itself: its bytes measure progress (read once by DuckDB, once more for COPY).
        ...(kind === 'events' && file ? { file } : {}),
      });
    } finally {
      if (staged) await dropStage(connection, staged);
    }
  }

  /**
   * Runs DuckDB's export and PostgreSQL's copy side by side. If DuckDB refuses a row, the copy
   * ends with its error and the transaction rolls back; if PostgreSQL fails first, DuckDB is
   * stopped and the PostgreSQL error is thrown.
   */
  private async copyIn(options: {
    readonly connection: DuckDBConnection;
    readonly kind: ImportKind;
    readonly columns: StagedColumns;
    readonly query: string;
    readonly path: string;
    readonly onProgress: ImportOptions['onProgress'];
    readonly file?: string;
  }): Promise<Result<ImportCounts, ImportFailure>> {
    const { connection, kind, columns, query, path, onProgress, file } = options;
    const now = this.clock().toISOString();
    // Checked before the transaction because the export starts first; the transaction checks again.
    const sorted = (await this.rows(`SELECT 1 FROM ${ident(kind)} LIMIT 1`)).length > 0;
    let running: RunningExport;
    try {
      running = await startExport({
        connection,
        kind,
        columns,
        query,
        path,
        sorted,
        onProgress,
        ...(file ? { file } : {}),
      });
    } catch (error) {
      return failureOf(error);
    }
    try {
      const { inserted, updated } = await this.transaction('import', async (client) => {
        const loaded = await copyIntoTable({ client, kind, columns, rows: exportedRows(path, running), now });
        // The copy has read the whole file only if DuckDB finished without error.
        await running.finished;
        return loaded;
      });
      const read = await running.finished;
      return ok({
        read,
        inserted,
        updated,
        unchanged: kind === 'events' ? 0 : read - inserted - updated,
        duplicates: kind === 'events' ? read - inserted : 0,
        rejected: 0,
      });
    } catch (error) {
      const outcome = running.outcome();
      if (outcome.state === 'failed') return failureOf(outcome.error);
      throw error;
    } finally {
      await running.stop();
      await rm(path, { force: true });
    }
  }

  async recordImportRun(run: ImportRun): Promise<void> {
    const values = importRunValues(run);
    await this.rows(
      `INSERT INTO import_runs (${IMPORT_RUN_COLUMNS.join(', ')}) VALUES (${values.map((_, index) => `$${index + 1}`).join(', ')})`,
      values,
    );
  }

  async listImportRuns(limit: number): Promise<readonly ImportRun[]> {
    return (await this.rows(importRunsSql('postgres', limit))).map(importRunFromRow);
  }

  async getCustomer(id: string, options: { readonly events: number }): Promise<CustomerDetails | null> {
    const queries = customerDetailsQueries(this.workspace, 'postgres', options.events);
    const [customerRow] = await this.rows(queries.customer.sql, [id]);
    if (!customerRow) return null;
    const events = await this.rows(queries.events.sql, [id]);
    const relations = await this.rows(queries.relations.sql, [id]);
    return {
      customer: queries.customer.map(customerRow),
      lastEvents: events.map(queries.events.map),
      relations: relations.map(queries.relations.map),
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
