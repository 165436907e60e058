import type { ImportCounts, NormalizedRow, Store } from '@opencvm/core';

/**
 * Group commit for events arriving a few at a time (API calls, stream messages): rows handed in
 * while a write is under way wait and go together in the next one — one import and one journey
 * batch for all of them — so a steady stream of small requests costs a write per round, not per
 * request, and each caller still hears back only once its own rows are stored and acted on.
 *
 * Each caller's counts are its own: the store reports which events the round stored, and a
 * caller's row counts as inserted when it is among them and no earlier caller of the round had
 * the same event (as if the callers had written one after another). Only events stored by the
 * round are handed to `onEvents`, so an event sent again does not move a journey twice.
 *
 * A failed write fails every caller of the round and stores nothing. When the write succeeded but
 * `onEvents` failed, the callers fail too and retry; their events are then already stored, so the
 * intake remembers the events it stored but could not act on, and hands them to `onEvents` again
 * when they come back (a process that stops forgets them, as it would any work in hand).
 */

export interface EventIntake {
  /** Stores the rows (with the fields `present` names) and tells `onEvents`; resolves when both are done. */
  submit(rows: readonly NormalizedRow[], present: ReadonlySet<string>): Promise<ImportCounts>;
}

export interface EventIntakeDeps {
  readonly store: Store;
  readonly onEvents?: ((rows: readonly NormalizedRow[]) => Promise<unknown>) | undefined;
  /** A round takes at most this many rows (a single larger call goes alone); more wait for the next. */
  readonly maxRoundRows?: number;
}

interface Waiting {
  readonly rows: readonly NormalizedRow[];
  readonly present: ReadonlySet<string>;
  readonly resolve: (counts: ImportCounts) => void;
  readonly reject: (error: unknown) => void;
}

const MAX_ROUND_ROWS = 20_000;
/** Events stored but not acted on that are remembered for their retry; older ones are forgotten. */
const MAX_UNACTED = 100_000;

const keyOf = (customerId: unknown, id: unknown): string => JSON.stringify([String(customerId), String(id)]);

export const createEventIntake = (deps: EventIntakeDeps): EventIntake => {
  const maxRoundRows = deps.maxRoundRows ?? MAX_ROUND_ROWS;
  const queue: Waiting[] = [];
  const unacted = new Set<string>();
  let writing = false;

  const take = (): Waiting[] => {
    const taken: Waiting[] = [];
    let size = 0;
    for (;;) {
      const next = queue[0];
      if (next === undefined || (taken.length > 0 && size + next.rows.length > maxRoundRows)) return taken;
      queue.shift();
      taken.push(next);
      size += next.rows.length;
    }
  };

  const write = async (taken: readonly Waiting[]): Promise<ImportCounts[]> => {
    const rows = taken.flatMap((item) => item.rows);
    const present = new Set(taken.flatMap((item) => [...item.present]));
    const { inserted } = await deps.store.importEvents(rows, present);
    const stored = new Set(inserted.map((key) => keyOf(key.customerId, key.id)));
    const seen = new Set<string>();
    const fresh: NormalizedRow[] = [];
    const retried: string[] = [];
    const counts = taken.map((item): ImportCounts => {
      let mine = 0;
      for (const row of item.rows) {
        const key = keyOf(row.customer_id, row.id);
        if (seen.has(key)) continue;
        seen.add(key);
        if (stored.has(key)) {
          mine += 1;
          fresh.push(row);
        } else if (unacted.has(key)) {
          fresh.push(row);
          retried.push(key);
        }
      }
      const read = item.rows.length;
      return { read, inserted: mine, updated: 0, unchanged: 0, duplicates: read - mine, rejected: 0 };
    });
    try {
      if (deps.onEvents !== undefined && fresh.length > 0) await deps.onEvents(fresh);
    } catch (error) {
      for (const key of stored) unacted.add(key);
      for (const key of unacted) {
        if (unacted.size <= MAX_UNACTED) break;
        unacted.delete(key);
      }
      throw error;
    }
    for (const key of retried) unacted.delete(key);
    return counts;
  };

  const drain = async (): Promise<void> => {
    writing = true;
    try {
      while (queue.length > 0) {
        const taken = take();
        try {
          const counts = await write(taken);
          taken.forEach((item, index) => {
            item.resolve(counts[index] as ImportCounts);
          });
        } catch (error) {
          for (const item of taken) item.reject(error);
        }
      }
    } finally {
      writing = false;
    }
  };

  return {
    submit(rows, present) {
      return new Promise<ImportCounts>((resolve, reject) => {
        queue.push({ rows, present, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
};
