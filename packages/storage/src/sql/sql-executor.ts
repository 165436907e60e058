import type { Dialect } from './dialect.ts';

export type SqlRow = Record<string, unknown>;

/** What the SQL stores need of an engine: its dialect, queries with `$n` parameters, transactions, streams. */
export interface SqlRunner {
  readonly dialect: Dialect;
  all(sql: string, params?: readonly unknown[]): Promise<SqlRow[]>;
  /**
   * Where the engine has a faster way than a JSON parameter (DuckDB's appender): replaces the
   * rows of a temporary table of text columns, created on first use, within the runner's
   * transaction.
   */
  readonly load?: (options: {
    readonly table: string;
    readonly columns: readonly string[];
    readonly rows: readonly (readonly (string | null)[])[];
  }) => Promise<void>;
}

export interface SqlExecutor extends SqlRunner {
  /** Runs `work` in one transaction on one connection; any error rolls it back. */
  transaction<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T>;
  /** Streams a query's rows in batches, without holding them all. */
  stream(
    sql: string,
    params: readonly unknown[],
    onRows: (rows: readonly SqlRow[]) => Promise<void>,
  ): Promise<void>;
}
