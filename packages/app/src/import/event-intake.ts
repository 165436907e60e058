import type { ImportCounts, NormalizedRow, Store } from '@opencvm/core';

/**
 * Group commit for events arriving a few at a time (API calls, stream messages): rows handed in
 * while a write is under way wait and go together in the next one — one import and one journey
 * batch for all of them — so a steady stream of small requests costs a write per round, not per
 * request, and each caller still hears back only once its own rows are stored and acted on. A
 * failed round fails every caller in it (they retry; events are de-duplicated by id).
 */

export interface EventIntake {
  /** Stores the rows (with the fields `present` names) and tells `onEvents`; resolves when both are done. */
  submit(rows: readonly NormalizedRow[], present: ReadonlySet<string>): Promise<ImportCounts>;
}

interface Waiting {
  readonly rows: readonly NormalizedRow[];
  readonly present: ReadonlySet<string>;
  readonly resolve: (counts: ImportCounts) => void;
  readonly reject: (error: unknown) => void;
}

/** A round takes at most this many rows; more wait for the next. */
const MAX_ROUND_ROWS = 20_000;

export const createEventIntake = (deps: {
  readonly store: Store;
  readonly onEvents?: ((rows: readonly NormalizedRow[]) => Promise<unknown>) | undefined;
}): EventIntake => {
  const queue: Waiting[] = [];
  let writing = false;

  const round = async (): Promise<void> => {
    writing = true;
    while (queue.length > 0) {
      const taken: Waiting[] = [];
      let size = 0;
      while (
        queue.length > 0 &&
        (taken.length === 0 || size + (queue[0]?.rows.length ?? 0) <= MAX_ROUND_ROWS)
      ) {
        const next = queue.shift() as Waiting;
        taken.push(next);
        size += next.rows.length;
      }
      const rows = taken.flatMap((item) => item.rows);
      const present = new Set(taken.flatMap((item) => [...item.present]));
      try {
        const counts = await deps.store.importRows('events', rows, present);
        if (deps.onEvents !== undefined) await deps.onEvents(rows);
        // Each caller gets the counts of its own rows as the store saw the round: read and
        // inserted are shared out; a round is one write, so its split is proportional.
        for (const item of taken) item.resolve(share(counts, item.rows.length, rows.length));
      } catch (error) {
        for (const item of taken) item.reject(error);
      }
    }
    writing = false;
  };

  return {
    submit(rows, present) {
      return new Promise<ImportCounts>((resolve, reject) => {
        queue.push({ rows, present, resolve, reject });
        if (!writing) void round();
      });
    },
  };
};

/** One caller's part of a round's counts: exact when the round is one caller's. */
const share = (counts: ImportCounts, mine: number, all: number): ImportCounts => {
  if (mine === all) return counts;
  const part = (value: number) => Math.round((value * mine) / all);
  const inserted = Math.min(mine, part(counts.inserted));
  return { read: mine, inserted, updated: 0, unchanged: 0, duplicates: mine - inserted, rejected: 0 };
};
