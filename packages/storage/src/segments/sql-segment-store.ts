import { randomUUID } from 'node:crypto';
import {
  type ColumnSpec,
  type CustomerList,
  err,
  type FeatureRefresh,
  importColumns,
  type NormalizedRow,
  ok,
  type Result,
  type RfmConfig,
  type RuleClock,
  type SavedSegment,
  type SegmentDefinition,
  type SegmentExplain,
  type SegmentQuery,
  SegmentRule,
  type SegmentSnapshot,
  type SegmentStore,
  type SegmentVersion,
  SNAPSHOT_MEMBERS_KEPT,
  type SnapshotChanges,
  type StaleWrite,
  type WorkspaceSchema,
} from '@opencvm/core';
import { fieldValue, readExpression } from '../sql/read-sql.ts';
import type { SqlExecutor, SqlRow, SqlRunner } from '../sql/sql-executor.ts';
import { ident } from '../sql/sql-types.ts';
import { compileSegment } from './compile-segment.ts';

const LIST_BATCH = 10_000;

const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

const count = (value: unknown): number => Number(value ?? 0);

const STAMPS: readonly ColumnSpec[] = [
  { name: 'created_at', type: 'timestamp', required: false },
  { name: 'updated_at', type: 'timestamp', required: false },
];

/** Segments, lists, features and rule evaluation, in SQL both engines run. */
export class SqlSegmentStore implements SegmentStore {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly schema: () => WorkspaceSchema,
    private readonly clock: () => Date,
  ) {}

  private get json(): string {
    return this.dialect.types.json;
  }

  private get dialect() {
    return this.sql.dialect;
  }

  private segmentFromRow(row: SqlRow): SavedSegment {
    return {
      id: String(row.id),
      name: String(row.name),
      description: text(row.description),
      rule: SegmentRule.parse(json(row.definition)),
      version: count(row.version),
      createdAt: String(row.created_at),
      updatedAt: String(row.updated_at),
    };
  }

  private segmentColumns(): string {
    return `id, name, description, version, definition, ${this.dialect.isoText('created_at')} AS created_at, ${this.dialect.isoText('updated_at')} AS updated_at`;
  }

  async saveSegment(
    definition: SegmentDefinition,
    at: Date,
    options: { readonly expectedVersion?: number | null | undefined } = {},
  ): Promise<Result<SavedSegment, StaleWrite>> {
    const stamp = at.toISOString();
    const rule = JSON.stringify(definition.rule);
    const { expectedVersion } = options;
    const written = await this.sql.transaction(async (runner): Promise<Result<true, StaleWrite>> => {
      const [current] = await runner.all('SELECT version FROM segments WHERE id = $1', [definition.id]);
      const stored = current === undefined ? null : count(current.version);
      if (expectedVersion !== undefined && expectedVersion !== stored)
        return err({ type: 'conflict', expected: expectedVersion, actual: stored });
      const version = (stored ?? 0) + 1;
      if (stored === null) {
        await runner.all(
          `INSERT INTO segments (id, name, description, version, definition, created_at, updated_at) VALUES ($1, $2, $3, CAST($4 AS INTEGER), CAST($5 AS ${this.json}), CAST($6 AS TIMESTAMPTZ), CAST($6 AS TIMESTAMPTZ))`,
          [definition.id, definition.name, definition.description ?? null, String(version), rule, stamp],
        );
      } else {
        // Only over the version read above: a save that committed in between (PostgreSQL reads
        // committed rows) leaves nothing to update, and this one is stale instead of overwriting.
        const updated = await runner.all(
          `UPDATE segments SET name = $2, description = $3, version = CAST($4 AS INTEGER), definition = CAST($5 AS ${this.json}), updated_at = CAST($6 AS TIMESTAMPTZ) WHERE id = $1 AND version = CAST($7 AS INTEGER) RETURNING id`,
          [
            definition.id,
            definition.name,
            definition.description ?? null,
            String(version),
            rule,
            stamp,
            String(stored),
          ],
        );
        if (updated.length === 0) {
          const [now] = await runner.all('SELECT version FROM segments WHERE id = $1', [definition.id]);
          return err({
            type: 'conflict',
            expected: expectedVersion ?? stored,
            actual: now === undefined ? null : count(now.version),
          });
        }
      }
      await runner.all(
        `INSERT INTO segment_versions (segment_id, version, name, description, definition, created_at) VALUES ($1, CAST($2 AS INTEGER), $3, $4, CAST($5 AS ${this.json}), CAST($6 AS TIMESTAMPTZ))`,
        [definition.id, String(version), definition.name, definition.description ?? null, rule, stamp],
      );
      return ok(true);
    });
    if (!written.ok) return written;
    const saved = await this.getSegment(definition.id);
    if (saved === null) throw new Error(`segment ${definition.id} vanished after saving`);
    return ok(saved);
  }

  async getSegment(id: string): Promise<SavedSegment | null> {
    const [row] = await this.sql.all(`SELECT ${this.segmentColumns()} FROM segments WHERE id = $1`, [id]);
    return row === undefined ? null : this.segmentFromRow(row);
  }

  async listSegments(): Promise<readonly SavedSegment[]> {
    const rows = await this.sql.all(`SELECT ${this.segmentColumns()} FROM segments ORDER BY id`);
    return rows.map((row) => this.segmentFromRow(row));
  }

  async segmentVersions(id: string): Promise<readonly SegmentVersion[]> {
    const rows = await this.sql.all(
      `SELECT version, name, description, definition, ${this.dialect.isoText('created_at')} AS created_at FROM segment_versions WHERE segment_id = $1 ORDER BY version DESC`,
      [id],
    );
    return rows.map((row) => ({
      version: count(row.version),
      name: String(row.name),
      description: text(row.description),
      rule: SegmentRule.parse(json(row.definition)),
      createdAt: String(row.created_at),
    }));
  }

  async deleteSegment(id: string): Promise<boolean> {
    return this.sql.transaction(async (runner) => {
      const [found] = await runner.all('SELECT 1 AS found FROM segments WHERE id = $1', [id]);
      if (found === undefined) return false;
      await runner.all(
        'DELETE FROM segment_snapshot_members WHERE snapshot_id IN (SELECT id FROM segment_snapshots WHERE segment_id = $1)',
        [id],
      );
      await runner.all('DELETE FROM segment_snapshots WHERE segment_id = $1', [id]);
      await runner.all('DELETE FROM segment_versions WHERE segment_id = $1', [id]);
      await runner.all('DELETE FROM segments WHERE id = $1', [id]);
      return true;
    });
  }

  private compile(query: SegmentQuery, explain = false) {
    return compileSegment(query.rule, {
      dialect: this.dialect,
      schema: this.schema(),
      clock: query.clock,
      segmentRule: query.segmentRule,
      explain,
    });
  }

  async count(query: SegmentQuery): Promise<number> {
    const compiled = this.compile(query);
    const [row] = await this.sql.all(
      `${compiled.with} SELECT count(*) AS n FROM base b WHERE ${compiled.predicate}`,
      compiled.params,
    );
    return count(row?.n);
  }

  async members(query: SegmentQuery, options: { readonly limit?: number } = {}): Promise<readonly string[]> {
    const compiled = this.compile(query);
    const limit = options.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(options.limit))}`;
    const rows = await this.sql.all(
      `${compiled.with} SELECT b.id FROM base b WHERE ${compiled.predicate} ORDER BY b.id${limit}`,
      compiled.params,
    );
    return rows.map((row) => String(row.id));
  }

  private columnSpecs(columns: readonly string[]): readonly ColumnSpec[] {
    const known = new Map(
      [...importColumns(this.schema(), 'customers'), ...STAMPS].map((spec) => [spec.name, spec]),
    );
    return columns.map((name) => {
      const spec = known.get(name);
      // Callers check column names against the schema first; reaching here is a bug.
      if (spec === undefined) throw new Error(`unknown customer column "${name}"`);
      return spec;
    });
  }

  /** Members joined back to the customers for the columns asked for, in id order. */
  private memberRowsSql(query: SegmentQuery, specs: readonly ColumnSpec[], limit: number | null) {
    const compiled = this.compile(query);
    const columns = specs.map((spec) => readExpression(spec.name, spec.type, this.dialect)).join(', ');
    const sql = `${compiled.with}, __members AS (SELECT b.id AS __member FROM base b WHERE ${compiled.predicate}) SELECT ${columns} FROM __members JOIN customers ON customers.id = __members.__member ORDER BY customers.id${limit === null ? '' : ` LIMIT ${Math.max(0, Math.floor(limit))}`}`;
    return { sql, params: compiled.params };
  }

  async preview(
    query: SegmentQuery,
    options: { readonly limit: number; readonly columns: readonly string[] },
  ): Promise<readonly NormalizedRow[]> {
    const specs = this.columnSpecs(options.columns);
    const { sql, params } = this.memberRowsSql(query, specs, options.limit);
    const rows = await this.sql.all(sql, params);
    return rows.map((row) =>
      Object.fromEntries(specs.map((spec) => [spec.name, fieldValue(row[spec.name], spec.type)])),
    );
  }

  async exportMembers(
    query: SegmentQuery,
    options: {
      readonly columns: readonly string[];
      readonly onRows: (rows: readonly NormalizedRow[]) => Promise<void>;
    },
  ): Promise<number> {
    const specs = this.columnSpecs(options.columns);
    const { sql, params } = this.memberRowsSql(query, specs, null);
    let total = 0;
    await this.sql.stream(sql, params, async (rows) => {
      total += rows.length;
      await options.onRows(
        rows.map((row) =>
          Object.fromEntries(specs.map((spec) => [spec.name, fieldValue(row[spec.name], spec.type)])),
        ),
      );
    });
    return total;
  }

  async explain(query: SegmentQuery): Promise<SegmentExplain> {
    const compiled = this.compile(query, true);
    const counts = compiled.nodes.flatMap((node, index) => [
      `count(*) FILTER (WHERE ${node.flag}) AS ${ident(`n${index}`)}`,
      ...(node.cumulative === undefined
        ? []
        : [`count(*) FILTER (WHERE ${node.cumulative}) AS ${ident(`c${index}`)}`]),
    ]);
    // Each leaf condition is evaluated once per customer; the counts combine its flag.
    const flags = compiled.leaves.map((leaf, index) => `${leaf} AS ${ident(`f${index}`)}`);
    const [row] = await this.sql.all(
      `${compiled.with}, __flags AS (SELECT ${['b.id', ...flags].join(', ')} FROM base b) SELECT count(*) AS customers, ${counts.join(', ')} FROM __flags`,
      compiled.params,
    );
    const nodes = compiled.nodes.map((node, index) => ({
      path: node.path,
      type: node.type,
      matched: count(row?.[`n${index}`]),
      cumulative: node.cumulative === undefined ? null : count(row?.[`c${index}`]),
    }));
    return { customers: count(row?.customers), matched: nodes[0]?.matched ?? 0, nodes };
  }

  private snapshotFromRow(row: SqlRow): SegmentSnapshot {
    return {
      id: String(row.id),
      segmentId: String(row.segment_id),
      version: count(row.version),
      takenAt: String(row.taken_at),
      size: count(row.size),
      entered: row.entered === null || row.entered === undefined ? null : count(row.entered),
      left: row.left === null || row.left === undefined ? null : count(row.left),
    };
  }

  private snapshotColumns(): string {
    return `id, segment_id, version, ${this.dialect.isoText('taken_at')} AS taken_at, size, entered, "left", previous_id`;
  }

  async snapshot(options: {
    readonly segmentId: string;
    readonly version: number;
    readonly query: SegmentQuery;
    readonly takenAt: Date;
  }): Promise<SegmentSnapshot> {
    const compiled = this.compile(options.query);
    const id = randomUUID();
    const idParam = `$${compiled.params.length + 1}`;
    await this.sql.transaction(async (runner) => {
      const [previous] = await runner.all(
        'SELECT id FROM segment_snapshots WHERE segment_id = $1 ORDER BY seq DESC, id DESC LIMIT 1',
        [options.segmentId],
      );
      await runner.all(
        `INSERT INTO segment_snapshot_members (snapshot_id, customer_id) ${compiled.with} SELECT ${idParam}, b.id FROM base b WHERE ${compiled.predicate}`,
        [...compiled.params, id],
      );
      const [size] = await runner.all(
        'SELECT count(*) AS n FROM segment_snapshot_members WHERE snapshot_id = $1',
        [id],
      );
      let entered: string | null = null;
      let left: string | null = null;
      if (previous !== undefined) {
        const [moves] = await runner.all(
          `SELECT
            (SELECT count(*) FROM segment_snapshot_members n WHERE n.snapshot_id = $1 AND NOT EXISTS (SELECT 1 FROM segment_snapshot_members p WHERE p.snapshot_id = $2 AND p.customer_id = n.customer_id)) AS entered,
            (SELECT count(*) FROM segment_snapshot_members p WHERE p.snapshot_id = $2 AND NOT EXISTS (SELECT 1 FROM segment_snapshot_members n WHERE n.snapshot_id = $1 AND n.customer_id = p.customer_id)) AS "left"`,
          [id, String(previous.id)],
        );
        entered = String(count(moves?.entered));
        left = String(count(moves?.left));
      }
      await runner.all(
        'INSERT INTO segment_snapshots (id, segment_id, version, taken_at, size, entered, "left", previous_id, seq) VALUES ($1, $2, CAST($3 AS INTEGER), CAST($4 AS TIMESTAMPTZ), CAST($5 AS BIGINT), CAST($6 AS BIGINT), CAST($7 AS BIGINT), $8, (SELECT COALESCE(max(seq), 0) + 1 FROM segment_snapshots))',
        [
          id,
          options.segmentId,
          String(options.version),
          options.takenAt.toISOString(),
          String(count(size?.n)),
          entered,
          left,
          previous === undefined ? null : String(previous.id),
        ],
      );
      // Member lists are large: the latest ones answer "who entered/left"; older ones keep counts.
      await runner.all(
        `DELETE FROM segment_snapshot_members WHERE snapshot_id IN (SELECT id FROM segment_snapshots WHERE segment_id = $1 ORDER BY seq DESC, id DESC OFFSET ${SNAPSHOT_MEMBERS_KEPT})`,
        [options.segmentId],
      );
    });
    const [row] = await this.sql.all(
      `SELECT ${this.snapshotColumns()} FROM segment_snapshots WHERE id = $1`,
      [id],
    );
    if (row === undefined) throw new Error(`snapshot ${id} vanished after saving`);
    return this.snapshotFromRow(row);
  }

  async listSnapshots(segmentId: string, limit: number): Promise<readonly SegmentSnapshot[]> {
    const rows = await this.sql.all(
      `SELECT ${this.snapshotColumns()} FROM segment_snapshots WHERE segment_id = $1 ORDER BY seq DESC, id DESC LIMIT ${Math.max(0, Math.floor(limit))}`,
      [segmentId],
    );
    return rows.map((row) => this.snapshotFromRow(row));
  }

  async snapshotChanges(snapshotId: string, options: { readonly limit: number }): Promise<SnapshotChanges> {
    const [snapshot] = await this.sql.all('SELECT previous_id FROM segment_snapshots WHERE id = $1', [
      snapshotId,
    ]);
    if (snapshot === undefined) return { type: 'unknown_snapshot' };
    const previous = text(snapshot.previous_id);
    // Member lists of all but the latest snapshots are dropped; a list still there is whole.
    const kept = async (id: string): Promise<boolean> => {
      const [row] = await this.sql.all(
        'SELECT s.size, (SELECT count(*) FROM segment_snapshot_members m WHERE m.snapshot_id = s.id) AS kept FROM segment_snapshots s WHERE s.id = $1',
        [id],
      );
      return count(row?.size) === count(row?.kept);
    };
    if (!(await kept(snapshotId)) || (previous !== null && !(await kept(previous)))) {
      return { type: 'members_pruned' };
    }
    const limit = Math.max(0, Math.floor(options.limit));
    const difference = async (from: string, against: string | null): Promise<string[]> => {
      const rows = await this.sql.all(
        `SELECT a.customer_id FROM segment_snapshot_members a WHERE a.snapshot_id = $1 AND NOT EXISTS (SELECT 1 FROM segment_snapshot_members b WHERE b.snapshot_id = $2 AND b.customer_id = a.customer_id) ORDER BY a.customer_id LIMIT ${limit}`,
        [from, against ?? ''],
      );
      return rows.map((row) => String(row.customer_id));
    };
    return {
      type: 'changes',
      entered: await difference(snapshotId, previous),
      left: previous === null ? [] : await difference(previous, snapshotId),
    };
  }

  async saveList(
    name: string,
    ids: AsyncIterable<string> | Iterable<string>,
    at: Date,
  ): Promise<CustomerList> {
    const unique = new Set<string>();
    for await (const id of ids) unique.add(id);
    const all = [...unique];
    await this.sql.transaction(async (runner) => {
      await runner.all('DELETE FROM list_members WHERE list_name = $1', [name]);
      for (let start = 0; start < all.length; start += LIST_BATCH) {
        const batch = all.slice(start, start + LIST_BATCH);
        const values = batch.map((_, index) => `($1, $${index + 2})`).join(', ');
        await runner.all(`INSERT INTO list_members (list_name, customer_id) VALUES ${values}`, [
          name,
          ...batch,
        ]);
      }
      const [matched] = await runner.all(
        'SELECT count(*) AS n FROM list_members l WHERE l.list_name = $1 AND EXISTS (SELECT 1 FROM customers c WHERE c.id = l.customer_id)',
        [name],
      );
      await runner.all('DELETE FROM lists WHERE name = $1', [name]);
      await runner.all(
        'INSERT INTO lists (name, size, matched, updated_at) VALUES ($1, CAST($2 AS BIGINT), CAST($3 AS BIGINT), CAST($4 AS TIMESTAMPTZ))',
        [name, String(all.length), String(count(matched?.n)), at.toISOString()],
      );
    });
    const saved = await this.getList(name);
    if (saved === null) throw new Error(`list ${name} vanished after saving`);
    return saved;
  }

  private listFromRow(row: SqlRow): CustomerList {
    return {
      name: String(row.name),
      size: count(row.size),
      matched: count(row.matched),
      updatedAt: String(row.updated_at),
    };
  }

  async getList(name: string): Promise<CustomerList | null> {
    const [row] = await this.sql.all(
      `SELECT name, size, matched, ${this.dialect.isoText('updated_at')} AS updated_at FROM lists WHERE name = $1`,
      [name],
    );
    return row === undefined ? null : this.listFromRow(row);
  }

  async listLists(): Promise<readonly CustomerList[]> {
    const rows = await this.sql.all(
      `SELECT name, size, matched, ${this.dialect.isoText('updated_at')} AS updated_at FROM lists ORDER BY name`,
    );
    return rows.map((row) => this.listFromRow(row));
  }

  async deleteList(name: string): Promise<boolean> {
    return this.sql.transaction(async (runner) => {
      const [found] = await runner.all('SELECT 1 AS found FROM lists WHERE name = $1', [name]);
      if (found === undefined) return false;
      await runner.all('DELETE FROM list_members WHERE list_name = $1', [name]);
      await runner.all('DELETE FROM lists WHERE name = $1', [name]);
      return true;
    });
  }

  /** RFM as core's features.ts defines it: ranks shared by equal values, quintiles by rank. */
  async refreshFeatures(config: RfmConfig, clock: RuleClock): Promise<FeatureRefresh> {
    const now = 'CAST($1 AS TIMESTAMPTZ)';
    const days = this.dialect.wholeDaysBetween(now, 'last_ts');
    const divide = this.dialect.integerDivide;
    const quintile = (order: string): string =>
      `1 + (5 * (rank() OVER (ORDER BY ${order}) - 1)) ${divide} count(*) OVER ()`;
    const types = config.eventTypes.map((_, index) => `$${index + 3}`).join(', ');
    const from = new Date(clock.now.getTime() - config.windowDays * 86_400_000).toISOString();
    const refreshedAt = this.clock().toISOString();
    await this.sql.transaction(async (runner: SqlRunner) => {
      await runner.all('DELETE FROM customer_features');
      await runner.all(
        `INSERT INTO customer_features (customer_id, rfm_recency_days, rfm_frequency, rfm_monetary, rfm_r, rfm_f, rfm_m, rfm_score)
        WITH agg AS (
          SELECT e.customer_id, max(e.ts) AS last_ts, count(*) AS frequency, COALESCE(sum(e.amount), 0) AS monetary
          FROM events e
          WHERE e.ts <= ${now} AND e.ts >= CAST($2 AS TIMESTAMPTZ) AND e.type IN (${types})
          GROUP BY e.customer_id
        ),
        -- Events of unknown customers are left out after grouping: one lookup per customer
        -- instead of one per event (tens of millions), which more than halves the refresh.
        measured AS (
          SELECT customer_id, ${days} AS recency_days, frequency, monetary FROM agg
          WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = agg.customer_id)
        ),
        scored AS (
          SELECT customer_id, recency_days, frequency, monetary,
            ${quintile('recency_days DESC')} AS r,
            ${quintile('frequency')} AS f,
            ${quintile('monetary')} AS m
          FROM measured
        )
        SELECT customer_id, recency_days, frequency, monetary, r, f, m, r * 100 + f * 10 + m FROM scored`,
        [clock.now.toISOString(), from, ...config.eventTypes],
      );
      const [scored] = await runner.all('SELECT count(*) AS n FROM customer_features');
      await runner.all('DELETE FROM feature_refreshes');
      await runner.all(
        `INSERT INTO feature_refreshes (refreshed_at, as_of, customers, window_days, event_types) VALUES (CAST($1 AS TIMESTAMPTZ), CAST($2 AS TIMESTAMPTZ), CAST($3 AS BIGINT), CAST($4 AS INTEGER), CAST($5 AS ${this.json}))`,
        [
          refreshedAt,
          clock.now.toISOString(),
          String(count(scored?.n)),
          String(config.windowDays),
          JSON.stringify(config.eventTypes),
        ],
      );
    });
    const refresh = await this.lastFeatureRefresh();
    if (refresh === null) throw new Error('feature refresh vanished after saving');
    return refresh;
  }

  async lastFeatureRefresh(): Promise<FeatureRefresh | null> {
    const [row] = await this.sql.all(
      `SELECT ${this.dialect.isoText('refreshed_at')} AS refreshed_at, ${this.dialect.isoText('as_of')} AS as_of, customers, window_days, event_types FROM feature_refreshes`,
    );
    if (row === undefined) return null;
    const eventTypes = json(row.event_types);
    return {
      customers: count(row.customers),
      asOf: String(row.as_of),
      refreshedAt: String(row.refreshed_at),
      windowDays: count(row.window_days),
      eventTypes: Array.isArray(eventTypes) ? eventTypes.map(String) : [],
    };
  }
}
