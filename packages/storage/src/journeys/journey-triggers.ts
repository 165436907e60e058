import { importColumns, type PendingTrigger, type SegmentQuery, type WorkspaceSchema } from '@opencvm/core';
import { compileSegment } from '../segments/compile-segment.ts';
import type { SqlExecutor } from '../sql/sql-executor.ts';
import { ident } from '../sql/sql-types.ts';

const TRIGGER_FIELDS = ['journey_id', 'customer_id', 'entry_key', 'due_at'] as const;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * The month-days each day stands for in a yearly date trigger: its own, and on 28 February of a
 * year without a 29th also 29 February, so those born on a leap day are not skipped.
 */
const monthDays = (days: readonly string[]): { readonly day: string; readonly md: string }[] =>
  days.flatMap((day) => {
    const match = DAY.exec(day);
    if (match === null) throw new Error(`date trigger day "${day}" is not YYYY-MM-DD`);
    const md = day.slice(5);
    return md === '02-28' && !isLeapYear(Number(match[1]))
      ? [
          { day, md },
          { day, md: '02-29' },
        ]
      : [{ day, md }];
  });

/** Pending triggers (inactivity deadlines, dates) and the segment membership a segment trigger compares. */
export class JourneyTriggers {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly schema: () => WorkspaceSchema,
    private readonly write: <T>(work: () => Promise<T>) => Promise<T>,
  ) {}

  private get dialect() {
    return this.sql.dialect;
  }

  async schedule(triggers: readonly PendingTrigger[], options: { readonly replace: boolean }): Promise<void> {
    if (triggers.length === 0) return;
    // One trigger per journey and customer: the latest of a batch replaces, the first is kept.
    const byCustomer = new Map<string, PendingTrigger>();
    for (const trigger of triggers) {
      const who = JSON.stringify([trigger.journeyId, trigger.customerId]);
      if (options.replace || !byCustomer.has(who)) byCustomer.set(who, trigger);
    }
    const batch = JSON.stringify(
      [...byCustomer.values()].map((trigger) => ({
        journey_id: trigger.journeyId,
        customer_id: trigger.customerId,
        entry_key: trigger.key,
        due_at: trigger.dueAt,
      })),
    );
    const rows = this.dialect.jsonRows({ param: '$1', fields: TRIGGER_FIELDS });
    await this.write(() =>
      this.sql.transaction(async (runner) => {
        if (options.replace) {
          // Updated in place rather than deleted and inserted: DuckDB refuses a key deleted and
          // inserted again in one transaction.
          await runner.all(
            `UPDATE journey_triggers SET entry_key = r.entry_key, due_at = CAST(r.due_at AS TIMESTAMPTZ), claimed_by = NULL, claimed_until = NULL
             FROM ${rows} WHERE journey_triggers.journey_id = r.journey_id AND journey_triggers.customer_id = r.customer_id`,
            [batch],
          );
        }
        await runner.all(
          `INSERT INTO journey_triggers (journey_id, customer_id, entry_key, due_at)
           SELECT r.journey_id, r.customer_id, r.entry_key, CAST(r.due_at AS TIMESTAMPTZ) FROM ${rows}
           WHERE NOT EXISTS (SELECT 1 FROM journey_triggers t WHERE t.journey_id = r.journey_id AND t.customer_id = r.customer_id)${this.dialect.skipConflictsOn('journey_id, customer_id')}`,
          [batch],
        );
      }),
    );
  }

  async seedInactivity(options: {
    readonly journeyId: string;
    readonly eventType: string;
    readonly days: number;
    readonly now: Date;
  }): Promise<number> {
    const { dialect } = this;
    const due = dialect.plusDays('x.last_ts', 'CAST($3 AS INTEGER)');
    const counted = 'SELECT count(*) AS n FROM journey_triggers WHERE journey_id = $1';
    return this.write(() =>
      this.sql.transaction(async (runner) => {
        const [before] = await runner.all(counted, [options.journeyId]);
        await runner.all(
          `INSERT INTO journey_triggers (journey_id, customer_id, entry_key, due_at)
           SELECT $1, x.customer_id, 'inactive:' || ${dialect.isoText('x.last_ts')}, ${due}
           FROM (SELECT e.customer_id, max(e.ts) AS last_ts FROM events e
                 WHERE e.type = $2 AND e.ts <= CAST($4 AS TIMESTAMPTZ) GROUP BY e.customer_id) x
           WHERE ${due} > CAST($4 AS TIMESTAMPTZ)
             AND NOT EXISTS (SELECT 1 FROM journey_triggers t WHERE t.journey_id = $1 AND t.customer_id = x.customer_id)${dialect.skipConflictsOn('journey_id, customer_id')}`,
          [options.journeyId, options.eventType, String(options.days), options.now.toISOString()],
        );
        const [after] = await runner.all(counted, [options.journeyId]);
        return Number(after?.n ?? 0) - Number(before?.n ?? 0);
      }),
    );
  }

  async claimDue(options: {
    readonly now: Date;
    readonly limit: number;
    readonly claimant: string;
    readonly leaseUntil: Date;
  }): Promise<readonly PendingTrigger[]> {
    const limit = Math.max(1, Math.floor(options.limit));
    const { dialect } = this;
    const rows = await this.write(() =>
      this.sql.all(
        `UPDATE journey_triggers SET claimed_by = $1, claimed_until = CAST($3 AS TIMESTAMPTZ)
         FROM (SELECT journey_id, customer_id FROM journey_triggers
               WHERE due_at <= CAST($2 AS TIMESTAMPTZ)
                 AND (claimed_until IS NULL OR claimed_until < CAST($2 AS TIMESTAMPTZ))
               ORDER BY due_at, journey_id, customer_id LIMIT ${limit}${dialect.skipLocked}) due
         WHERE journey_triggers.journey_id = due.journey_id AND journey_triggers.customer_id = due.customer_id
         RETURNING journey_triggers.journey_id, journey_triggers.customer_id, journey_triggers.entry_key,
           ${dialect.isoText('journey_triggers.due_at')} AS due_at`,
        [options.claimant, options.now.toISOString(), options.leaseUntil.toISOString()],
      ),
    );
    return rows
      .map(
        (row): PendingTrigger => ({
          journeyId: String(row.journey_id),
          customerId: String(row.customer_id),
          key: String(row.entry_key),
          dueAt: String(row.due_at),
        }),
      )
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.customerId.localeCompare(b.customerId));
  }

  async dateMatches(options: {
    readonly attribute: string;
    readonly offsetDays: number;
    readonly yearly: boolean;
    readonly days: readonly string[];
  }): Promise<
    readonly { readonly customerId: string; readonly day: string; readonly timezone: string | null }[]
  > {
    if (options.days.length === 0) return [];
    const spec = importColumns(this.schema(), 'customers').find(
      (column) => column.name === options.attribute,
    );
    if (spec === undefined || (spec.type !== 'date' && spec.type !== 'timestamp')) {
      throw new Error(`date trigger attribute "${options.attribute}" is not a date attribute of customers`);
    }
    const { dialect } = this;
    const shifted = dialect.dateText(`(CAST(c.${ident(spec.name)} AS DATE) + CAST($2 AS INTEGER))`);
    const on = options.yearly ? `substr(${shifted}, 6) = r.md` : `${shifted} = r.day`;
    const rows = await this.sql.all(
      `SELECT c.id, r.day, c.timezone FROM customers c
       JOIN ${dialect.jsonRows({ param: '$1', fields: ['day', 'md'] })} ON ${on}
       WHERE c.${ident(spec.name)} IS NOT NULL ORDER BY c.id, r.day`,
      [JSON.stringify(monthDays(options.days)), String(options.offsetDays)],
    );
    return rows.map((row) => ({
      customerId: String(row.id),
      day: String(row.day),
      timezone: row.timezone === null || row.timezone === undefined ? null : String(row.timezone),
    }));
  }

  async segmentChanges(options: {
    readonly journeyId: string;
    readonly query: SegmentQuery;
    readonly customerIds: readonly string[] | null;
    readonly seed: boolean;
  }): Promise<{ readonly entered: readonly string[]; readonly exited: readonly string[] }> {
    const { dialect } = this;
    const { query } = options;
    if (options.customerIds !== null && options.customerIds.length === 0) return { entered: [], exited: [] };
    const compiled = compileSegment(query.rule, {
      dialect,
      schema: this.schema(),
      clock: query.clock,
      segmentRule: query.segmentRule,
    });
    const n = compiled.params.length;
    const journey = `$${n + 1}`;
    const params: unknown[] = [...compiled.params, options.journeyId];
    let among = (_column: string) => 'TRUE';
    if (options.customerIds !== null) {
      params.push(JSON.stringify([...new Set(options.customerIds)]));
      // A semi-join: one pass over the customers, not a list search per row.
      among = (column) => `${column} IN ${dialect.jsonTextRows(`$${n + 2}`)}`;
    }
    const members = `SELECT b.id FROM base b WHERE (${compiled.predicate}) AND ${among('b.id')}`;
    return this.write(() =>
      this.sql.transaction(async (runner) => {
        const exited = await runner.all(
          `${compiled.with} SELECT m.customer_id FROM journey_segment_members m
           WHERE m.journey_id = ${journey} AND ${among('m.customer_id')} AND m.customer_id NOT IN (${members})`,
          params,
        );
        const exitedIds = exited.map((row) => String(row.customer_id)).sort();
        if (exitedIds.length > 0) {
          await runner.all(
            `DELETE FROM journey_segment_members WHERE journey_id = $1 AND customer_id IN ${dialect.jsonTextRows('$2')}`,
            [options.journeyId, JSON.stringify(exitedIds)],
          );
        }
        const entered = await runner.all(
          `INSERT INTO journey_segment_members (journey_id, customer_id) ${compiled.with}
           SELECT ${journey}, s.id FROM (${members}) s
           WHERE NOT EXISTS (SELECT 1 FROM journey_segment_members m WHERE m.journey_id = ${journey} AND m.customer_id = s.id)
           RETURNING customer_id`,
          params,
        );
        if (options.seed) return { entered: [], exited: [] };
        return { entered: entered.map((row) => String(row.customer_id)).sort(), exited: exitedIds };
      }),
    );
  }
}
