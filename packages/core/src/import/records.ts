/** What a file or an API body can hold about customers, events or relations. */
export const IMPORT_KINDS = ['customers', 'events', 'relations'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/**
 * A value after validation, in the form stored:
 * date `YYYY-MM-DD`; timestamp ISO-8601 in UTC (`2024-05-01T09:30:00.000Z`);
 * money a decimal string with at most four fraction digits (exact, never a float).
 */
export type FieldValue = string | number | boolean | null;

/** One validated row keyed by stored column name (built-in fields and declared attributes alike). */
export type NormalizedRow = Record<string, FieldValue>;

/** Why one value of one row was refused. */
export interface RowIssue {
  readonly column: string;
  readonly value: string | null;
  readonly reason: string;
}

/** A refused row in a rejects report: where (1-based line of the file, or index of an API body) and why. */
export interface RejectedRow {
  readonly line: number;
  readonly issues: readonly RowIssue[];
}

export const MONEY_SCALE = 4;
