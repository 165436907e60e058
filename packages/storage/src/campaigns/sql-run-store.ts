import {
  type CampaignRun,
  CHANNELS,
  type ColumnSpec,
  consentField,
  type HistoryRow,
  importColumns,
  type MessageKey,
  type OutboxMessage,
  type OutboxRow,
  PURPOSES,
  type RunCandidate,
  RunFunnel,
  type RunStore,
  type SegmentQuery,
  type WorkspaceSchema,
} from '@opencvm/core';
import { compileSegment, hashSql } from '../segments/compile-segment.ts';
import { readExpression } from '../sql/read-sql.ts';
import type { SqlExecutor, SqlRow, SqlRunner } from '../sql/sql-executor.ts';
import { ident } from '../sql/sql-types.ts';
import { CONTACT_POINTS, candidatesOf, withdrawMessages } from './run-messages.ts';

const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);
const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
const count = (value: unknown): number => Number(value ?? 0);

const HISTORY_FIELDS = ['customer_id', 'outcome', 'offer_id', 'send_at'] as const;
const OUTBOX_FIELDS = [
  'customer_id',
  'step',
  'offer_id',
  'recipient',
  'content',
  'send_at',
  'priority',
  'expected_value',
] as const;

/**
 * Runs, their working audience (`run_members`), contact history and the outbox in SQL both
 * engines run. Bulk rows travel as one JSON parameter per batch and are unpacked by the engine
 * (DuckDB `from_json`, PostgreSQL `jsonb_to_recordset`), so a batch is one statement. DuckDB's big
 * tables have no keys: every insert is an anti-join against what the run already wrote, inside
 * the statement; PostgreSQL keeps real keys and also skips conflicts.
 */
