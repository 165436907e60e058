import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import type { SqlExecutor, SqlRunner } from '../sql/sql-executor.ts';
import { ident, literal } from '../sql/sql-types.ts';
import { duckdbDialect } from './duckdb-dialect.ts';
import { toStoreError } from './duckdb-errors.ts';

export const rows = async (
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

export const duckValue = (value: unknown): DuckDBValue => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
};

/**
 * Connections to one DuckDB instance, each in the workspace's time zone once it is known. A few
 * idle ones are kept for the next statement (opening one and setting its zone costs about as much
 * as a small query); one whose work failed is closed, not reused.
 */
export class DuckDbConnections {
  private zone: string | null = null;
  private readonly idle: DuckDBConnection[] = [];

  constructor(
    readonly instance: DuckDBInstance,
    private readonly maxIdle = 4,
  ) {}

  /** Set by `prepare`: timestamps without an offset are read in it. */
  get timezone(): string | null {
    return this.zone;
  }

  set timezone(zone: string | null) {
    this.zone = zone;
    this.closeIdle();
  }

  async connect(): Promise<DuckDBConnection> {
    const connection = await this.instance.connect();
    if (this.zone !== null) await connection.run(`SET TimeZone = ${literal(this.zone)}`);
    return connection;
  }

  async withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const zone = this.zone;
    const connection = this.idle.pop() ?? (await this.connect());
    let result: T;
    try {
      result = await work(connection);
    } catch (error) {
      connection.closeSync();
      throw error;
    }
    if (zone === this.zone && this.idle.length < this.maxIdle) this.idle.push(connection);
    else connection.closeSync();
    return result;
  }

  /** Closes the idle connections (before the instance closes, or when the time zone changes). */
  closeIdle(): void {
    for (const connection of this.idle.splice(0)) connection.closeSync();
  }
}

/** The SQL stores' access to the engine; parameters are passed as text and cast in SQL. */
export const duckDbExecutor = (connections: DuckDbConnections): SqlExecutor => {
  const runnerOf = (connection: DuckDBConnection): SqlRunner => ({
    dialect: duckdbDialect,
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
    dialect: duckdbDialect,
    all: (sql, params) => connections.withConnection((connection) => runnerOf(connection).all(sql, params)),
    transaction: (work) =>
      connections.withConnection(async (connection) => {
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
      connections.withConnection(async (connection) => {
        try {
          const result = await connection.stream(sql, params.map(duckValue));
          for await (const batch of result.yieldRowObjectJson()) await onRows(batch);
        } catch (error) {
          throw toStoreError(error);
        }
      }),
  };
};
