import type { GroupOutcome } from '@opencvm/core';
import {
  type CustomerJourney,
  Journey,
  type JourneyChanges,
  type JourneyEntryRecord,
  type JourneyFunnel,
  type JourneyResultsQuery,
  type JourneyStore,
  type NormalizedRow,
  type PendingTrigger,
  type RunCandidate,
  type SegmentQuery,
  type StoredJourney,
  type WorkspaceSchema,
} from '@opencvm/core';
import type { SqlExecutor, SqlRow } from '../sql/sql-executor.ts';
import { SerialQueue } from '../store/serial-queue.ts';
import { applyChanges } from './journey-apply.ts';
import { customerJourneys, journeyFunnel, journeyOutcomes } from './journey-measure.ts';
import { candidates, eventsSince, matching, messageStatuses } from './journey-reads.ts';
import { entryColumns, entryFromRow, entryOfRunId, json } from './journey-rows.ts';
import { JourneyTriggers } from './journey-triggers.ts';

/**
 * Journeys in SQL both engines run: definitions and their versions, entries with their position
 * and timers, their steps, pending triggers and recorded segment membership; messages go to the
 * shared outbox and contact history as a campaign run's do, so delivery treats them alike.
 * Claims are one statement each (PostgreSQL skips rows another claimant locks); DuckDB's writes
 * of this store go one at a time in the process, as it fails rather than waits on a conflict.
 */