export class SqlRunStore implements RunStore {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly schema: () => WorkspaceSchema,
  ) {}

  private get dialect() {
    return this.sql.dialect;
  }

  private get jsonType(): string {
    return this.dialect.types.json;
  }

  private rowsOf(param: string, fields: readonly string[], jsonColumns: readonly string[] = []): string {
    return this.dialect.jsonRows({ param, fields, jsonColumns });
  }

  /**
   * A batch of rows as a table `r`: loaded into a temporary table where the engine offers that
   * (DuckDB's appender, about twice as fast), else one JSON parameter (`param`).
   */
  private async batchSource(
    runner: SqlRunner,
    options: {
      readonly table: string;
      readonly param: string;
      readonly fields: readonly string[];
      readonly jsonColumns?: readonly string[];
      readonly rows: readonly Readonly<Record<string, unknown>>[];
    },
  ): Promise<{ readonly sql: string; readonly params: readonly unknown[] }> {
    if (runner.load !== undefined) {
      await runner.load({
        table: options.table,
        columns: options.fields,
        rows: options.rows.map((row) =>
          options.fields.map((field) => {
            const value = row[field];
            if (value === null || value === undefined) return null;
            return typeof value === 'string' ? value : JSON.stringify(value);
          }),
        ),
      });
      return { sql: `(SELECT * FROM ${options.table}) r`, params: [] };
    }
    return {
      sql: this.rowsOf(options.param, options.fields, options.jsonColumns ?? []),
      params: [JSON.stringify(options.rows)],
    };
  }

  private get skipConflicts(): string {
    return this.dialect.skipKeyConflicts;
  }

  private runColumns(): string {
    const { dialect } = this;
    return `id, campaign_id, campaign_version, ${dialect.isoText('started_at')} AS started_at, ${dialect.isoText('finished_at')} AS finished_at, status, dry_run, ${dialect.isoText('due_at')} AS due_at, funnel`;
  }

  private runFromRow(row: SqlRow): CampaignRun {
    const funnel = json(row.funnel);
    return {
      id: String(row.id),
      campaignId: String(row.campaign_id),
      campaignVersion: Number(row.campaign_version),
      startedAt: String(row.started_at),
      finishedAt: text(row.finished_at),
      status: row.status === 'completed' ? 'completed' : 'running',
      dryRun: row.dry_run === true || row.dry_run === 't',
      dueAt: text(row.due_at),
      funnel: funnel === null || funnel === undefined ? null : RunFunnel.parse(funnel),
    };
  }

  async startRun(run: {
    readonly id: string;
    readonly campaignId: string;
    readonly campaignVersion: number;
    readonly startedAt: Date;
    readonly dryRun: boolean;
    readonly dueAt: Date | null;
  }): Promise<{ readonly created: boolean; readonly run: CampaignRun }> {
    const due = run.dueAt === null ? null : run.dueAt.toISOString();
    const created = await this.sql.all(
      `INSERT INTO campaign_runs (id, campaign_id, campaign_version, started_at, status, dry_run, due_at)
       SELECT $1, $2, CAST($3 AS INTEGER), CAST($4 AS TIMESTAMPTZ), 'running', CAST($5 AS BOOLEAN), CAST($6 AS TIMESTAMPTZ)
       WHERE NOT EXISTS (SELECT 1 FROM campaign_runs WHERE id = $1 OR (campaign_id = $2 AND due_at = CAST($6 AS TIMESTAMPTZ)))${this.skipConflicts} RETURNING id`,
      [
        run.id,
        run.campaignId,
        String(run.campaignVersion),
        run.startedAt.toISOString(),
        String(run.dryRun),
        due,
      ],
    );
    const [row] = await this.sql.all(
      `SELECT ${this.runColumns()} FROM campaign_runs WHERE id = $1 OR (campaign_id = $2 AND due_at = CAST($3 AS TIMESTAMPTZ)) ORDER BY id = $1 DESC LIMIT 1`,
      [run.id, run.campaignId, due],
    );
    if (row === undefined) throw new Error(`run ${run.id} vanished after starting`);
    return { created: created.length > 0, run: this.runFromRow(row) };
  }

  async getRun(id: string): Promise<CampaignRun | null> {
    const [row] = await this.sql.all(`SELECT ${this.runColumns()} FROM campaign_runs WHERE id = $1`, [id]);
    return row === undefined ? null : this.runFromRow(row);
  }

  async listRuns(campaignId: string, limit: number): Promise<readonly CampaignRun[]> {
    const rows = await this.sql.all(
      `SELECT ${this.runColumns()} FROM campaign_runs WHERE campaign_id = $1 ORDER BY started_at DESC, id DESC LIMIT ${Math.max(0, Math.floor(limit))}`,
      [campaignId],
    );
    return rows.map((row) => this.runFromRow(row));
  }

  async snapshotAudience(options: {
    readonly runId: string;
    readonly query: SegmentQuery;
    readonly ucg: { readonly salt: string; readonly buckets: number };
    readonly holdout: { readonly salt: string; readonly buckets: number };
  }): Promise<{ readonly ucg: number; readonly control: number; readonly target: number }> {
    const { query } = options;
    const compiled = compileSegment(query.rule, {
      dialect: this.dialect,
      schema: this.schema(),
      clock: query.clock,
      segmentRule: query.segmentRule,
    });
    const n = compiled.params.length;
    const run = `$${n + 1}`;
    const bucket = (param: string) => `${hashSql(this.dialect, param, 'b.id')} % 10000`;
    const group = `CASE WHEN ${bucket(`$${n + 2}`)} < CAST($${n + 3} AS INTEGER) THEN 'ucg' WHEN ${bucket(`$${n + 4}`)} < CAST($${n + 5} AS INTEGER) THEN 'control' ELSE 'target' END`;
    return this.sql.transaction(async (runner) => {
      await runner.all('DELETE FROM run_members WHERE run_id = $1', [options.runId]);
      // Pages of targets are ranges of `seq`, numbered per group by holdout bucket, then id: the
      // order targets are decided in, so a volume cap keeps a spread, repeatable share.
      await runner.all(
        `INSERT INTO run_members (run_id, customer_id, grp, seq) ${compiled.with}, __grouped AS (SELECT b.id, ${group} AS grp, ${bucket(`$${n + 4}`)} AS hb FROM base b WHERE ${compiled.predicate}) SELECT ${run}, id, grp, row_number() OVER (PARTITION BY grp ORDER BY hb, id) FROM __grouped`,
        [
          ...compiled.params,
          options.runId,
          options.ucg.salt,
          String(options.ucg.buckets),
          options.holdout.salt,
          String(options.holdout.buckets),
        ],
      );
      const rows = await runner.all(
        'SELECT grp, count(*) AS n FROM run_members WHERE run_id = $1 GROUP BY grp',
        [options.runId],
      );
      const of = (name: string) => count(rows.find((row) => row.grp === name)?.n);
      return { ucg: of('ucg'), control: of('control'), target: of('target') };
    });
  }

  async eligibleTargets(options: {
    readonly runId: string;
    readonly query: SegmentQuery;
  }): Promise<ReadonlySet<string>> {
    const { query } = options;
    const compiled = compileSegment(query.rule, {
      dialect: this.dialect,
      schema: this.schema(),
      clock: query.clock,
      segmentRule: query.segmentRule,
    });
    const rows = await this.sql.all(
      `${compiled.with} SELECT b.id AS id FROM base b WHERE (${compiled.predicate}) AND b.id IN (SELECT customer_id FROM run_members WHERE run_id = $${compiled.params.length + 1} AND grp = 'target')`,
      [...compiled.params, options.runId],
    );
    return new Set(rows.map((row) => String(row.id)));
  }

  async recordGroups(options: {
    readonly runId: string;
    readonly campaignId: string;
    readonly channel: string;
    readonly at: Date;
  }): Promise<void> {
    await this.sql.all(
      `INSERT INTO contact_history (run_id, campaign_id, customer_id, outcome, offer_id, channel, send_at, recorded_at)
       SELECT $1, $2, m.customer_id, m.grp, NULL, $3, NULL, CAST($4 AS TIMESTAMPTZ) FROM run_members m
       WHERE m.run_id = $1 AND m.grp IN ('ucg', 'control')
         AND NOT EXISTS (SELECT 1 FROM contact_history h WHERE h.run_id = $1 AND h.customer_id = m.customer_id)${this.skipConflicts}`,
      [options.runId, options.campaignId, options.channel, options.at.toISOString()],
    );
  }

  private columnSpecs(columns: readonly string[]): readonly ColumnSpec[] {
    const known = new Map(importColumns(this.schema(), 'customers').map((spec) => [spec.name, spec]));
    return columns.map((name) => {
      const spec = known.get(name);
      if (spec === undefined) throw new Error(`unknown customer column "${name}"`);
      return spec;
    });
  }

  async readTargets(options: {
    readonly runId: string;
    readonly channel: string;
    readonly purpose: string;
    readonly columns: readonly string[];
    readonly historySince: Date;
    readonly stopList: string;
    readonly pageSize: number;
    readonly onPage: (candidates: readonly RunCandidate[]) => Promise<void>;
  }): Promise<void> {
    const { dialect } = this;
    const [total] = await this.sql.all(
      `SELECT max(seq) AS n FROM run_members WHERE run_id = $1 AND grp = 'target'`,
      [options.runId],
    );
    const last = count(total?.n);
    const specs = this.columnSpecs(options.columns);
    const channel = CHANNELS.find((name) => name === options.channel);
    const purpose = PURPOSES.find((name) => name === options.purpose);
    const consent =
      channel === undefined || purpose === undefined ? 'NULL' : ident(consentField(channel, purpose));
    const point = ident(CONTACT_POINTS[options.channel] ?? 'id');
    const columns = specs.map((spec, index) => readExpression(spec.name, spec.type, dialect, `__a${index}`));
    const page = `SELECT customer_id AS __id, seq AS __seq FROM run_members WHERE run_id = $1 AND grp = 'target' AND seq > CAST($2 AS BIGINT) AND seq <= CAST($3 AS BIGINT)`;
    const customersSql = `WITH __page AS (${page}) SELECT __page.__id, ${consent} AS __consent, ${point} AS __point, timezone AS __tz, locale AS __locale, __stop.customer_id IS NOT NULL AS __stopped${columns.map((column) => `, ${column}`).join('')}
      FROM __page JOIN customers ON customers.id = __page.__id
      LEFT JOIN (SELECT DISTINCT customer_id FROM list_members WHERE list_name = $4) __stop ON __stop.customer_id = __page.__id
      ORDER BY __page.__seq`;
    const historySql = `WITH __page AS (${page}) SELECT o.customer_id, ${dialect.isoText('o.send_at')} AS send_at, o.channel, o.offer_id, o.campaign_id, o.priority, o.expected_value, o.run_id, o.step, o.status
      FROM outbox o JOIN __page ON __page.__id = o.customer_id
      WHERE o.run_id <> $1 AND o.send_at >= CAST($4 AS TIMESTAMPTZ) AND o.status NOT IN ('cancelled', 'failed', 'bounced')`;
    const fetchPage = async (from: number) => {
      const bounds = [options.runId, String(from), String(from + options.pageSize)];
      const rows = await this.sql.all(customersSql, [...bounds, options.stopList]);
      const contacts = await this.sql.all(historySql, [...bounds, options.historySince.toISOString()]);
      return { rows, contacts };
    };
    // The next page is read while the caller decides (and writes) this one.
    let next = last > 0 ? fetchPage(0) : null;
    try {
      for (let from = 0; next !== null; from += options.pageSize) {
        const { rows, contacts } = await next;
        next = from + options.pageSize < last ? fetchPage(from + options.pageSize) : null;
        await options.onPage(candidatesOf(rows, contacts, specs));
      }
    } finally {
      // When a page fails, the read ahead settles before the error goes on: no query outlives the call.
      await next?.catch(() => undefined);
    }
  }

  /** Batches small enough for one JSON parameter each. */
  private static readonly BATCH = 50_000;

  private async insertHistory(
    runner: SqlRunner,
    options: {
      readonly runId: string;
      readonly campaignId: string;
      readonly channel: string;
      readonly at: Date;
    },
    rows: readonly HistoryRow[],
  ): Promise<void> {
    for (let start = 0; start < rows.length; start += SqlRunStore.BATCH) {
      const batch = rows.slice(start, start + SqlRunStore.BATCH).map((row) => ({
        customer_id: row.customerId,
        outcome: row.outcome,
        offer_id: row.offerId,
        send_at: row.sendAt,
      }));
      const source = await this.batchSource(runner, {
        table: '__stage_history',
        param: '$5',
        fields: HISTORY_FIELDS,
        rows: batch,
      });
      await runner.all(
        `INSERT INTO contact_history (run_id, campaign_id, customer_id, outcome, offer_id, channel, send_at, recorded_at)
         SELECT $1, $2, r.customer_id, r.outcome, r.offer_id, $3, CAST(r.send_at AS TIMESTAMPTZ), CAST($4 AS TIMESTAMPTZ)
         FROM ${source.sql}
         WHERE NOT EXISTS (SELECT 1 FROM contact_history h WHERE h.run_id = $1 AND h.customer_id = r.customer_id)${this.skipConflicts}`,
        [options.runId, options.campaignId, options.channel, options.at.toISOString(), ...source.params],
      );
    }
  }

  private async insertOutbox(
    runner: SqlRunner,
    options: {
      readonly runId: string;
      readonly campaignId: string;
      readonly channel: string;
      readonly purpose: string;
      readonly at: Date;
    },
    rows: readonly OutboxRow[],
  ): Promise<void> {
    for (let start = 0; start < rows.length; start += SqlRunStore.BATCH) {
      const batch = rows.slice(start, start + SqlRunStore.BATCH).map((row) => ({
        customer_id: row.customerId,
        step: row.step,
        offer_id: row.offerId,
        recipient: row.recipient,
        content: row.content,
        send_at: row.sendAt,
        priority: String(row.priority),
        expected_value: row.expectedValue,
      }));
      const source = await this.batchSource(runner, {
        table: '__stage_outbox',
        param: '$6',
        fields: OUTBOX_FIELDS,
        jsonColumns: ['content'],
        rows: batch,
      });
      await runner.all(
        `INSERT INTO outbox (run_id, customer_id, step, campaign_id, offer_id, channel, purpose, recipient, content, status, send_at, priority, expected_value, created_at)
         SELECT $1, r.customer_id, r.step, $2, r.offer_id, $3, $4, r.recipient, CAST(r.content AS ${this.jsonType}), 'pending', CAST(r.send_at AS TIMESTAMPTZ), CAST(r.priority AS INTEGER), r.expected_value, CAST($5 AS TIMESTAMPTZ)
         FROM ${source.sql}
         WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.run_id = $1 AND o.customer_id = r.customer_id AND o.step = r.step)${this.skipConflicts}`,
        [
          options.runId,
          options.campaignId,
          options.channel,
          options.purpose,
          options.at.toISOString(),
          ...source.params,
        ],
      );
    }
  }

  async writeOutcomes(options: {
    readonly runId: string;
    readonly campaignId: string;
    readonly channel: string;
    readonly purpose: string;
    readonly at: Date;
    readonly history: readonly HistoryRow[];
    readonly outbox: readonly OutboxRow[];
    readonly withdraw?: readonly MessageKey[] | undefined;
  }): Promise<void> {
    await this.sql.transaction(async (runner) => {
      await this.insertHistory(runner, options, options.history);
      await this.insertOutbox(runner, options, options.outbox);
      if (options.withdraw !== undefined && options.withdraw.length > 0) {
        await withdrawMessages(runner, options.withdraw, options.at);
      }
    });
  }

  async finishRun(options: {
    readonly runId: string;
    readonly funnel: RunFunnel;
    readonly finishedAt: Date;
  }): Promise<void> {
    await this.sql.transaction(async (runner) => {
      await runner.all(
        `UPDATE campaign_runs SET status = 'completed', finished_at = CAST($2 AS TIMESTAMPTZ), funnel = CAST($3 AS ${this.jsonType}) WHERE id = $1`,
        [options.runId, options.finishedAt.toISOString(), JSON.stringify(options.funnel)],
      );
      await runner.all('DELETE FROM run_members WHERE run_id = $1', [options.runId]);
    });
  }

  async deleteRuns(campaignId: string): Promise<number> {
    return this.sql.transaction(async (runner) => {
      const runs = 'SELECT id FROM campaign_runs WHERE campaign_id = $1';
      await runner.all(`DELETE FROM outbox WHERE run_id IN (${runs})`, [campaignId]);
      await runner.all(`DELETE FROM contact_history WHERE run_id IN (${runs})`, [campaignId]);
      await runner.all(`DELETE FROM run_members WHERE run_id IN (${runs})`, [campaignId]);
      const deleted = await runner.all('DELETE FROM campaign_runs WHERE campaign_id = $1 RETURNING id', [
        campaignId,
      ]);
      return deleted.length;
    });
  }

  async history(runId: string): Promise<readonly HistoryRow[]> {
    const rows = await this.sql.all(
      `SELECT customer_id, outcome, offer_id, ${this.dialect.isoText('send_at')} AS send_at, delivery_status FROM contact_history WHERE run_id = $1 ORDER BY customer_id`,
      [runId],
    );
    return rows.map((row) => ({
      customerId: String(row.customer_id),
      outcome: String(row.outcome),
      offerId: text(row.offer_id),
      sendAt: text(row.send_at),
      deliveryStatus: text(row.delivery_status),
    }));
  }

  async outbox(runId: string): Promise<readonly OutboxMessage[]> {
    const rows = await this.sql.all(
      `SELECT run_id, customer_id, step, campaign_id, offer_id, channel, purpose, recipient, content, status, ${this.dialect.isoText('send_at')} AS send_at, priority, expected_value FROM outbox WHERE run_id = $1 ORDER BY customer_id, step`,
      [runId],
    );
    return rows.map((row) => ({
      runId: String(row.run_id),
      customerId: String(row.customer_id),
      step: String(row.step),
      campaignId: String(row.campaign_id),
      offerId: text(row.offer_id),
      channel: String(row.channel),
      purpose: String(row.purpose),
      recipient: String(row.recipient),
      content: json(row.content),
      status: String(row.status),
      sendAt: String(row.send_at),
      priority: Number(row.priority),
      expectedValue: String(row.expected_value),
    }));
  }
}
