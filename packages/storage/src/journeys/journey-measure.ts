import {
  type CustomerJourney,
  ENTRY_GROUPS,
  type EntryGroup,
  type GroupOutcome,
  Journey,
  type JourneyFunnel,
  type JourneyResultsQuery,
  type NodeCount,
  type WorkspaceSchema,
} from '@opencvm/core';
import { armsSql, outcomeOf } from '../results/sql-results-store.ts';
import { compileEventConditions } from '../segments/compile-segment.ts';
import type { SqlExecutor } from '../sql/sql-executor.ts';
import { entryColumns, entryFromRow, json, text } from './journey-rows.ts';

/** A journey's funnel, its arms' outcomes and a customer's journeys, in SQL both engines run. */

const count = (value: unknown): number => Number(value ?? 0);

export const journeyFunnel = async (sql: SqlExecutor, journeyId: string): Promise<JourneyFunnel> => {
  const groups = await sql.all(
    `SELECT grp, status, exit_reason, count(*) AS n FROM journey_entries WHERE journey_id = $1 GROUP BY grp, status, exit_reason`,
    [journeyId],
  );
  const entered: Record<EntryGroup, number> = { treated: 0, holdout: 0, ucg: 0 };
  const left: Record<string, number> = {};
  let active = 0;
  for (const row of groups) {
    const group = ENTRY_GROUPS.find((name) => name === row.grp);
    if (group !== undefined) entered[group] += count(row.n);
    if (row.status === 'active') active += count(row.n);
    else {
      const reason = text(row.exit_reason) ?? 'unknown';
      left[reason] = (left[reason] ?? 0) + count(row.n);
    }
  }
  const reached = await sql.all(
    'SELECT node, count(DISTINCT entry_id) AS n FROM journey_steps WHERE journey_id = $1 GROUP BY node',
    [journeyId],
  );
  const outcomes = await sql.all(
    'SELECT node, outcome, count(*) AS n FROM journey_steps WHERE journey_id = $1 GROUP BY node, outcome',
    [journeyId],
  );
  const here = await sql.all(
    `SELECT node, count(*) AS n FROM journey_entries WHERE journey_id = $1 AND status = 'active' AND node IS NOT NULL GROUP BY node`,
    [journeyId],
  );
  const nodes = new Map<string, { reached: number; here: number; outcomes: Record<string, number> }>();
  const nodeOf = (id: unknown) => {
    const key = String(id);
    let node = nodes.get(key);
    if (node === undefined) {
      node = { reached: 0, here: 0, outcomes: {} };
      nodes.set(key, node);
    }
    return node;
  };
  for (const row of reached) nodeOf(row.node).reached = count(row.n);
  for (const row of here) nodeOf(row.node).here = count(row.n);
  for (const row of outcomes) nodeOf(row.node).outcomes[String(row.outcome)] = count(row.n);
  // In the order the journey draws its nodes; nodes since removed from it after, by id.
  const [definition] = await sql.all('SELECT definition FROM journeys WHERE id = $1', [journeyId]);
  const order =
    definition === undefined ? [] : Journey.parse(json(definition.definition)).nodes.map((node) => node.id);
  const rank = (id: string) => {
    const index = order.indexOf(id);
    return index < 0 ? order.length : index;
  };
  const list: NodeCount[] = [...nodes]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([node, counts]) => ({ node, ...counts }));
  return { entered, active, left, nodes: list };
};

/**
 * The arms as a campaign's results count them (`armsSql`): every entry is a member — `target`
 * treated, `control` holdout, `ucg` — with the events of its customer from entry to the end of
 * the attribution window (not after `asOf`); its goal events are its orders and revenue. With
 * `byNode`, treated entries are sliced by the outcome recorded at that node (entries that never
 * reached it are in no slice), and the holdout is the slice `holdout`.
 */