export class SqlJourneyStore implements JourneyStore {
  private readonly writes = new SerialQueue();
  private readonly triggers: JourneyTriggers;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly schema: () => WorkspaceSchema,
  ) {
    this.triggers = new JourneyTriggers(sql, schema, (work) => this.write(work));
  }

  private get dialect() {
    return this.sql.dialect;
  }

  private async write<T>(work: () => Promise<T>): Promise<T> {
    if (!this.dialect.serialWrites) return work();
    const release = await this.writes.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  private stamps(): string {
    const { dialect } = this;
    return `${dialect.isoText('created_at')} AS created_at, ${dialect.isoText('updated_at')} AS updated_at`;
  }

  private static journeyFromRow(row: SqlRow): StoredJourney {
    return {
      journey: Journey.parse(json(row.definition)),
      version: Number(row.version),
      createdAt: String(row.created_at),
      updatedAt: String(row.updated_at),
    };
  }

  // Definitions -------------------------------------------------------------------------------

  async saveJourney(
    journey: Journey,
    options: { readonly at: Date; readonly expectedVersion?: number | null | undefined },
  ): Promise<
    | { readonly type: 'saved'; readonly stored: StoredJourney }
    | { readonly type: 'conflict'; readonly current: StoredJourney | null }
  > {
    const { expectedVersion } = options;
    const jsonType = this.dialect.types.json;
    const params = [journey.id, journey.status, JSON.stringify(journey), options.at.toISOString()];
    const insert = `INSERT INTO journeys (id, status, version, definition, created_at, updated_at)
      VALUES ($1, $2, 1, CAST($3 AS ${jsonType}), CAST($4 AS TIMESTAMPTZ), CAST($4 AS TIMESTAMPTZ))
      ON CONFLICT (id) DO NOTHING RETURNING version`;
    const update = `UPDATE journeys SET status = $2, version = version + 1, definition = CAST($3 AS ${jsonType}),
      updated_at = CAST($4 AS TIMESTAMPTZ) WHERE id = $1 AND (CAST($5 AS INTEGER) IS NULL OR version = CAST($5 AS INTEGER)) RETURNING version`;
    const saved = await this.write(() =>
      this.sql.transaction(async (runner) => {
        let written: SqlRow[];
        if (expectedVersion === null) written = await runner.all(insert, params);
        else if (expectedVersion !== undefined) {
          written = await runner.all(update, [...params, String(expectedVersion)]);
        } else {
          written = await runner.all(update, [...params, null]);
          if (written.length === 0) written = await runner.all(insert, params);
        }
        const [row] = written;
        if (row === undefined) return false;
        await runner.all(
          `INSERT INTO journey_versions (journey_id, version, definition) VALUES ($1, CAST($2 AS INTEGER), CAST($3 AS ${jsonType}))`,
          [journey.id, String(row.version), JSON.stringify(journey)],
        );
        return true;
      }),
    );
    const current = await this.getJourney(journey.id);
    if (!saved) return { type: 'conflict', current };
    if (current === null) throw new Error(`journey ${journey.id} vanished after saving`);
    return { type: 'saved', stored: current };
  }

  async getJourney(id: string): Promise<StoredJourney | null> {
    const [row] = await this.sql.all(
      `SELECT version, definition, ${this.stamps()} FROM journeys WHERE id = $1`,
      [id],
    );
    return row === undefined ? null : SqlJourneyStore.journeyFromRow(row);
  }

  async getJourneyVersion(id: string, version: number): Promise<Journey | null> {
    const [row] = await this.sql.all(
      'SELECT definition FROM journey_versions WHERE journey_id = $1 AND version = CAST($2 AS INTEGER)',
      [id, String(version)],
    );
    return row === undefined ? null : Journey.parse(json(row.definition));
  }

  async listJourneys(): Promise<readonly StoredJourney[]> {
    const rows = await this.sql.all(`SELECT version, definition, ${this.stamps()} FROM journeys ORDER BY id`);
    return rows.map((row) => SqlJourneyStore.journeyFromRow(row));
  }

  async deleteJourney(id: string): Promise<boolean> {
    return this.write(() =>
      this.sql.transaction(async (runner) => {
        // Its messages are found through its entries: their run ids are `journey:<entry>:<node>`.
        const messages = (table: string) =>
          `DELETE FROM ${table} WHERE campaign_id = $1 AND run_id LIKE 'journey:%'
             AND ${entryOfRunId('run_id')} IN (SELECT e.id FROM journey_entries e WHERE e.journey_id = $1)`;
        await runner.all(messages('outbox'), [id]);
        await runner.all(messages('contact_history'), [id]);
        for (const table of [
          'journey_steps',
          'journey_entries',
          'journey_triggers',
          'journey_segment_members',
        ]) {
          await runner.all(`DELETE FROM ${table} WHERE journey_id = $1`, [id]);
        }
        await runner.all('DELETE FROM journey_versions WHERE journey_id = $1', [id]);
        const deleted = await runner.all('DELETE FROM journeys WHERE id = $1 RETURNING id', [id]);
        return deleted.length > 0;
      }),
    );
  }

  // Entries -----------------------------------------------------------------------------------

  private ids(customerIds: readonly string[]): string {
    return JSON.stringify([...new Set(customerIds)]);
  }

  async activeEntries(customerIds: readonly string[]): Promise<readonly JourneyEntryRecord[]> {
    if (customerIds.length === 0) return [];
    const rows = await this.sql.all(
      `SELECT ${entryColumns(this.dialect)} FROM journey_entries
       WHERE status = 'active' AND customer_id IN ${this.dialect.jsonTextRows('$1')}
       ORDER BY customer_id, journey_id`,
      [this.ids(customerIds)],
    );
    return rows.map(entryFromRow);
  }

  async lastEntered(journeyId: string, customerIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    if (customerIds.length === 0) return new Map();
    const rows = await this.sql.all(
      `SELECT customer_id, ${this.dialect.isoText('max(entered_at)')} AS entered_at FROM journey_entries
       WHERE journey_id = $1 AND customer_id IN ${this.dialect.jsonTextRows('$2')} GROUP BY customer_id`,
      [journeyId, this.ids(customerIds)],
    );
    return new Map(rows.map((row) => [String(row.customer_id), String(row.entered_at)]));
  }

  async enteredSince(journeyId: string, since: Date): Promise<number> {
    const [row] = await this.sql.all(
      `SELECT count(*) AS n FROM journey_entries
       WHERE journey_id = $1 AND grp IN ('treated', 'holdout') AND entered_at >= CAST($2 AS TIMESTAMPTZ)`,
      [journeyId, since.toISOString()],
    );
    return Number(row?.n ?? 0);
  }

  async getEntry(id: string): Promise<JourneyEntryRecord | null> {
    const [row] = await this.sql.all(
      `SELECT ${entryColumns(this.dialect)} FROM journey_entries WHERE id = $1`,
      [id],
    );
    return row === undefined ? null : entryFromRow(row);
  }

  async apply(changes: JourneyChanges): Promise<{ readonly written: ReadonlySet<string> }> {
    const written = await this.write(() => this.sql.transaction((runner) => applyChanges(runner, changes)));
    return { written };
  }

  async claimDue(options: {
    readonly now: Date;
    readonly limit: number;
    readonly claimant: string;
    readonly leaseUntil: Date;
  }): Promise<readonly JourneyEntryRecord[]> {
    const limit = Math.max(1, Math.floor(options.limit));
    const { dialect } = this;
    const rows = await this.write(() =>
      dialect.serialWrites
        ? // One writer, and DuckDB's RETURNING costs about a quarter millisecond a row: the due
          // entries are read and then claimed in one transaction, on one snapshot (a change
          // another transaction makes meanwhile fails the claim rather than hides). The due ids
          // are picked first, so only the claimed rows are read whole.
          this.sql.transaction(async (runner) => {
            const found = await runner.all(
              `SELECT ${entryColumns(dialect, 'e.')} FROM journey_entries e
               JOIN (SELECT id FROM journey_entries
                     WHERE status = 'active' AND wake_at <= CAST($1 AS TIMESTAMPTZ)
                       AND (claimed_until IS NULL OR claimed_until < CAST($1 AS TIMESTAMPTZ))
                     ORDER BY wake_at, id LIMIT ${limit}) due ON e.id = due.id`,
              [options.now.toISOString()],
            );
            if (found.length === 0) return [];
            await runner.all(
              `UPDATE journey_entries SET claimed_by = $1, claimed_until = CAST($3 AS TIMESTAMPTZ)
               WHERE id IN ${dialect.jsonTextRows('$2')}`,
              [
                options.claimant,
                JSON.stringify(found.map((row) => String(row.id))),
                options.leaseUntil.toISOString(),
              ],
            );
            return found;
          })
        : this.sql.all(
            `UPDATE journey_entries SET claimed_by = $1, claimed_until = CAST($3 AS TIMESTAMPTZ)
             FROM (SELECT id FROM journey_entries
                   WHERE status = 'active' AND wake_at <= CAST($2 AS TIMESTAMPTZ)
                     AND (claimed_until IS NULL OR claimed_until < CAST($2 AS TIMESTAMPTZ))
                   ORDER BY wake_at, id LIMIT ${limit}${dialect.skipLocked}) due
             WHERE journey_entries.id = due.id
             RETURNING ${entryColumns(dialect, 'journey_entries.')}`,
            [options.claimant, options.now.toISOString(), options.leaseUntil.toISOString()],
          ),
    );
    // RETURNING keeps no order: earliest first all the same.
    const entries = rows.map(entryFromRow);
    return entries.sort(
      (a, b) =>
        (a.position?.wakeAt ?? '').localeCompare(b.position?.wakeAt ?? '') ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  }

  async nextWake(): Promise<Date | null> {
    const { dialect } = this;
    const [row] = await this.sql.all(
      `SELECT ${dialect.isoText(`(SELECT min(wake_at) FROM journey_entries WHERE status = 'active')`)} AS entries,
         ${dialect.isoText('(SELECT min(due_at) FROM journey_triggers)')} AS triggers`,
    );
    const times = [row?.entries, row?.triggers]
      .filter((value) => value !== null && value !== undefined)
      .map((value) => Date.parse(String(value)));
    return times.length === 0 ? null : new Date(Math.min(...times));
  }

  async stopEntries(journeyId: string, at: Date): Promise<number> {
    const rows = await this.write(() =>
      this.sql.all(
        `UPDATE journey_entries SET status = 'left', exit_reason = 'stopped', exit_node = node, exit_detail = NULL,
           left_at = CAST($2 AS TIMESTAMPTZ), node = NULL, since = NULL, wake_at = NULL, awaiting = NULL,
           rev = rev + 1, claimed_by = NULL, claimed_until = NULL
         WHERE journey_id = $1 AND status = 'active' RETURNING id`,
        [journeyId, at.toISOString()],
      ),
    );
    return rows.length;
  }

  // Triggers ----------------------------------------------------------------------------------

  schedule(triggers: readonly PendingTrigger[], options: { readonly replace: boolean }): Promise<void> {
    return this.triggers.schedule(triggers, options);
  }

  seedInactivity(options: {
    readonly journeyId: string;
    readonly eventType: string;
    readonly days: number;
    readonly now: Date;
  }): Promise<number> {
    return this.triggers.seedInactivity(options);
  }

  claimDueTriggers(options: {
    readonly now: Date;
    readonly limit: number;
    readonly claimant: string;
    readonly leaseUntil: Date;
  }): Promise<readonly PendingTrigger[]> {
    return this.triggers.claimDue(options);
  }

  dateMatches(options: {
    readonly attribute: string;
    readonly offsetDays: number;
    readonly yearly: boolean;
    readonly days: readonly string[];
  }): Promise<
    readonly { readonly customerId: string; readonly day: string; readonly timezone: string | null }[]
  > {
    return this.triggers.dateMatches(options);
  }

  segmentChanges(options: {
    readonly journeyId: string;
    readonly query: SegmentQuery;
    readonly customerIds: readonly string[] | null;
    readonly seed: boolean;
  }): Promise<{ readonly entered: readonly string[]; readonly exited: readonly string[] }> {
    return this.triggers.segmentChanges(options);
  }

  // What sends and branches read ----------------------------------------------------------------

  candidates(options: {
    readonly customerIds: readonly string[];
    readonly channel: string;
    readonly purpose: string;
    readonly columns: readonly string[];
    readonly historySince: Date;
    readonly stopList: string;
  }): Promise<readonly RunCandidate[]> {
    return candidates(this.sql, this.schema(), options);
  }

  matching(query: SegmentQuery, customerIds: readonly string[]): Promise<ReadonlySet<string>> {
    return matching(this.sql, this.schema(), query, customerIds);
  }

  messageStatuses(runIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    return messageStatuses(this.sql, runIds);
  }

  eventsSince(options: {
    readonly customerIds: readonly string[];
    readonly eventTypes: readonly string[];
    readonly since: Date;
  }): Promise<readonly NormalizedRow[]> {
    return eventsSince(this.sql, this.schema(), options);
  }

  // Measurement --------------------------------------------------------------------------------

  funnel(journeyId: string): Promise<JourneyFunnel> {
    return journeyFunnel(this.sql, journeyId);
  }

  outcomes(
    query: JourneyResultsQuery,
  ): Promise<readonly { readonly value: string | null; readonly groups: readonly GroupOutcome[] }[]> {
    return journeyOutcomes(this.sql, this.schema(), query);
  }

  customerJourneys(customerId: string, limit: number): Promise<readonly CustomerJourney[]> {
    return customerJourneys(this.sql, customerId, limit);
  }
}
