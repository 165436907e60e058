import { randomUUID } from 'node:crypto';
import {
  createRowValidator,
  type EventStreamSource,
  type ImportCounts,
  type ImportRun,
  type NormalizedRow,
  type RowIssue,
  type StreamMessage,
} from '@opencvm/core';
import { type BatchRowError, MAX_BATCH_ROWS } from './import-batch.ts';
import type { ImportDeps } from './import-file.ts';

/** A message that can never be imported; it is rejected and not delivered again. */
export interface StreamRejection {
  /** The message's place in its stream. */
  readonly messageId: string;
  /** Which row and field, and why: `row 1: ts: expected a timestamp (ISO 8601), got "yesterday"`. */
  readonly reason: string;
  /** The invalid rows (0-based index in the message) with every issue; empty when unreadable. */
  readonly errors: readonly BatchRowError[];
}

export interface ConsumeEventStreamOptions {
  /** Called with a batch's valid rows once they are stored, before their messages are acked. */
  readonly onAccepted?: (rows: readonly NormalizedRow[]) => Promise<void>;
  readonly onRejected?: (rejection: StreamRejection) => void;
  /**
   * A batch that could not be stored (it is delivered again), or an `onAccepted` that failed;
   * awaited before the next batch.
   */
  readonly onError?: (error: unknown) => void | Promise<void>;
  /** Each import run row covers this much stream traffic (default one minute). */
  readonly runEveryMs?: number;
  /** How long a batch that could not be stored waits before it is delivered again. */
  readonly retryDelayMs?: number;
  readonly signal: AbortSignal;
}

export interface StreamTotals {
  readonly messages: number;
  readonly rows: number;
  readonly rejected: number;
}

const RUN_EVERY_MS = 60_000;
const RETRY_DELAY_MS = 1_000;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const describeIssue = (issue: RowIssue): string =>
  `${issue.column}: ${issue.reason}${issue.value === null ? '' : `, got ${JSON.stringify(issue.value)}`}`;

type Parsed =
  | { readonly ok: true; readonly rows: readonly NormalizedRow[]; readonly fields: ReadonlySet<string> }
  | { readonly ok: false; readonly rejection: StreamRejection; readonly rows: number };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** One message: one event row, or an array of them, all valid or the message is refused whole. */
const parseMessage = (message: StreamMessage, validate: ReturnType<typeof createRowValidator>): Parsed => {
  const refuse = (reason: string, errors: readonly BatchRowError[] = [], rows = 1): Parsed => ({
    ok: false,
    rejection: { messageId: message.id, reason, errors },
    rows,
  });
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(message.data));
  } catch (error) {
    return refuse(`not JSON text: ${error instanceof Error ? error.message : String(error)}`);
  }
  const single = !Array.isArray(body);
  const items: readonly unknown[] = Array.isArray(body) ? body : [body];
  if (items.length === 0) return refuse('expected an event row or a non-empty array of them', [], 0);
  if (items.length > MAX_BATCH_ROWS)
    return refuse(`at most ${MAX_BATCH_ROWS} rows per message, got ${items.length}`, [], items.length);
  const rows: NormalizedRow[] = [];
  const fields = new Set<string>();
  const errors: BatchRowError[] = [];
  items.forEach((item, index) => {
    if (!isRecord(item)) {
      errors.push({ index, issues: [{ column: '(row)', value: null, reason: 'expected a JSON object' }] });
      return;
    }
    const result = validate(item);
    if (!result.ok) {
      errors.push({ index, issues: result.error });
      return;
    }
    for (const field of Object.keys(item)) fields.add(field);
    rows.push(result.value);
  });
  if (errors.length === 0) return { ok: true, rows, fields };
  const reason = errors
    .map(
      (error) => `${single ? 'event' : `row ${error.index}`}: ${error.issues.map(describeIssue).join('; ')}`,
    )
    .join('; ');
  return refuse(reason, errors, items.length);
};

const NO_COUNTS: ImportCounts = {
  read: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  duplicates: 0,
  rejected: 0,
};

const addCounts = (a: ImportCounts, b: ImportCounts): ImportCounts => ({
  read: a.read + b.read,
  inserted: a.inserted + b.inserted,
  updated: a.updated + b.updated,
  unchanged: a.unchanged + b.unchanged,
  duplicates: a.duplicates + b.duplicates,
  rejected: a.rejected + b.rejected,
});

