import {
  CHANNELS,
  type ColumnSpec,
  consentField,
  type FieldValue,
  importColumns,
  JOURNEY_MESSAGE_STEP,
  type NormalizedRow,
  PURPOSES,
  type RunCandidate,
  type SegmentQuery,
  type WorkspaceSchema,
} from '@opencvm/core';
import { CONTACT_POINTS, candidatesOf } from '../campaigns/run-messages.ts';
import { compileSegment } from '../segments/compile-segment.ts';
import { fieldValue, readExpression } from '../sql/read-sql.ts';
import type { SqlExecutor } from '../sql/sql-executor.ts';
import { ident } from '../sql/sql-types.ts';

/** What a journey's sends and branches read of a batch of customers: one statement per read. */

const idList = (ids: readonly string[]): string => JSON.stringify([...new Set(ids)]);

const columnSpecs = (schema: WorkspaceSchema, columns: readonly string[]): readonly ColumnSpec[] => {
  const known = new Map(importColumns(schema, 'customers').map((spec) => [spec.name, spec]));
  return columns.map((name) => {
    const spec = known.get(name);
    if (spec === undefined) throw new Error(`unknown customer column "${name}"`);
    return spec;
  });
};

/** These customers as a run's targets (see `SqlRunStore.readTargets`), with their contacts from every run. */
export const candidates = async (
  sql: SqlExecutor,
  schema: WorkspaceSchema,
  options: {
    readonly customerIds: readonly string[];
    readonly channel: string;
    readonly purpose: string;
    readonly columns: readonly string[];
    readonly historySince: Date;
    readonly stopList: string;
  },
): Promise<readonly RunCandidate[]> => {
  if (options.customerIds.length === 0) return [];
  const { dialect } = sql;
  const specs = columnSpecs(schema, options.columns);
  const channel = CHANNELS.find((name) => name === options.channel);
  const purpose = PURPOSES.find((name) => name === options.purpose);
  const consent =
    channel === undefined || purpose === undefined ? 'NULL' : `c.${ident(consentField(channel, purpose))}`;
  const point = `c.${ident(CONTACT_POINTS[options.channel] ?? 'id')}`;
  const columns = specs.map((spec, index) =>
    readExpression(spec.name, spec.type, dialect, `__a${index}`).replace(
      ident(spec.name),
      `c.${ident(spec.name)}`,
    ),
  );
  const batch = dialect.jsonTextRows('$1');
  const rows = await sql.all(
    `SELECT c.id AS __id, ${consent} AS __consent, ${point} AS __point, c.timezone AS __tz, c.locale AS __locale,
       __stop.customer_id IS NOT NULL AS __stopped${columns.map((column) => `, ${column}`).join('')}
     FROM customers c
     LEFT JOIN (SELECT DISTINCT customer_id FROM list_members WHERE list_name = $2) __stop ON __stop.customer_id = c.id
     WHERE c.id IN ${batch} ORDER BY c.id`,
    [idList(options.customerIds), options.stopList],
  );
  const contacts = await sql.all(
    `SELECT o.customer_id, ${dialect.isoText('o.send_at')} AS send_at, o.channel, o.offer_id, o.campaign_id, o.priority,
       o.expected_value, o.run_id, o.step, o.status
     FROM outbox o
     WHERE o.customer_id IN ${batch} AND o.send_at >= CAST($2 AS TIMESTAMPTZ) AND o.status NOT IN ('cancelled', 'failed', 'bounced')`,
    [idList(options.customerIds), options.historySince.toISOString()],
  );
  return candidatesOf(rows, contacts, specs);
};

/** Which of these customers the query selects: the compiled segment, intersected with them. */
export const matching = async (
  sql: SqlExecutor,
  schema: WorkspaceSchema,
  query: SegmentQuery,
  customerIds: readonly string[],
): Promise<ReadonlySet<string>> => {
  if (customerIds.length === 0) return new Set();
  const compiled = compileSegment(query.rule, {
    dialect: sql.dialect,
    schema,
    clock: query.clock,
    segmentRule: query.segmentRule,
  });
  const ids = `$${compiled.params.length + 1}`;
  const rows = await sql.all(
    `${compiled.with} SELECT b.id AS id FROM base b WHERE (${compiled.predicate}) AND b.id IN ${sql.dialect.jsonTextRows(ids)}`,
    [...compiled.params, JSON.stringify([...new Set(customerIds)])],
  );
  return new Set(rows.map((row) => String(row.id)));
};

export const messageStatuses = async (
  sql: SqlExecutor,
  runIds: readonly string[],
): Promise<ReadonlyMap<string, string>> => {
  if (runIds.length === 0) return new Map();
  const rows = await sql.all(
    `SELECT run_id, status FROM outbox WHERE step = $2 AND run_id IN ${sql.dialect.jsonTextRows('$1')}`,
    [JSON.stringify([...new Set(runIds)]), JOURNEY_MESSAGE_STEP],
  );
  return new Map(rows.map((row) => [String(row.run_id), String(row.status)]));
};

/** Events as the customer page reads them (ISO `ts`, decimal `amount`), with `customer_id` and every attribute column. */
export const eventsSince = async (
  sql: SqlExecutor,
  schema: WorkspaceSchema,
  options: {
    readonly customerIds: readonly string[];
    readonly eventTypes: readonly string[];
    readonly since: Date;
  },
): Promise<readonly NormalizedRow[]> => {
  if (options.customerIds.length === 0 || options.eventTypes.length === 0) return [];
  const { dialect } = sql;
  const specs = importColumns(schema, 'events');
  const rows = await sql.all(
    `SELECT ${specs.map((spec) => readExpression(spec.name, spec.type, dialect)).join(', ')} FROM events
     WHERE customer_id IN ${dialect.jsonTextRows('$1')} AND ${dialect.inJsonTexts('type', '$2')} AND ts >= CAST($3 AS TIMESTAMPTZ)
     ORDER BY ts, customer_id, id`,
    [
      JSON.stringify([...new Set(options.customerIds)]),
      JSON.stringify([...new Set(options.eventTypes)]),
      options.since.toISOString(),
    ],
  );
  return rows.map((row) => {
    const event: Record<string, FieldValue> = {};
    for (const spec of specs) event[spec.name] = fieldValue(row[spec.name], spec.type);
    return event;
  });
};
