import {
  ENTRY_GROUPS,
  type EntryGroup,
  type EntryMemory,
  EXIT_REASONS,
  type ExitReason,
  type JourneyEntryRecord,
} from '@opencvm/core';
import type { Dialect } from '../sql/dialect.ts';
import type { SqlRow } from '../sql/sql-executor.ts';

/** How journey rows are read back: the columns of an entry and their parsing. */

export const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);
export const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const texts = (value: unknown, what: string): Record<string, string> => {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new Error(`journey entry memory: ${what} is not an object`);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
};

export const memoryOf = (value: unknown): EntryMemory => {
  const parsed = json(value);
  if (!isRecord(parsed)) throw new Error('journey entry memory is not an object');
  return { sent: texts(parsed.sent, 'sent'), paths: texts(parsed.paths, 'paths') };
};

const groupOf = (value: unknown): EntryGroup => {
  const group = ENTRY_GROUPS.find((name) => name === value);
  if (group === undefined) throw new Error(`journey entry group "${String(value)}" is unknown`);
  return group;
};

const reasonOf = (value: unknown): ExitReason | null => {
  if (value === null || value === undefined) return null;
  const reason = EXIT_REASONS.find((name) => name === value);
  if (reason === undefined) throw new Error(`journey exit reason "${String(value)}" is unknown`);
  return reason;
};

/** The columns of an entry as `entryFromRow` reads them; `table` qualifies them (`e.`). */
export const entryColumns = (dialect: Dialect, table = ''): string => {
  const iso = (column: string) => `${dialect.isoText(`${table}${column}`)} AS ${column}`;
  const plain = (column: string) => `${table}${column} AS ${column}`;
  return [
    plain('id'),
    plain('journey_id'),
    plain('version'),
    plain('customer_id'),
    plain('entry_key'),
    plain('grp'),
    iso('entered_at'),
    plain('status'),
    plain('node'),
    iso('since'),
    iso('wake_at'),
    plain('awaiting'),
    plain('memory'),
    plain('exit_reason'),
    plain('exit_node'),
    plain('exit_detail'),
    iso('left_at'),
    plain('rev'),
  ].join(', ');
};

export const entryFromRow = (row: SqlRow): JourneyEntryRecord => {
  const node = text(row.node);
  const since = text(row.since);
  const active = row.status === 'active';
  return {
    id: String(row.id),
    journeyId: String(row.journey_id),
    version: Number(row.version),
    customerId: String(row.customer_id),
    key: String(row.entry_key),
    group: groupOf(row.grp),
    enteredAt: String(row.entered_at),
    status: active ? 'active' : 'left',
    position:
      active && node !== null && since !== null
        ? { node, since, wakeAt: text(row.wake_at), awaiting: text(row.awaiting) }
        : null,
    memory: memoryOf(row.memory),
    exitReason: reasonOf(row.exit_reason),
    exitNode: text(row.exit_node),
    exitDetail: text(row.exit_detail),
    leftAt: text(row.left_at),
    rev: Number(row.rev),
  };
};

/**
 * The entry id of a journey message's run id (`journey:<entry>:<node>`; a node id holds no
 * colon), as SQL: messages are found by their entries without a pattern per entry.
 */
export const entryOfRunId = (column: string): string => `substr(regexp_replace(${column}, ':[^:]*$', ''), 9)`;
