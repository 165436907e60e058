import { randomUUID } from 'node:crypto';
import {
  createRowValidator,
  err,
  type ImportKind,
  type ImportRun,
  type NormalizedRow,
  ok,
  type Result,
  type RowIssue,
} from '@opencvm/core';
import { createEventIntake, type EventIntake } from './event-intake.ts';
import type { ImportDeps } from './import-file.ts';

export const MAX_BATCH_ROWS = 10_000;

export interface BatchRowError {
  /** 0-based position of the row in the request body. */
  readonly index: number;
  readonly issues: readonly RowIssue[];
}

export interface BatchOutcome {
  readonly run: ImportRun;
  readonly errors: readonly BatchRowError[];
}

export type BatchError =
  | { readonly type: 'invalid_body'; readonly path: string; readonly message: string }
  | { readonly type: 'invalid_rows'; readonly message: string; readonly errors: readonly BatchRowError[] };

const KEY: Readonly<Record<ImportKind, readonly string[]>> = {
  customers: ['id'],
  events: [],
  relations: ['src', 'dst', 'kind'],
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The app's intake, or one of this call's own (a write of these rows alone). */
const intakeOf = (deps: ImportDeps): EventIntake =>
  deps.intake ?? createEventIntake({ store: deps.store, onEvents: deps.onEvents });

/**
 * Writes a JSON array of rows. Valid rows are written and invalid ones come back with their
 * index and reasons; with `atomic`, one invalid row means nothing is written.
 */
export const importBatch =
  (deps: ImportDeps) =>
  async (options: {
    readonly kind: ImportKind;
    readonly body: unknown;
    readonly atomic: boolean;
  }): Promise<Result<BatchOutcome, BatchError>> => {
    const { store, schema, clock } = deps;
    const { kind, body, atomic } = options;
    if (!Array.isArray(body))
      return err({ type: 'invalid_body', path: '(body)', message: 'expected a JSON array of rows' });
    if (body.length === 0)
      return err({ type: 'invalid_body', path: '(body)', message: 'expected at least one row' });
    if (body.length > MAX_BATCH_ROWS) {
      return err({
        type: 'invalid_body',
        path: '(body)',
        message: `at most ${MAX_BATCH_ROWS} rows per request, got ${body.length}`,
      });
    }
    const startedAt = clock();
    const validate = createRowValidator(schema, kind);
    const errors: BatchRowError[] = [];
    const accepted: { index: number; row: NormalizedRow }[] = [];
    const present = new Set<string>();
    const keyIndexes = new Map<string, number[]>();
    body.forEach((item: unknown, index) => {
      if (!isRecord(item)) {
        errors.push({ index, issues: [{ column: '(row)', value: null, reason: 'expected a JSON object' }] });
        return;
      }
      const result = validate(item);
      if (!result.ok) {
        errors.push({ index, issues: result.error });
        return;
      }
      for (const field of Object.keys(item)) present.add(field);
      accepted.push({ index, row: result.value });
      const names = KEY[kind];
      if (names.length > 0) {
        const key = JSON.stringify(names.map((name) => result.value[name]));
        keyIndexes.set(key, [...(keyIndexes.get(key) ?? []), index]);
      }
    });
    const repeated = new Set<number>();
    for (const indexes of keyIndexes.values()) {
      if (indexes.length < 2) continue;
      for (const index of indexes) {
        repeated.add(index);
        const others = indexes.filter((at) => at !== index);
        errors.push({
          index,
          issues: [
            {
              column: KEY[kind].join('+'),
              value: null,
              reason: `the same key is in rows ${others.join(', ')} of this request`,
            },
          ],
        });
      }
    }
    errors.sort((a, b) => a.index - b.index);
    const rows = accepted.filter((entry) => !repeated.has(entry.index)).map((entry) => entry.row);
    if (errors.length > 0 && (atomic || rows.length === 0)) {
      return err({
        type: 'invalid_rows',
        message: `${errors.length} of ${body.length} rows are invalid; nothing was written`,
        errors,
      });
    }
    if (kind === 'events' && present.has('amount')) present.add('currency');
    const counts =
      kind === 'events'
        ? await intakeOf(deps).submit(rows, present)
        : await store.importRows(kind, rows, present);
    const finishedAt = clock();
    const run: ImportRun = {
      id: randomUUID(),
      kind,
      source: 'api',
      format: 'api',
      status: 'succeeded',
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      ...counts,
      read: body.length,
      rejected: errors.length,
      error: null,
    };
    await store.recordImportRun(run);
    return ok({ run, errors });
  };
