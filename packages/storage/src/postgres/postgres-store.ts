import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  err,
  type ImportCounts,
  type ImportFailure,
  type ImportKind,
  type ImportOptions,
  messageOf,
  ok,
  type Result,
  StoreError,
  storedSchema,
  type WorkspaceSchema,
} from '@opencvm/core';
import { Pool, type PoolClient } from 'pg';
import { failureOf } from '../import-failure.ts';
import { ident } from '../sql/sql-types.ts';
import { dropStage, type StagedTable, sourceQuery, stageIntoTable } from '../staging/duckdb-stage.ts';
import { type LoadRequest, type SessionQuery, SqlStore } from '../store/sql-store.ts';
import { copyIntoTable, exportedRows, type RunningExport, startExport } from './postgres-copy.ts';
import { postgresDialect } from './postgres-dialect.ts';
import { toStoreError } from './postgres-errors.ts';
import { postgresExecutor } from './postgres-executor.ts';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.ts';
import { openStagingDb, type StagingDb } from './postgres-staging.ts';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database` */
  readonly url: string;
  readonly clock: () => Date;
  /** PostgreSQL schema to use, created when missing; `public` by default. Tests use a fresh one each. */
  readonly schemaName?: string;
}

type Row = Record<string, unknown>;

type StagedColumns = StagedTable['columns'];

/** A value of the server's `options` startup parameter: spaces and backslashes are escaped. */
const startupOption = (value: string): string => value.replace(/[\s\\]/g, (char) => `\\${char}`);

/**
 * The server store: data in PostgreSQL, shared by several processes. Files are read and
 * checked in a private in-memory DuckDB (the same staging as the embedded store), written to a
 * CSV file and copied into PostgreSQL in one transaction. Imports of this process write one at a
 * time; an advisory lock serializes other processes.
 */
export class PostgresStore extends SqlStore<StagingDb> {
  private readonly pool: Pool;
  private readonly schemaName: string;

  private constructor(pool: Pool, clock: () => Date, schemaName: string) {
    super({ dialect: postgresDialect, executor: postgresExecutor(pool), clock });
    this.pool = pool;
    this.schemaName = schemaName;
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

  protected session<T>(work: (query: SessionQuery) => Promise<T>): Promise<T> {
    return work((sql, params) => this.rows(sql, params));
  }

  protected openStaging(): Promise<StagingDb> {
    return openStagingDb(this.workspace.workspace.timezone);
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
    this.use(schema);
  }

  private async applySchema(client: PoolClient, schema: WorkspaceSchema): Promise<void> {
    const { ddl, conflicts } = await this.schemaChanges(schema, async (table) =>
      (
        await client.query<Row>(
          'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
          [table],
        )
      ).rows.map((row) => ({ name: String(row.name), type: String(row.type) })),
    );
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

  /**
   * Reads and checks the rows in DuckDB, which writes them to a CSV file that PostgreSQL copies
   * in as it grows, in one transaction. Events go from the source straight to the file (a
   * staged copy of twenty million rows would double DuckDB's work); customers and relations are
   * staged first, since keys repeated in the file and bad time zones are found on the stage.
   */
  protected async load(db: StagingDb, request: LoadRequest): Promise<Result<ImportCounts, ImportFailure>> {
    const { kind, from, present, file } = request;
    const { onProgress } = request.options;
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
        onInserted: request.onInserted,
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
    readonly onInserted: LoadRequest['onInserted'];
    readonly file?: string;
  }): Promise<Result<ImportCounts, ImportFailure>> {
    const { connection, kind, columns, query, path, onProgress, onInserted, file } = options;
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
        const loaded = await copyIntoTable({
          client,
          kind,
          columns,
          rows: exportedRows(path, running),
          now,
          reportKeys: onInserted !== undefined,
        });
        // The copy has read the whole file only if DuckDB finished without error.
        await running.finished;
        if (onInserted) onInserted(loaded.keys ?? []);
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

  async close(): Promise<void> {
    await this.pool.end();
  }
}
