import {
  type DailyResult,
  type GroupOutcome,
  importColumns,
  type ProgrammeQuery,
  RESULT_GROUPS,
  type ResultGroup,
  type ResultsBreakdown,
  type ResultsQuery,
  type ResultsSlice,
  type ResultsStore,
  type WorkspaceSchema,
} from '@opencvm/core';
import { compileEventConditions, compileSegment } from '../segments/compile-segment.ts';
import type { SqlExecutor, SqlRow } from '../segments/sql-executor.ts';
import { ident } from '../sql-types.ts';

const number = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const decimal = (value: unknown): string => (value === null || value === undefined ? '0' : String(value));

const groupOf = (value: unknown): ResultGroup => RESULT_GROUPS.find((group) => group === value) ?? 'target';

/**
 * Campaign results in SQL both engines run: every member of the runs' audiences (from contact
 * history: `ucg`, `control`, and every other outcome as `target` — intention to treat) with what
 * they did in the attribution window after their run started. Sums of money stay DECIMAL; means
 * and variances per member (zeros included) come from the engine's `avg` and `var_samp`.
 */
export class SqlResultsStore implements ResultsStore {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly schema: () => WorkspaceSchema,
  ) {}

  private get dialect() {
    return this.sql.dialect;
  }

  /** Window end: the run's start plus the attribution days, but not after `asOf`. */
  private windowEnd(start: string, daysParam: string, asOfParam: string): string {
    const end =
      this.dialect === 'duckdb'
        ? `${start} + to_days(CAST(${daysParam} AS INTEGER))`
        : `${start} + make_interval(days => CAST(${daysParam} AS INTEGER))`;
    return `LEAST(${end}, CAST(${asOfParam} AS TIMESTAMPTZ))`;
  }

  /**
   * The CTEs `members` (run, customer, arm, window) and `outcomes` (per member: goal orders and
   * revenue, activity, first goal event). Parameters: $1 campaign, $2 event type, $3 attribution
   * days, $4 as of, $5 run ids as JSON (null: every completed run), then the goal's conditions.
   */
  private memberOutcomes(query: ResultsQuery): { readonly with: string; readonly params: unknown[] } {
    const where = compileEventConditions({
      dialect: this.dialect,
      schema: this.schema(),
      clock: { now: query.asOf, timezone: this.schema().workspace.timezone },
      segmentRule: () => undefined,
      eventType: query.goal.eventType,
      where: query.goal.where,
      alias: 'e',
      paramsBefore: 5,
      path: 'goal.where',
    });
    const runList =
      this.dialect === 'duckdb'
        ? `(SELECT unnest(CAST(CAST($5 AS JSON) AS VARCHAR[])))`
        : `(SELECT jsonb_array_elements_text(CAST($5 AS jsonb)))`;
    const runFilter = `(CAST($5 AS TEXT) IS NULL AND r.status = 'completed' AND NOT r.dry_run) OR r.id IN ${runList}`;
    const goal = `e.type = $2 AND ${where.sql}`;
    const withSql = `WITH members AS (
        SELECT h.run_id, h.customer_id,
          CASE WHEN h.outcome = 'ucg' THEN 'ucg' WHEN h.outcome = 'control' THEN 'control' ELSE 'target' END AS grp,
          r.started_at AS t0, ${this.windowEnd('r.started_at', '$3', '$4')} AS t1
        FROM contact_history h JOIN campaign_runs r ON r.id = h.run_id
        WHERE r.campaign_id = $1 AND (${runFilter})
      ),
      -- One pass over the events of the period: goal measures and activity together.
      touched AS (
        SELECT m.run_id, m.customer_id,
          count(*) FILTER (WHERE ${goal}) AS orders,
          sum(e.amount) FILTER (WHERE ${goal}) AS revenue,
          min(e.ts) FILTER (WHERE ${goal}) AS first_at
        FROM members m JOIN events e ON e.customer_id = m.customer_id
        WHERE e.ts >= m.t0 AND e.ts < m.t1
          AND e.ts >= (SELECT min(t0) FROM members) AND e.ts < (SELECT max(t1) FROM members)
        GROUP BY m.run_id, m.customer_id
      ),
      outcomes AS (
        SELECT m.run_id, m.customer_id, m.grp, m.t0,
          coalesce(g.orders, 0) AS orders, coalesce(g.revenue, 0) AS revenue, g.first_at,
          CASE WHEN g.customer_id IS NULL THEN 0 ELSE 1 END AS active
        FROM members m LEFT JOIN touched g ON g.run_id = m.run_id AND g.customer_id = m.customer_id
      )`;
    return {
      with: withSql,
      params: [
        query.campaignId,
        query.goal.eventType,
        String(query.goal.attributionDays),
        query.asOf.toISOString(),
        query.runIds === null ? null : JSON.stringify(query.runIds),
        ...where.params,
      ],
    };
  }

  private static readonly AGGREGATES = `count(*) AS n,
    sum(CASE WHEN o.orders > 0 THEN 1 ELSE 0 END) AS converters,
    sum(o.active) AS active,
    sum(o.orders) AS orders,
    sum(o.revenue) AS revenue,
    avg(CAST(o.revenue AS DOUBLE PRECISION)) AS revenue_mean,
    var_samp(CAST(o.revenue AS DOUBLE PRECISION)) AS revenue_variance,
    avg(CAST(o.orders AS DOUBLE PRECISION)) AS orders_mean,
    var_samp(CAST(o.orders AS DOUBLE PRECISION)) AS orders_variance`;

  private static outcomeOf(row: SqlRow): GroupOutcome {
    return {
      group: groupOf(row.grp),
      n: number(row.n),
      converters: number(row.converters),
      active: number(row.active),
      orders: number(row.orders),
      revenue: decimal(row.revenue),
      revenueMean: number(row.revenue_mean),
      revenueVariance: number(row.revenue_variance),
      ordersMean: number(row.orders_mean),
      ordersVariance: number(row.orders_variance),
    };
  }

  async groupOutcomes(query: ResultsQuery, breakdown?: ResultsBreakdown): Promise<readonly ResultsSlice[]> {
    const base = this.memberOutcomes(query);
    let sliceSql = 'NULL';
    let join = '';
    let withSql = base.with;
    const params = [...base.params];
    if (breakdown?.type === 'attribute') {
      const known = importColumns(this.schema(), 'customers').some(
        (spec) => spec.name === breakdown.attribute,
      );
      if (!known) throw new Error(`unknown customer attribute "${breakdown.attribute}"`);
      join = 'JOIN customers c ON c.id = o.customer_id';
      sliceSql = `CAST(c.${ident(breakdown.attribute)} AS ${this.dialect === 'duckdb' ? 'VARCHAR' : 'text'})`;
    } else if (breakdown?.type === 'segment') {
      const compiled = compileSegment(breakdown.query.rule, {
        dialect: this.dialect,
        schema: this.schema(),
        clock: breakdown.query.clock,
        segmentRule: breakdown.query.segmentRule,
      });
      // The segment's own parameters come first in its CTEs; ours are renumbered after them.
      const offset = compiled.params.length;
      const shift = (sql: string) => sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
      const segmentWith = compiled.with.replace(/^WITH /, '');
      withSql = `WITH ${segmentWith}, __segment AS (SELECT b.id FROM base b WHERE ${compiled.predicate}), ${shift(base.with).replace(/^WITH /, '')}`;
      params.unshift(...compiled.params);
      join = 'LEFT JOIN __segment s ON s.id = o.customer_id';
      sliceSql = `CASE WHEN s.id IS NULL THEN 'out' ELSE 'in' END`;
    }
    const rows = await this.sql.all(
      `${withSql} SELECT ${sliceSql} AS slice, o.grp, ${SqlResultsStore.AGGREGATES}
       FROM outcomes o ${join} GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2`,
      params,
    );
    const slices = new Map<string | null, GroupOutcome[]>();
    for (const row of rows) {
      const value = row.slice === null || row.slice === undefined ? null : String(row.slice);
      const list = slices.get(value) ?? [];
      list.push(SqlResultsStore.outcomeOf(row));
      slices.set(value, list);
    }
    if (breakdown === undefined && slices.size === 0) slices.set(null, []);
    return [...slices].map(([value, groups]) => ({ value, groups }));
  }

  async dailySeries(query: ResultsQuery): Promise<readonly DailyResult[]> {
    const base = this.memberOutcomes(query);
    const day =
      this.dialect === 'duckdb'
        ? `CAST(floor(epoch(o.first_at - o.t0) / 86400) AS INTEGER)`
        : `CAST(floor(extract(epoch FROM o.first_at - o.t0) / 86400) AS INTEGER)`;
    const rows = await this.sql.all(
      `${base.with},
       sizes AS (SELECT grp, count(*) AS n FROM outcomes GROUP BY grp),
       firsts AS (SELECT o.grp, ${day} AS day, count(*) AS converters, sum(o.revenue) AS revenue
                  FROM outcomes o WHERE o.first_at IS NOT NULL GROUP BY 1, 2)
       SELECT f.grp, f.day, s.n,
         sum(f.converters) OVER (PARTITION BY f.grp ORDER BY f.day) AS converters,
         sum(f.revenue) OVER (PARTITION BY f.grp ORDER BY f.day) AS revenue
       FROM firsts f JOIN sizes s ON s.grp = f.grp ORDER BY f.day, f.grp`,
      base.params,
    );
    return rows.map((row) => ({
      day: number(row.day),
      group: groupOf(row.grp),
      n: number(row.n),
      converters: number(row.converters),
      revenue: decimal(row.revenue),
    }));
  }

  async programmeOutcomes(query: ProgrammeQuery): Promise<readonly GroupOutcome[]> {
    const rows = await this.sql.all(
      `WITH qualified AS (
         SELECT h.customer_id, max(CASE WHEN h.outcome = 'ucg' THEN 1 ELSE 0 END) AS in_ucg, min(r.started_at) AS t0
         FROM contact_history h JOIN campaign_runs r ON r.id = h.run_id
         WHERE NOT r.dry_run AND r.started_at >= CAST($1 AS TIMESTAMPTZ) AND r.started_at < CAST($2 AS TIMESTAMPTZ)
         GROUP BY h.customer_id
       ),
       spend AS (
         SELECT q.customer_id, count(e.amount) AS orders, sum(e.amount) AS revenue
         FROM qualified q JOIN events e ON e.customer_id = q.customer_id
         WHERE e.ts >= q.t0 AND e.ts < CAST($2 AS TIMESTAMPTZ)
         GROUP BY q.customer_id
       ),
       o AS (
         SELECT CASE WHEN q.in_ucg = 1 THEN 'ucg' ELSE 'target' END AS grp,
           coalesce(s.orders, 0) AS orders, coalesce(s.revenue, 0) AS revenue,
           CASE WHEN s.customer_id IS NULL THEN 0 ELSE 1 END AS active
         FROM qualified q LEFT JOIN spend s ON s.customer_id = q.customer_id
       )
       SELECT o.grp, ${SqlResultsStore.AGGREGATES} FROM o GROUP BY o.grp ORDER BY o.grp`,
      [query.from.toISOString(), query.to.toISOString()],
    );
    return rows.map((row) => SqlResultsStore.outcomeOf(row));
  }

  async queuedByOffer(
    query: ResultsQuery,
  ): Promise<readonly { readonly offerId: string | null; readonly queued: number }[]> {
    const runList =
      this.dialect === 'duckdb'
        ? `(SELECT unnest(CAST(CAST($2 AS JSON) AS VARCHAR[])))`
        : `(SELECT jsonb_array_elements_text(CAST($2 AS jsonb)))`;
    const rows = await this.sql.all(
      `SELECT h.offer_id, count(*) AS n FROM contact_history h JOIN campaign_runs r ON r.id = h.run_id
       WHERE r.campaign_id = $1 AND h.outcome = 'queued'
         AND ((CAST($2 AS TEXT) IS NULL AND r.status = 'completed' AND NOT r.dry_run) OR r.id IN ${runList})
       GROUP BY h.offer_id ORDER BY n DESC, h.offer_id`,
      [query.campaignId, query.runIds === null ? null : JSON.stringify(query.runIds)],
    );
    return rows.map((row) => ({
      offerId: row.offer_id === null || row.offer_id === undefined ? null : String(row.offer_id),
      queued: number(row.n),
    }));
  }
}
