import {
  type ContactPressureCounts,
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
import type { SqlExecutor, SqlRow } from '../sql/sql-executor.ts';
import { ident } from '../sql/sql-types.ts';

const number = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const decimal = (value: unknown): string => (value === null || value === undefined ? '0' : String(value));

/** A decimal string as an integer of its digits and the number of them after the point. */
const scaled = (text: string): { readonly digits: bigint; readonly scale: number } => {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (match === null) throw new Error(`not a decimal: "${text}"`);
  const fraction = match[3] ?? '';
  const digits = BigInt(`${match[2] || '0'}${fraction}`);
  return { digits: match[1] === '-' ? -digits : digits, scale: fraction.length };
};

/**
 * Mean and sample variance of n values (zeros included) from their exact sum and sum of
 * squares: n·Σx² − (Σx)² is computed exactly, so no precision is lost to the subtraction.
 */
export const moments = (n: number, sum: string, sumSquares: string): { mean: number; variance: number } => {
  if (n === 0) return { mean: 0, variance: 0 };
  const total = scaled(sum);
  const squares = scaled(sumSquares);
  const scale = Math.max(squares.scale, 2 * total.scale);
  const numerator =
    BigInt(n) * squares.digits * 10n ** BigInt(scale - squares.scale) -
    total.digits * total.digits * 10n ** BigInt(scale - 2 * total.scale);
  const mean = Number(total.digits) / 10 ** total.scale / n;
  const variance = n < 2 ? 0 : Number(numerator) / 10 ** scale / (n * (n - 1));
  return { mean, variance };
};

/** Arms travel through SQL as small numbers: 0 target, 1 control, 2 UCG (grouping on them is cheap). */
const groupOf = (value: unknown): ResultGroup => RESULT_GROUPS[Number(value)] ?? 'target';

/** Sums over the members with events; `sizes` gives each arm's count. */
const SUMS = `count(*) AS active,
    sum(CASE WHEN t.orders > 0 THEN 1 ELSE 0 END) AS converters,
    sum(t.orders) AS orders,
    sum(t.orders * t.orders) AS orders_squares,
    sum(t.revenue) AS revenue,
    sum(t.revenue * t.revenue) AS revenue_squares`;

/** One arm's row of `armsSql` as its outcome. */
export const outcomeOf = (row: SqlRow): GroupOutcome => {
  const n = number(row.n);
  const revenue = moments(n, decimal(row.revenue), decimal(row.revenue_squares));
  const orders = moments(n, decimal(row.orders), decimal(row.orders_squares));
  return {
    group: groupOf(row.grp),
    n,
    converters: number(row.converters),
    active: number(row.active),
    orders: number(row.orders),
    revenue: decimal(row.revenue),
    revenueMean: revenue.mean,
    revenueVariance: revenue.variance,
    ordersMean: orders.mean,
    ordersVariance: orders.variance,
  };
};

/**
 * Each arm's size and its members' sums, per slice (`slice` an expression over what `join`
 * joins to `__who`, the member's customer id), from the CTEs `members` (customer_id, grp) and
 * `touched` (customer_id, grp, orders, revenue) of `withSql`.
 */
export const armsSql = (withSql: string, slice: { readonly sql: string; readonly join: string }): string => {
  const on = (alias: string) => slice.join.replaceAll('__who', `${alias}.customer_id`);
  return `${withSql},
      sizes AS (SELECT ${slice.sql} AS slice, m.grp, count(*) AS n FROM members m ${on('m')} GROUP BY 1, 2),
      sums AS (SELECT ${slice.sql} AS slice, t.grp, ${SUMS} FROM touched t ${on('t')} GROUP BY 1, 2)
      SELECT z.slice, z.grp, z.n, coalesce(u.active, 0) AS active, coalesce(u.converters, 0) AS converters,
        coalesce(u.orders, 0) AS orders, coalesce(u.orders_squares, 0) AS orders_squares,
        coalesce(u.revenue, 0) AS revenue, coalesce(u.revenue_squares, 0) AS revenue_squares
      FROM sizes z LEFT JOIN sums u ON u.grp = z.grp AND u.slice IS NOT DISTINCT FROM z.slice
      ORDER BY 1 NULLS LAST, 2`;
};

/**
 * Campaign results in SQL both engines run: every member of the runs' audiences (from contact
 * history: `ucg`, `control`, and every other outcome as `target` — intention to treat) with what
 * they did in the attribution window after their run started. Money stays DECIMAL: each arm's
 * sum and sum of squares are exact, and so are the means and variances made from them (`moments`).
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
    const end = this.dialect.plusDays(start, `CAST(${daysParam} AS INTEGER)`);
    return `LEAST(${end}, CAST(${asOfParam} AS TIMESTAMPTZ))`;
  }

  /**
   * The CTEs `members` (run, customer, arm, window) and `touched` (the members with any event in
   * their window: goal orders and revenue, first goal event). Parameters: $1 campaign, $2 event type, $3 attribution
   * days, $4 as of, $5 run ids as JSON (null: every completed run), $6 and $7 the span of all the
   * windows, then the goal's conditions.
   */
  private runList(param: string): string {
    return this.dialect.jsonTextRows(param);
  }

  /**
   * The span all the runs' windows cover, as constants: the events scan is then bounded by them
   * (and skips row groups outside the span), which a bound computed inside the query is not.
   */
  private async span(
    query: ResultsQuery,
  ): Promise<{ readonly runIds: readonly string[]; readonly from: string; readonly before: string }> {
    const rows = await this.sql.all(
      `SELECT r.id, ${this.dialect.isoText('r.started_at')} AS started_at
       FROM campaign_runs r WHERE r.campaign_id = $1
         AND ((CAST($2 AS TEXT) IS NULL AND r.status = 'completed' AND NOT r.dry_run) OR r.id IN ${this.runList('$2')})
       ORDER BY r.started_at`,
      [query.campaignId, query.runIds === null ? null : JSON.stringify(query.runIds)],
    );
    const asOf = query.asOf.toISOString();
    const lo = rows[0] === undefined ? asOf : String(rows[0].started_at);
    const last = rows.at(-1);
    const hi = last === undefined ? asOf : String(last.started_at);
    const end = new Date(Date.parse(hi) + query.goal.attributionDays * 86_400_000);
    return {
      runIds: rows.map((row) => String(row.id)),
      from: lo,
      before: new Date(Math.min(end.getTime(), query.asOf.getTime())).toISOString(),
    };
  }

  /** Whether `column` is one of the run ids of a JSON array parameter: a function, not a subquery. */
  private inRuns(column: string, param: string): string {
    return this.dialect.inJsonTexts(column, param);
  }

  private async memberOutcomes(
    query: ResultsQuery,
  ): Promise<{ readonly with: string; readonly params: unknown[] }> {
    const span = await this.span(query);
    const where = compileEventConditions({
      dialect: this.dialect,
      schema: this.schema(),
      clock: { now: query.asOf, timezone: this.schema().workspace.timezone },
      segmentRule: () => undefined,
      eventType: query.goal.eventType,
      where: query.goal.where,
      alias: 'e',
      paramsBefore: 7,
      path: 'goal.where',
    });
    const goal = `e.type = $2 AND ${where.sql}`;
    const withSql = `WITH members AS (
        SELECT h.run_id, h.customer_id,
          CASE WHEN h.outcome = 'ucg' THEN 2 WHEN h.outcome = 'control' THEN 1 ELSE 0 END AS grp,
          r.started_at AS t0, ${this.windowEnd('r.started_at', '$3', '$4')} AS t1
        FROM contact_history h JOIN campaign_runs r ON r.id = h.run_id
        WHERE ${this.inRuns('h.run_id', '$5')} AND r.campaign_id = $1
      ),
      -- One pass over the events of the period: goal measures and activity together. Members
      -- without events are only counted (sizes), never joined again.
      touched AS (
        SELECT m.run_id, m.customer_id, m.grp, m.t0,
          count(*) FILTER (WHERE ${goal}) AS orders,
          CAST(coalesce(sum(e.amount) FILTER (WHERE ${goal}), 0) AS ${this.money}) AS revenue,
          min(e.ts) FILTER (WHERE ${goal}) AS first_at
        FROM members m JOIN events e ON e.customer_id = m.customer_id
        WHERE e.ts >= m.t0 AND e.ts < m.t1
          AND e.ts >= CAST($6 AS TIMESTAMPTZ) AND e.ts < CAST($7 AS TIMESTAMPTZ)
        GROUP BY m.run_id, m.customer_id, m.grp, m.t0
      )`;
    return {
      with: withSql,
      params: [
        query.campaignId,
        query.goal.eventType,
        String(query.goal.attributionDays),
        query.asOf.toISOString(),
        JSON.stringify(span.runIds),
        span.from,
        span.before,
        ...where.params,
      ],
    };
  }

  /** Per-member revenue: exact, and small enough that its square stays an exact decimal. */
  private get money(): string {
    return this.dialect.types.money;
  }

  async groupOutcomes(query: ResultsQuery, breakdown?: ResultsBreakdown): Promise<readonly ResultsSlice[]> {
    const base = await this.memberOutcomes(query);
    let slice = { sql: 'NULL', join: '' };
    let withSql = base.with;
    const params = [...base.params];
    if (breakdown?.type === 'attribute') {
      const known = importColumns(this.schema(), 'customers').some(
        (spec) => spec.name === breakdown.attribute,
      );
      if (!known) throw new Error(`unknown customer attribute "${breakdown.attribute}"`);
      slice = {
        sql: `CAST(c.${ident(breakdown.attribute)} AS ${this.dialect.types.text})`,
        join: 'JOIN customers c ON c.id = __who',
      };
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
      slice = {
        sql: `CASE WHEN s.id IS NULL THEN 'out' ELSE 'in' END`,
        join: 'LEFT JOIN __segment s ON s.id = __who',
      };
    }
    const rows = await this.sql.all(armsSql(withSql, slice), params);
    const slices = new Map<string | null, GroupOutcome[]>();
    for (const row of rows) {
      const value = row.slice === null || row.slice === undefined ? null : String(row.slice);
      const list = slices.get(value) ?? [];
      list.push(outcomeOf(row));
      slices.set(value, list);
    }
    if (breakdown === undefined && slices.size === 0) slices.set(null, []);
    return [...slices].map(([value, groups]) => ({ value, groups }));
  }

  async dailySeries(query: ResultsQuery): Promise<readonly DailyResult[]> {
    const base = await this.memberOutcomes(query);
    const day = `CAST(floor(${this.dialect.epochSeconds('t.first_at - t.t0')} / 86400) AS INTEGER)`;
    const rows = await this.sql.all(
      `${base.with},
       sizes AS (SELECT grp, count(*) AS n FROM members GROUP BY grp),
       firsts AS (SELECT t.grp, ${day} AS day, count(*) AS converters, sum(t.revenue) AS revenue
                  FROM touched t WHERE t.first_at IS NOT NULL GROUP BY 1, 2)
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
    const withSql = `WITH qualified AS (
         SELECT h.customer_id, max(CASE WHEN h.outcome = 'ucg' THEN 1 ELSE 0 END) AS in_ucg, min(r.started_at) AS t0
         FROM contact_history h JOIN campaign_runs r ON r.id = h.run_id
         WHERE NOT r.dry_run AND r.started_at >= CAST($1 AS TIMESTAMPTZ) AND r.started_at < CAST($2 AS TIMESTAMPTZ)
         GROUP BY h.customer_id
       ),
       members AS (SELECT customer_id, 2 * in_ucg AS grp FROM qualified),
       touched AS (
         SELECT q.customer_id, 2 * q.in_ucg AS grp,
           count(e.amount) AS orders, CAST(coalesce(sum(e.amount), 0) AS ${this.money}) AS revenue
         FROM qualified q JOIN events e ON e.customer_id = q.customer_id
         WHERE e.ts >= q.t0 AND e.ts < CAST($2 AS TIMESTAMPTZ) AND e.ts >= CAST($1 AS TIMESTAMPTZ)
         GROUP BY q.customer_id, q.in_ucg
       )`;
    const rows = await this.sql.all(armsSql(withSql, { sql: 'NULL', join: '' }), [
      query.from.toISOString(),
      query.to.toISOString(),
    ]);
    return rows.map((row) => outcomeOf(row));
  }

  async contactPressure(query: ProgrammeQuery): Promise<ContactPressureCounts> {
    // Weeks of the workspace's calendar (Monday first, as ISO weeks), like the caps' weeks.
    const local = `o.sent_at AT TIME ZONE CAST($3 AS ${this.dialect.types.text})`;
    const week = this.dialect.dayText(`date_trunc('week', ${local})`);
    const rows = await this.sql.all(
      `SELECT ${week} AS week_start, o.channel, count(*) AS messages, count(DISTINCT o.customer_id) AS customers
       FROM outbox o
       WHERE o.sent_at IS NOT NULL
         AND o.sent_at >= CAST($1 AS TIMESTAMPTZ) AND o.sent_at < CAST($2 AS TIMESTAMPTZ)
       GROUP BY 1, 2 ORDER BY 1, 2`,
      [query.from.toISOString(), query.to.toISOString(), this.schema().workspace.timezone],
    );
    const [base] = await this.sql.all('SELECT count(*) AS n FROM customers', []);
    return {
      base: number(base?.n),
      weeks: rows.map((row) => ({
        weekStart: String(row.week_start),
        channel: String(row.channel),
        messages: number(row.messages),
        customers: number(row.customers),
      })),
    };
  }

  async queuedByOffer(
    query: ResultsQuery,
  ): Promise<readonly { readonly offerId: string | null; readonly queued: number }[]> {
    const runList = this.runList('$2');
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