/** The traffic one import run row will describe. */
interface RunWindow {
  readonly startedAt: Date;
  counts: ImportCounts;
  /** The last write that failed, for a window in which nothing could be stored. */
  failure: string | null;
}

/**
 * Imports event rows from a stream until `signal` aborts. Each batch's valid rows are stored in
 * one write (the store drops events it already holds, by id), handed to `onAccepted`, and only
 * then acked; an invalid message is rejected with its reason; a batch that cannot be stored is
 * delivered again. Import runs (source `nats`, format `stream`) are recorded one per `runEveryMs`
 * of traffic, and for what is left when the stream stops.
 */
export const consumeEventStream = async (
  deps: ImportDeps,
  source: EventStreamSource,
  options: ConsumeEventStreamOptions,
): Promise<StreamTotals> => {
  const { store, schema, clock } = deps;
  const validate = createRowValidator(schema, 'events');
  const runEveryMs = options.runEveryMs ?? RUN_EVERY_MS;
  const retryDelayMs = options.retryDelayMs ?? RETRY_DELAY_MS;
  const totals = { messages: 0, rows: 0, rejected: 0 };
  let window: RunWindow | null = null;

  const recordRun = async (): Promise<void> => {
    const ended = window;
    if (ended === null) return;
    window = null;
    const finishedAt = clock();
    const { inserted, updated, unchanged, duplicates } = ended.counts;
    const failed = ended.failure !== null && inserted + updated + unchanged + duplicates === 0;
    const run: ImportRun = {
      id: randomUUID(),
      kind: 'events',
      source: 'nats',
      format: 'stream',
      status: failed ? 'failed' : 'succeeded',
      startedAt: ended.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      seconds: (finishedAt.getTime() - ended.startedAt.getTime()) / 1000,
      ...ended.counts,
      error: failed ? ended.failure : null,
    };
    await store.recordImportRun(run);
  };

  const handleBatch = async (batch: readonly StreamMessage[]): Promise<void> => {
    const current: RunWindow = window ?? { startedAt: clock(), counts: NO_COUNTS, failure: null };
    window = current;
    const accepted: StreamMessage[] = [];
    const rows: NormalizedRow[] = [];
    const present = new Set<string>();
    let rejectedRows = 0;
    for (const message of batch) {
      const parsed = parseMessage(message, validate);
      if (!parsed.ok) {
        message.reject(parsed.rejection.reason);
        rejectedRows += parsed.rows;
        totals.rejected += 1;
        options.onRejected?.(parsed.rejection);
        continue;
      }
      accepted.push(message);
      rows.push(...parsed.rows);
      for (const field of parsed.fields) present.add(field);
    }
    totals.messages += batch.length;
    const refused: ImportCounts = { ...NO_COUNTS, read: rejectedRows, rejected: rejectedRows };
    if (rows.length === 0) {
      current.counts = addCounts(current.counts, refused);
    } else {
      if (present.has('amount')) present.add('currency');
      let counts: ImportCounts;
      try {
        counts = await store.importRows('events', rows, present);
      } catch (error) {
        // Nothing of the batch is acked: it comes back, and what did land is dropped as a repeat.
        for (const message of accepted) message.retry(retryDelayMs);
        current.counts = addCounts(current.counts, refused);
        current.failure = error instanceof Error ? error.message : String(error);
        await options.onError?.(error);
        return;
      }
      current.counts = addCounts(current.counts, addCounts(counts, refused));
      try {
        await options.onAccepted?.(rows);
      } catch (error) {
        // Stored already; delivered again so that what acts on the rows gets another chance.
        for (const message of accepted) message.retry(retryDelayMs);
        await options.onError?.(error);
        return;
      }
      for (const message of accepted) message.ack();
      totals.rows += rows.length;
    }
    if (clock().getTime() - current.startedAt.getTime() >= runEveryMs)
      await recordRun().catch((error: unknown) => options.onError?.(error));
  };

  try {
    await source.run(handleBatch, options.signal);
  } finally {
    await recordRun();
  }
  return totals;
};