export const journeyOutcomes = async (
  sql: SqlExecutor,
  schema: WorkspaceSchema,
  query: JourneyResultsQuery,
): Promise<readonly { readonly value: string | null; readonly groups: readonly GroupOutcome[] }[]> => {
  const { dialect } = sql;
  const asOf = query.asOf.toISOString();
  const [span] = await sql.all(
    `SELECT ${dialect.isoText('min(entered_at)')} AS lo, ${dialect.isoText('max(entered_at)')} AS hi FROM journey_entries WHERE journey_id = $1`,
    [query.journeyId],
  );
  const lo = text(span?.lo) ?? asOf;
  const hi = text(span?.hi) ?? asOf;
  const end = Math.min(Date.parse(hi) + query.goal.attributionDays * 86_400_000, query.asOf.getTime());
  const byNode = query.byNode !== undefined;
  const where = compileEventConditions({
    dialect,
    schema,
    clock: { now: query.asOf, timezone: schema.workspace.timezone },
    segmentRule: () => undefined,
    eventType: query.goal.eventType,
    where: query.goal.where,
    alias: 'e',
    paramsBefore: byNode ? 7 : 6,
    path: 'goal.where',
  });
  const goal = `e.type = $2 AND ${where.sql}`;
  const windowEnd = `LEAST(${dialect.plusDays('e.entered_at', 'CAST($3 AS INTEGER)')}, CAST($4 AS TIMESTAMPTZ))`;
  const slice = byNode
    ? `CASE WHEN e.grp = 'holdout' THEN 'holdout' ELSE p.outcome END`
    : `CAST(NULL AS ${dialect.types.text})`;
  const paths = byNode
    ? `LEFT JOIN (SELECT entry_id, min(outcome) AS outcome FROM journey_steps WHERE journey_id = $1 AND node = $7 GROUP BY entry_id) p ON p.entry_id = e.id`
    : '';
  const sliced = byNode ? `AND (e.grp = 'holdout' OR (e.grp = 'treated' AND p.outcome IS NOT NULL))` : '';
  const withSql = `WITH members AS (
      SELECT e.id AS entry_id, e.customer_id,
        CASE WHEN e.grp = 'ucg' THEN 2 WHEN e.grp = 'holdout' THEN 1 ELSE 0 END AS grp,
        e.entered_at AS t0, ${windowEnd} AS t1, ${slice} AS slice_value
      FROM journey_entries e ${paths}
      WHERE e.journey_id = $1 ${sliced}
    ),
    touched AS (
      SELECT m.entry_id, m.customer_id, m.grp, m.slice_value,
        count(*) FILTER (WHERE ${goal}) AS orders,
        CAST(coalesce(sum(e.amount) FILTER (WHERE ${goal}), 0) AS ${dialect.types.money}) AS revenue
      FROM members m JOIN events e ON e.customer_id = m.customer_id
      WHERE e.ts >= m.t0 AND e.ts <= m.t1 AND e.ts >= CAST($5 AS TIMESTAMPTZ) AND e.ts <= CAST($6 AS TIMESTAMPTZ)
      GROUP BY m.entry_id, m.customer_id, m.grp, m.slice_value
    )`;
  const params = [
    query.journeyId,
    query.goal.eventType,
    String(query.goal.attributionDays),
    asOf,
    lo,
    new Date(end).toISOString(),
    ...(byNode ? [query.byNode] : []),
    ...where.params,
  ];
  const rows = await sql.all(armsSql(withSql, { sql: 'slice_value', join: '' }), params);
  const slices = new Map<string | null, GroupOutcome[]>();
  for (const row of rows) {
    const value = text(row.slice);
    const list = slices.get(value) ?? [];
    list.push(outcomeOf(row));
    slices.set(value, list);
  }
  if (!byNode && slices.size === 0) slices.set(null, []);
  return [...slices].map(([value, groups]) => ({ value, groups }));
};

export const customerJourneys = async (
  sql: SqlExecutor,
  customerId: string,
  limit: number,
): Promise<readonly CustomerJourney[]> => {
  const { dialect } = sql;
  const rows = await sql.all(
    `SELECT ${entryColumns(dialect, 'e.')}, ${dialect.jsonFieldText('j.definition', 'name')} AS journey_name
     FROM journey_entries e LEFT JOIN journeys j ON j.id = e.journey_id
     WHERE e.customer_id = $1 ORDER BY e.entered_at DESC, e.id DESC LIMIT ${Math.max(0, Math.floor(limit))}`,
    [customerId],
  );
  return rows.map((row) => ({
    journeyId: String(row.journey_id),
    journeyName: text(row.journey_name),
    entry: entryFromRow(row),
  }));
};
