/**
 * Everything the SQL stores and the segment compiler write differently for DuckDB and
 * PostgreSQL: type names, JSON, time arithmetic, upserts, locks and sampling helpers. One object
 * per engine (duckdb/duckdb-dialect.ts, postgres/postgres-dialect.ts); shared SQL takes one and
 * never asks which engine it is on.
 */
export interface Dialect {
  /** The engine, as the Store port names it. */
  readonly name: 'duckdb' | 'postgres';
  /** Type names whose spelling differs between the engines (the rest are written the same). */
  readonly types: {
    readonly number: string;
    readonly timestamp: string;
    readonly money: string;
    readonly text: string;
    readonly json: string;
  };
  /** Whether a declared column type and the type the engine's catalogue reports are the same. */
  sameColumnType(declared: string, stored: string): boolean;
  /** What follows the type of a new column of an enum attribute. */
  readonly enumColumnOptions: string;
  /** A timestamp as ISO text in UTC with milliseconds (`2024-05-01T09:30:00.000Z`). */
  isoText(expression: string): string;
  /** A DATE column as `YYYY-MM-DD`. */
  dateText(expression: string): string;
  /** A timestamp's calendar day as `YYYY-MM-DD`. */
  dayText(expression: string): string;
  /** A field of a stored JSON document as text. */
  jsonFieldText(column: string, field: string): string;
  /**
   * The rows of a JSON array parameter as a table `r` with text columns (JSON for
   * `jsonColumns`): a batch of rows travels as one parameter and is one statement.
   */
  jsonRows(options: {
    readonly param: string;
    readonly fields: readonly string[];
    readonly jsonColumns?: readonly string[];
  }): string;
  /** A subquery of the texts of a JSON array parameter, one row each. */
  jsonTextRows(param: string): string;
  /** Whether `column` is one of the texts of a JSON array parameter: a function, not a subquery. */
  inJsonTexts(column: string, param: string): string;
  /** The first 8 hex digits of an md5 of `text` as a number (core's `hashOf`). */
  md5Bucket(text: string): string;
  /** An expression that orders by bytes, as ids are ordered everywhere (PostgreSQL's "C"). */
  byteOrder(expression: string): string;
  /**
   * How a CTE read by several passes is written (`MATERIALIZED ` or `NOT MATERIALIZED `) where
   * the engine needs telling; empty where it decides well on its own.
   */
  materialized(materialize: boolean): string;
  /** A timestamp plus a whole number of days. */
  plusDays(timestamp: string, days: string): string;
  /** The seconds of an interval, as a number. */
  epochSeconds(interval: string): string;
  /** Whole days from `earlier` to `later`, rounded down, as a BIGINT. */
  wholeDaysBetween(later: string, earlier: string): string;
  /** The operator that divides integers to an integer. */
  readonly integerDivide: string;
  /** What a row-claiming subquery adds so concurrent claimants skip each other's rows. */
  readonly skipLocked: string;
  /**
   * What an insert into one of the big run tables (history, outbox, runs) adds to skip a row its
   * key already holds: PostgreSQL keeps keys there; DuckDB keeps none, its inserts anti-join.
   */
  readonly skipKeyConflicts: string;
  /** What an insert adds to skip a row whose `columns` are taken (a key both engines keep). */
  skipConflictsOn(columns: string): string;
  /** The statement an append to a chained log takes first, so appends of other sessions wait; null: none needed. */
  appendLock(table: string): string | null;
  /**
   * Whether writes that may touch the same rows must go one at a time in this process: DuckDB
   * fails, rather than waits for, a transaction that changes a row another one changed.
   */
  readonly serialWrites: boolean;
  /** Writes an import's valid staged rows into their table (see staging/commit-sql.ts). */
  stagedUpsert(write: StagedUpsert): string;
  /** Inserts an import's valid staged events that are not stored yet. */
  stagedEventsInsert(write: StagedEventsInsert): string;
}

/** The parts of an upsert of staged customers or relations; `$1` is the import time. */
export interface StagedUpsert {
  readonly table: string;
  /** The valid staged rows, aliased `s`. */
  readonly valid: string;
  readonly names: readonly string[];
  readonly key: readonly string[];
  readonly nonKey: readonly string[];
  /** The stored row `t` is the staged row `s`. */
  readonly join: string;
  /** The stored row `t` differs from the staged row `s`. */
  readonly changed: string;
  /** Stamp columns set to the import time on insert (`updated_at` also on update). */
  readonly stamps: readonly string[];
}

export interface StagedEventsInsert {
  /** The valid staged rows, aliased `s`. */
  readonly valid: string;
  readonly names: readonly string[];
  readonly key: readonly string[];
}
