import { createReadStream } from 'node:fs';
import { type CustomerList, err, ok, type Result, referencedLists } from '@opencvm/core';
import { parse } from 'csv-parse';
import { invalid, type SegmentError } from './segment-error.ts';
import type { SegmentDeps } from './segment-rules.ts';

const LIST_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** A record read by csv-parse with `info: true`: its cells and the line it ends on (blank lines count). */
const csvRecord = (entry: unknown): { readonly cells: readonly unknown[]; readonly line: number } => {
  if (typeof entry !== 'object' || entry === null) return { cells: [], line: 0 };
  const cells: unknown[] = 'record' in entry && Array.isArray(entry.record) ? entry.record : [];
  const info = 'info' in entry ? entry.info : null;
  const line =
    typeof info === 'object' && info !== null && 'lines' in info && typeof info.lines === 'number'
      ? info.lines
      : 0;
  return { cells, line };
};

const checkListName = (name: string): SegmentError | null =>
  LIST_NAME.test(name)
    ? null
    : invalid('name', 'must start with a lower-case letter or digit and hold only a-z, 0-9, _ and -');

/** Customer lists: named sets of ids that rules refer to (`{ type: 'list' }`). */
export const segmentLists = (deps: SegmentDeps) => {
  const segments = deps.store.segments;
  return {
    /**
     * Uploads a list of customer ids from a file: a CSV whose header names an `id` or
     * `customer_id` column, or a single column of ids without a header.
     * Replaces the list's previous ids; an empty id is refused with its line, an empty file too.
     */
    async importList(name: string, path: string): Promise<Result<CustomerList, SegmentError>> {
      const nameError = checkListName(name);
      if (nameError) return err(nameError);
      const ids: string[] = [];
      let column: number | null = null;
      try {
        const parser = createReadStream(path).pipe(
          parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }),
        );
        for await (const entry of parser) {
          const { cells, line } = csvRecord(entry);
          if (column === null) {
            const header = cells.map((cell) => String(cell).trim().toLowerCase());
            const at = header.findIndex((cell) => cell === 'customer_id' || cell === 'id');
            column = at >= 0 ? at : header.length === 1 ? 0 : -1;
            if (column < 0) {
              return err({
                type: 'invalid_file',
                message: `${path}: line ${line}: no "id" or "customer_id" column in ${header.join(', ')}`,
              });
            }
            if (at < 0) ids.push(String(cells[0] ?? ''));
            continue;
          }
          const id = String(cells[column] ?? '');
          if (id === '')
            return err({ type: 'invalid_file', message: `${path}: line ${line}: the customer id is empty` });
          ids.push(id);
        }
      } catch (error) {
        return err({
          type: 'invalid_file',
          message: `${path}: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      if (ids.length === 0) return err({ type: 'invalid_file', message: `${path}: holds no customer ids` });
      return ok(await segments.saveList(name, ids, deps.clock()));
    },

    /** Replaces a list's ids with the given ones (decoded JSON): at least one, none empty. */
    async saveListIds(name: string, ids: unknown): Promise<Result<CustomerList, SegmentError>> {
      const nameError = checkListName(name);
      if (nameError) return err(nameError);
      if (!Array.isArray(ids)) return err(invalid('ids', 'must be an array of customer ids'));
      if (ids.length === 0) return err(invalid('ids', 'must hold at least one customer id'));
      const checked: string[] = [];
      for (const [index, id] of ids.entries()) {
        if (typeof id !== 'string') return err(invalid(`ids[${index}]`, 'must be a string'));
        if (id === '') return err(invalid(`ids[${index}]`, 'must not be empty'));
        checked.push(id);
      }
      return ok(await segments.saveList(name, checked, deps.clock()));
    },

    lists: () => segments.listLists(),

    async removeList(name: string): Promise<Result<true, SegmentError>> {
      const users = (await segments.listSegments()).filter((segment) =>
        referencedLists(segment.rule).includes(name),
      );
      if (users.length > 0) {
        return err({
          type: 'conflict',
          reason: 'in_use',
          message: `list "${name}" is used by ${users.map((u) => `"${u.id}"`).join(', ')}`,
        });
      }
      return (await segments.deleteList(name))
        ? ok(true)
        : err({ type: 'not_found', message: `no list "${name}"` });
    },
  };
};
