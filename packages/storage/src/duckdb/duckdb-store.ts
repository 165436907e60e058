import { mkdir } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  err,
  type ImportCounts,
  type ImportFailure,
  type ImportOptions,
  ok,
  type Result,
  StoreError,
  storedSchema,
  type WorkspaceSchema,
} from '@opencvm/core';
import { failureOf } from '../import-failure.ts';
import { ident, literal } from '../sql/sql-types.ts';
import { commitSql } from '../staging/commit-sql.ts';
import {
  dropStage,
  type StagedTable,
  sourceQuery,
  stageIntoTable,
  withProgress,
} from '../staging/duckdb-stage.ts';
import { type LoadRequest, type SessionQuery, SqlStore, type Staging } from '../store/sql-store.ts';
import { duckdbDialect } from './duckdb-dialect.ts';
import { toStoreError } from './duckdb-errors.ts';
import { DuckDbConnections, duckDbExecutor, duckValue, rows } from './duckdb-executor.ts';
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

/**
 * The embedded store: one DuckDB file, one process. Imports write one at a time: the event
 * anti-join is only exact without a concurrent writer.
 */
export class DuckDbStore extends SqlStore<Staging> {
  private lastImportStamp = 0;
  private readonly connections: DuckDbConnections;
  /** The limit the store was opened with, restored exactly after `optimize`; none: the engine's default. */
  private readonly memoryLimit: string | undefined;

  private constructor(instance: DuckDBInstance, clock: () => Date, memoryLimit: string | undefined) {
    const connections = new DuckDbConnections(instance);
    super({ dialect: duckdbDialect, executor: duckDbExecutor(connections), clock });
    this.connections = connections;
    this.memoryLimit = memoryLimit;
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

  private withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.connections.withConnection(work);
  }

  protected session<T>(work: (query: SessionQuery) => Promise<T>): Promise<T> {
    return this.withConnection((connection) =>
      work((sql, params) => rows(connection, sql, params?.map(duckValue))),
    );
  }

  protected async openStaging(): Promise<Staging> {
    const connection = await this.connections.connect();
    return { connection, [Symbol.asyncDispose]: async () => connection.closeSync() };
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
    this.connections.timezone = schema.workspace.timezone;
    this.use(schema);
  }

  private async applySchema(connection: DuckDBConnection, schema: WorkspaceSchema): Promise<void> {
    const { ddl, conflicts } = await this.schemaChanges(schema, async (table) =>
      (
        await rows(
          connection,
          `SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = ${literal(table)}`,
        )
      ).map((row) => ({ name: String(row.name), type: String(row.type) })),
    );
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

  /** A distinct time per import: it marks the rows of this import inside the transaction. */
  private importStamp(): string {
    const now = Math.max(this.clock().getTime(), this.lastImportStamp + 1);
    this.lastImportStamp = now;
    return new Date(now).toISOString();
  }

  protected async load(staging: Staging, request: LoadRequest): Promise<Result<ImportCounts, ImportFailure>> {
    const { connection } = staging;
    const { kind, from, present } = request;
    if (kind === 'events') return this.loadEvents({ connection, ...request });
    let staged: StagedTable;
    try {
      staged = await stageIntoTable({
        connection,
        schema: this.workspace,
        kind,
        from,
        present,
        ...(request.file ? { file: request.file } : {}),
        ...(request.options.onProgress ? { onProgress: request.options.onProgress } : {}),
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
    readonly onInserted?: LoadRequest['onInserted'];
  }): Promise<Result<ImportCounts, ImportFailure>> {
    const { connection, from, present, onInserted } = options;
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
        // The stored events are probed with this import's keys (a semi-join built on the few new
        // rows), not hashed whole on every import: a small batch costs a scan, not a hash table of
        // the whole history.
        const removed = await connection.run(
          'DELETE FROM events WHERE imported_at = $1::TIMESTAMPTZ AND (customer_id, id) IN (SELECT e.customer_id, e.id FROM events e SEMI JOIN (SELECT customer_id, id FROM events WHERE imported_at = $1::TIMESTAMPTZ) n ON e.customer_id = n.customer_id AND e.id = n.id WHERE e.imported_at <> $1::TIMESTAMPTZ)',
          [stamp],
        );
        duplicates += removed.rowsChanged;
      }
      // What is left of this import's stamp is what it stored.
      if (onInserted) {
        const stored = await rows(
          connection,
          'SELECT customer_id, id FROM events WHERE imported_at = $1::TIMESTAMPTZ',
          [stamp],
        );
        onInserted(stored.map((row) => ({ customerId: String(row.customer_id), id: String(row.id) })));
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
      dialect: duckdbDialect,
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

  async close(): Promise<void> {
    this.connections.closeIdle();
    this.connections.instance.closeSync();
  }
}
