import {
  IMPORT_KINDS,
  IMPORT_RUN_FORMATS,
  IMPORT_STATUSES,
  type ImportKind,
  type ImportRun,
} from '@opencvm/core';
import type { Dialect } from '../sql/dialect.ts';

/** Read queries both engines share; `$1` is the only parameter style both accept. */

/** One scan per table: the event count and the newest event come from the same pass. */
export const summarySql = (dialect: Dialect): string =>
  `SELECT c.customers, e.events, r.relations, e.last_event_at, i.last_import_at FROM (SELECT count(*) AS customers FROM customers) c, (SELECT count(*) AS events, ${dialect.isoText('max(ts)')} AS last_event_at FROM events) e, (SELECT count(*) AS relations FROM relations) r, (SELECT ${dialect.isoText('max(finished_at)')} AS last_import_at FROM import_runs WHERE status = 'succeeded') i`;

export const IMPORT_RUN_COLUMNS = [
  'id',
  'kind',
  'source',
  'format',
  'status',
  'started_at',
  'finished_at',
  'seconds',
  'read',
  'inserted',
  'updated',
  'unchanged',
  'duplicates',
  'rejected',
  'error',
] as const;

export const importRunValues = (run: ImportRun): (string | number | null)[] => [
  run.id,
  run.kind,
  run.source,
  run.format,
  run.status,
  run.startedAt,
  run.finishedAt,
  run.seconds,
  run.read,
  run.inserted,
  run.updated,
  run.unchanged,
  run.duplicates,
  run.rejected,
  run.error,
];

/** One insert of several import runs (`count` rows of `IMPORT_RUN_COLUMNS`, numbered parameters in order). */
export const importRunsInsertSql = (count: number): string => {
  const width = IMPORT_RUN_COLUMNS.length;
  const rows = Array.from(
    { length: count },
    (_, row) => `(${IMPORT_RUN_COLUMNS.map((_, column) => `$${row * width + column + 1}`).join(', ')})`,
  );
  return `INSERT INTO import_runs (${IMPORT_RUN_COLUMNS.join(', ')}) VALUES ${rows.join(', ')}`;
};

export const importRunsSql = (dialect: Dialect, limit: number): string =>
  `SELECT id, kind, source, format, status, ${dialect.isoText('started_at')} AS started_at, ${dialect.isoText('finished_at')} AS finished_at, seconds, read, inserted, updated, unchanged, duplicates, rejected, error FROM import_runs ORDER BY started_at DESC, id DESC LIMIT ${Math.max(0, Math.floor(limit))}`;

const oneOf = <T extends string>(values: readonly T[], value: unknown): T => {
  const found = values.find((candidate) => candidate === value);
  if (found === undefined) throw new Error(`unexpected stored value ${String(value)}`);
  return found;
};

const isKind = (value: unknown): ImportKind => oneOf(IMPORT_KINDS, value);

export const importRunFromRow = (row: Record<string, unknown>): ImportRun => {
  const format = IMPORT_RUN_FORMATS.find((candidate) => candidate === row.format) ?? 'api';
  return {
    id: String(row.id),
    kind: isKind(row.kind),
    source: String(row.source),
    format,
    status: oneOf(IMPORT_STATUSES, row.status),
    startedAt: String(row.started_at),
    finishedAt: String(row.finished_at),
    seconds: Number(row.seconds),
    read: Number(row.read),
    inserted: Number(row.inserted),
    updated: Number(row.updated),
    unchanged: Number(row.unchanged),
    duplicates: Number(row.duplicates),
    rejected: Number(row.rejected),
    error: row.error == null ? null : String(row.error),
  };
};
