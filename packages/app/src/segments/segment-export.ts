import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import {
  CUSTOMER_FIELDS,
  err,
  type NormalizedRow,
  ok,
  type Result,
  type WorkspaceSchema,
} from '@opencvm/core';
import type { SegmentError } from './segment-error.ts';
import type { SegmentDeps, SegmentRules, SegmentTarget } from './segment-rules.ts';

/** The export file could not be opened: the user's to fix, unlike a failure while writing. */
class CannotWrite extends Error {}

const csvCell = (value: NormalizedRow[string] | undefined): string => {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** One CSV line (RFC 4180 quoting, `\n` ended) of a row's values in the order of `columns`. */
export const csvLine = (columns: readonly string[], row: NormalizedRow): string =>
  `${columns.map((column) => csvCell(row[column])).join(',')}\n`;

/** The CSV header line for `columns`. */
export const csvHeader = (columns: readonly string[]): string => `${columns.join(',')}\n`;

/** Column names a user may export; for help texts. */
export const exportableColumns = (schema: WorkspaceSchema): readonly string[] => [
  ...new Set([...CUSTOMER_FIELDS, ...Object.keys(schema.customer.attributes)]),
];

/** Exports of a segment's members: streamed rows, or a CSV file. */
export const segmentExports = (deps: SegmentDeps, rules: SegmentRules) => {
  /**
   * Streams a target's members with the chosen columns (default `id`), in id order: `onStart` hears
   * the columns once the target and columns are checked, then `onRows` gets each batch.
   */
  const exportRows = async (
    target: SegmentTarget,
    options: {
      readonly columns?: readonly string[] | undefined;
      readonly onStart?: (columns: readonly string[]) => Promise<void>;
      readonly onRows: (rows: readonly NormalizedRow[], columns: readonly string[]) => Promise<void>;
    },
  ): Promise<Result<number, SegmentError>> => {
    const resolved = await rules.resolve(target);
    if (!resolved.ok) return resolved;
    const columns = options.columns ?? ['id'];
    const columnError = rules.checkColumns(columns);
    if (columnError) return err(columnError);
    await options.onStart?.(columns);
    return ok(
      await deps.store.segments.exportMembers(rules.queryOf(resolved.value.rule, resolved.value.saved), {
        columns,
        onRows: (rows) => options.onRows(rows, columns),
      }),
    );
  };

  return {
    exportRows,

    /** Writes members to a CSV file with the chosen columns; written to a temporary name, then renamed. */
    async exportCsv(
      target: SegmentTarget,
      options: { readonly path: string; readonly columns?: readonly string[] },
    ): Promise<Result<{ readonly rows: number; readonly path: string }, SegmentError>> {
      const partial = `${options.path}.partial`;
      // Set from a callback, which the compiler's narrowing does not follow.
      const output: { file: FileHandle | null } = { file: null };
      try {
        const exported = await exportRows(target, {
          columns: options.columns,
          onStart: async (columns) => {
            try {
              output.file = await open(partial, 'w');
            } catch (error) {
              throw new CannotWrite(error instanceof Error ? error.message : String(error));
            }
            await output.file.write(csvHeader(columns));
          },
          onRows: async (batch, columns) => {
            await output.file?.write(batch.map((row) => csvLine(columns, row)).join(''));
          },
        });
        if (!exported.ok) return exported;
        await output.file?.close();
        output.file = null;
        await rename(partial, options.path);
        return ok({ rows: exported.value, path: options.path });
      } catch (error) {
        await output.file?.close().catch(() => {});
        await rm(partial, { force: true });
        if (error instanceof CannotWrite)
          return err({ type: 'invalid_file', message: `${options.path}: ${error.message}` });
        throw error;
      }
    },
  };
};
