import {
  CHANNELS,
  type ClaimedMessage,
  type ConsentChange,
  consentField,
  type DeadLetter,
  type DeliveryStore,
  PURPOSES,
  type RunDelivery,
  type SendOutcome,
  type StoredReceipt,
} from '@opencvm/core';
import type { SqlExecutor, SqlRow, SqlRunner } from '../sql/sql-executor.ts';
import { ident } from '../sql/sql-types.ts';

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
const flag = (value: unknown): boolean => value === true || value === 't';

/** The customer column a channel's messages are addressed to. */
const CONTACT_POINTS: Readonly<Record<string, string>> = {
  sms: 'msisdn',
  email: 'email',
  push: 'push_token',
};

const OUTCOME_FIELDS = [
  'run_id',
  'customer_id',
  'step',
  'status',
  'provider_id',
  'reason',
  'next_attempt_at',
  'at',
] as const;
const RECEIPT_FIELDS = ['channel', 'provider_id', 'status', 'reason', 'at'] as const;
const KEY_FIELDS = ['run_id', 'customer_id', 'step'] as const;

/**
 * The outbox as the dispatcher sees it, in SQL both engines run. A claim is one statement that
 * marks the best due rows `sending` under a lease and returns them (PostgreSQL skips rows another
 * dispatcher holds, `FOR UPDATE SKIP LOCKED`; DuckDB has one writer). Outcomes and receipts come
 * in batches, one statement per batch, because DuckDB's outbox has no index and each statement
 * scans it.
 */
export class SqlDeliveryStore implements DeliveryStore {
  constructor(private readonly sql: SqlExecutor) {}

  private get dialect() {
    return this.sql.dialect;
  }

  private rowsOf(param: string, fields: readonly string[]): string {
    return this.dialect.jsonRows({ param, fields });
  }

  async claimDue(options: {
    readonly channel: string;
    readonly now: Date;
    readonly limit: number;
    readonly claimant: string;
    readonly leaseUntil: Date;
  }): Promise<readonly ClaimedMessage[]> {
    const limit = Math.max(1, Math.floor(options.limit));
    const lock = this.dialect.skipLocked;
    const rows = await this.sql.all(
      `UPDATE outbox SET status = 'sending', claimed_by = $2, claimed_until = CAST($4 AS TIMESTAMPTZ),
         attempts = outbox.attempts + 1, in_doubt = (outbox.status = 'sending')
       FROM (SELECT run_id, customer_id, step FROM outbox
             WHERE channel = $1 AND (
               (status = 'pending' AND send_at <= CAST($3 AS TIMESTAMPTZ) AND (next_attempt_at IS NULL OR next_attempt_at <= CAST($3 AS TIMESTAMPTZ)))
               OR (status = 'sending' AND claimed_until < CAST($3 AS TIMESTAMPTZ)))
             ORDER BY priority DESC, send_at, run_id, customer_id, step LIMIT ${limit}${lock}) due
       WHERE outbox.run_id = due.run_id AND outbox.customer_id = due.customer_id AND outbox.step = due.step
       RETURNING outbox.run_id, outbox.customer_id, outbox.step, outbox.campaign_id, outbox.channel, outbox.purpose,
         outbox.recipient, outbox.content, outbox.attempts, outbox.in_doubt, outbox.priority, outbox.send_at`,
      [options.channel, options.claimant, options.now.toISOString(), options.leaseUntil.toISOString()],
    );
    // RETURNING keeps no order: send best first all the same.
    rows.sort(
      (a, b) =>
        Number(b.priority) - Number(a.priority) ||
        new Date(String(a.send_at)).getTime() - new Date(String(b.send_at)).getTime(),
    );
    return rows.map(
      (row): ClaimedMessage => ({
        runId: String(row.run_id),
        customerId: String(row.customer_id),
        step: String(row.step),
        campaignId: String(row.campaign_id),
        channel: String(row.channel),
        purpose: String(row.purpose),
        recipient: String(row.recipient),
        content: typeof row.content === 'string' ? JSON.parse(row.content) : row.content,
        attempt: Number(row.attempts),
        inDoubt: flag(row.in_doubt),
      }),
    );
  }

  async expireClaims(now: Date): Promise<number> {
    const rows = await this.sql.all(
      `UPDATE outbox SET claimed_until = CAST($1 AS TIMESTAMPTZ) - INTERVAL '1 second' WHERE status = 'sending' RETURNING run_id`,
      [now.toISOString()],
    );
    return rows.length;
  }

  async recordOutcomes(claimant: string, outcomes: readonly SendOutcome[]): Promise<number> {
    if (outcomes.length === 0) return 0;
    const batch = outcomes.map((outcome) => ({
      run_id: outcome.runId,
      customer_id: outcome.customerId,
      step: outcome.step,
      status: outcome.status,
      provider_id: outcome.providerId,
      reason: outcome.reason,
      next_attempt_at: outcome.nextAttemptAt?.toISOString() ?? null,
      at: outcome.at.toISOString(),
    }));
    return this.sql.transaction(async (runner) => {
      // Only rows this dispatcher still holds: one whose lease ended may be another's by now.
      const written = await runner.all(
        `UPDATE outbox SET
           status = CASE WHEN r.status = 'retry' THEN 'pending' ELSE r.status END,
           provider_id = coalesce(r.provider_id, outbox.provider_id),
           last_error = r.reason,
           next_attempt_at = CAST(r.next_attempt_at AS TIMESTAMPTZ),
           sent_at = CASE WHEN r.status = 'sent' THEN CAST(r.at AS TIMESTAMPTZ) ELSE outbox.sent_at END,
           finished_at = CASE WHEN r.status IN ('failed', 'bounced') THEN CAST(r.at AS TIMESTAMPTZ) ELSE outbox.finished_at END,
           claimed_by = NULL, claimed_until = NULL, in_doubt = false
         FROM ${this.rowsOf('$2', OUTCOME_FIELDS)}
         WHERE outbox.run_id = r.run_id AND outbox.customer_id = r.customer_id AND outbox.step = r.step
           AND outbox.status = 'sending' AND outbox.claimed_by = $1
         RETURNING outbox.run_id, outbox.customer_id, outbox.status, outbox.sent_at, outbox.finished_at`,
        [claimant, JSON.stringify(batch)],
      );
      const final = written.filter((row) => row.status !== 'pending');
      if (final.length > 0) await this.markHistory(runner, final);
      // A receipt may have come before the gateway's answer was written.
      await this.applyReceipts(runner);
      return written.length;
    });
  }

  /** Copies the outbox status of finished rows into their contact history rows. */
  private async markHistory(runner: SqlRunner, rows: readonly SqlRow[]): Promise<void> {
    const batch = rows.map((row) => ({
      run_id: String(row.run_id),
      customer_id: String(row.customer_id),
      status: String(row.status),
      at: new Date(String(row.finished_at ?? row.sent_at)).toISOString(),
    }));
    await runner.all(
      `UPDATE contact_history SET delivery_status = r.status, delivery_at = CAST(r.at AS TIMESTAMPTZ)
       FROM ${this.rowsOf('$1', ['run_id', 'customer_id', 'status', 'at'])}
       WHERE contact_history.run_id = r.run_id AND contact_history.customer_id = r.customer_id`,
      [JSON.stringify(batch)],
    );
  }

  /** Applies waiting receipts to the sent messages they name. */
  private async applyReceipts(runner: SqlRunner): Promise<number> {
    const applied = await runner.all(
      `UPDATE outbox SET status = w.status, finished_at = w.at,
         last_error = CASE WHEN w.status = 'failed' THEN w.reason ELSE outbox.last_error END
       FROM (SELECT channel, provider_id, max(status) AS status, max(reason) AS reason, max(reported_at) AS at
             FROM delivery_receipts WHERE NOT applied GROUP BY channel, provider_id) w
       WHERE outbox.provider_id = w.provider_id AND outbox.channel = w.channel AND outbox.status IN ('sending', 'sent')
       RETURNING outbox.run_id, outbox.customer_id, outbox.status, outbox.sent_at, outbox.finished_at, outbox.provider_id, outbox.channel`,
    );
    if (applied.length === 0) return 0;
    await this.markHistory(runner, applied);
    const matched = applied.map((row) => ({
      channel: String(row.channel),
      provider_id: String(row.provider_id),
    }));
    await runner.all(
      `UPDATE delivery_receipts SET applied = true FROM ${this.rowsOf('$1', ['channel', 'provider_id'])}
       WHERE delivery_receipts.channel = r.channel AND delivery_receipts.provider_id = r.provider_id AND NOT delivery_receipts.applied`,
      [JSON.stringify(matched)],
    );
    return applied.length;
  }

  async recordReceipts(receipts: readonly StoredReceipt[]): Promise<number> {
    return this.sql.transaction(async (runner) => {
      if (receipts.length > 0) {
        const batch = receipts.map((receipt) => ({
          channel: receipt.channel,
          provider_id: receipt.providerId,
          status: receipt.status,
          reason: receipt.reason,
          at: receipt.at.toISOString(),
        }));
        await runner.all(
          `INSERT INTO delivery_receipts (channel, provider_id, status, reason, reported_at, received_at, applied)
           SELECT r.channel, r.provider_id, r.status, r.reason, CAST(r.at AS TIMESTAMPTZ), CAST($2 AS TIMESTAMPTZ), false
           FROM ${this.rowsOf('$1', RECEIPT_FIELDS)}`,
          [JSON.stringify(batch), new Date().toISOString()],
        );
      }
      return this.applyReceipts(runner);
    });
  }

  async changeConsent(
    who: { readonly customerId: string } | { readonly channel: string; readonly contactPoint: string },
    change: ConsentChange,
  ): Promise<{ readonly customers: number; readonly cancelled: number }> {
    const channel = CHANNELS.find((name) => name === change.channel);
    const purpose = PURPOSES.find((name) => name === change.purpose);
    if (channel === undefined || purpose === undefined) {
      throw new Error(`no consent is kept for channel "${change.channel}" and purpose "${change.purpose}"`);
    }
    const column = ident(consentField(channel, purpose));
    let match: { readonly sql: string; readonly value: string };
    if ('customerId' in who) {
      match = { sql: 'id = $1', value: who.customerId };
    } else {
      const point = CONTACT_POINTS[who.channel];
      if (point === undefined) throw new Error(`channel "${who.channel}" has no contact point`);
      match = { sql: `${ident(point)} = $1`, value: who.contactPoint };
    }
    return this.sql.transaction(async (runner) => {
      const customers = await runner.all(
        `UPDATE customers SET ${column} = CAST($2 AS BOOLEAN) WHERE ${match.sql} RETURNING id`,
        [match.value, String(change.consent)],
      );
      if (customers.length === 0) return { customers: 0, cancelled: 0 };
      const ids = JSON.stringify(customers.map((row) => ({ id: String(row.id) })));
      await runner.all(
        `INSERT INTO consent_changes (customer_id, channel, purpose, consent, source, detail, changed_at)
         SELECT r.id, $2, $3, CAST($4 AS BOOLEAN), $5, $6, CAST($7 AS TIMESTAMPTZ) FROM ${this.rowsOf('$1', ['id'])}`,
        [
          ids,
          channel,
          purpose,
          String(change.consent),
          change.source,
          change.detail,
          change.at.toISOString(),
        ],
      );
      if (change.consent) return { customers: customers.length, cancelled: 0 };
      // Messages not yet handed to a gateway are withdrawn; one being sent right now is not.
      const cancelled = await runner.all(
        `UPDATE outbox SET status = 'cancelled', last_error = $4, finished_at = CAST($5 AS TIMESTAMPTZ)
         FROM ${this.rowsOf('$1', ['id'])}
         WHERE outbox.customer_id = r.id AND outbox.channel = $2 AND outbox.purpose = $3 AND outbox.status = 'pending'
         RETURNING outbox.run_id, outbox.customer_id, outbox.status, outbox.sent_at, outbox.finished_at`,
        [ids, channel, purpose, `consent withdrawn (${change.source})`, change.at.toISOString()],
      );
      if (cancelled.length > 0) await this.markHistory(runner, cancelled);
      return { customers: customers.length, cancelled: cancelled.length };
    });
  }

  async nextDue(channels: readonly string[]): Promise<Date | null> {
    if (channels.length === 0) return null;
    const list = channels.map((_, index) => `$${index + 1}`).join(', ');
    const [row] = await this.sql.all(
      `SELECT ${this.dialect.isoText("min(CASE WHEN status = 'sending' THEN claimed_until WHEN next_attempt_at IS NULL OR next_attempt_at < send_at THEN send_at ELSE next_attempt_at END)")} AS due
       FROM outbox WHERE status IN ('pending', 'sending') AND channel IN (${list})`,
      channels,
    );
    const due = text(row?.due);
    return due === null ? null : new Date(due);
  }

  async deadLetters(options: {
    readonly runId?: string | undefined;
    readonly channel?: string | undefined;
    readonly limit: number;
  }): Promise<readonly DeadLetter[]> {
    const params: string[] = [];
    const where = [`status IN ('failed', 'bounced')`];
    if (options.runId !== undefined) {
      params.push(options.runId);
      where.push(`run_id = $${params.length}`);
    }
    if (options.channel !== undefined) {
      params.push(options.channel);
      where.push(`channel = $${params.length}`);
    }
    const rows = await this.sql.all(
      `SELECT run_id, customer_id, step, campaign_id, channel, recipient, status, attempts, last_error,
         ${this.dialect.isoText('finished_at')} AS finished_at
       FROM outbox WHERE ${where.join(' AND ')}
       ORDER BY finished_at DESC NULLS LAST, run_id, customer_id, step LIMIT ${Math.max(0, Math.floor(options.limit))}`,
      params,
    );
    return rows.map(
      (row): DeadLetter => ({
        runId: String(row.run_id),
        customerId: String(row.customer_id),
        step: String(row.step),
        campaignId: String(row.campaign_id),
        channel: String(row.channel),
        recipient: String(row.recipient),
        status: row.status === 'bounced' ? 'bounced' : 'failed',
        attempts: Number(row.attempts),
        reason: text(row.last_error),
        failedAt: text(row.finished_at),
      }),
    );
  }

  async requeue(options: {
    readonly runId?: string | undefined;
    readonly keys?: readonly { readonly runId: string; readonly customerId: string; readonly step: string }[];
    readonly now: Date;
  }): Promise<number> {
    const set = `SET status = 'pending', attempts = 0, next_attempt_at = CAST($1 AS TIMESTAMPTZ), finished_at = NULL, last_error = NULL`;
    // Only messages that never reached a gateway: one that failed after a receipt was sent.
    const failed = `outbox.status = 'failed' AND outbox.sent_at IS NULL`;
    return this.sql.transaction(async (runner) => {
      let rows: SqlRow[];
      if (options.keys !== undefined) {
        const batch = options.keys.map((key) => ({
          run_id: key.runId,
          customer_id: key.customerId,
          step: key.step,
        }));
        rows = await runner.all(
          `UPDATE outbox ${set} FROM ${this.rowsOf('$2', KEY_FIELDS)}
           WHERE outbox.run_id = r.run_id AND outbox.customer_id = r.customer_id AND outbox.step = r.step AND ${failed}
           RETURNING outbox.run_id, outbox.customer_id`,
          [options.now.toISOString(), JSON.stringify(batch)],
        );
      } else if (options.runId !== undefined) {
        rows = await runner.all(
          `UPDATE outbox ${set} WHERE outbox.run_id = $2 AND ${failed} RETURNING outbox.run_id, outbox.customer_id`,
          [options.now.toISOString(), options.runId],
        );
      } else {
        return 0;
      }
      if (rows.length > 0) {
        await runner.all(
          `UPDATE contact_history SET delivery_status = NULL, delivery_at = NULL
           FROM ${this.rowsOf('$1', ['run_id', 'customer_id'])}
           WHERE contact_history.run_id = r.run_id AND contact_history.customer_id = r.customer_id`,
          [
            JSON.stringify(
              rows.map((row) => ({ run_id: String(row.run_id), customer_id: String(row.customer_id) })),
            ),
          ],
        );
      }
      return rows.length;
    });
  }

  async runDelivery(runId: string): Promise<RunDelivery> {
    const { dialect } = this;
    const statusRows = await this.sql.all(
      'SELECT status, count(*) AS n FROM outbox WHERE run_id = $1 GROUP BY status ORDER BY status',
      [runId],
    );
    const failureRows = await this.sql.all(
      `SELECT coalesce(last_error, 'unknown') AS reason, count(*) AS n FROM outbox
       WHERE run_id = $1 AND status IN ('failed', 'bounced') GROUP BY coalesce(last_error, 'unknown') ORDER BY n DESC, reason LIMIT 50`,
      [runId],
    );
    const [unsubscribed] = await this.sql.all(
      `SELECT count(DISTINCT c.customer_id) AS n FROM consent_changes c
       JOIN outbox o ON o.customer_id = c.customer_id AND o.channel = c.channel AND o.purpose = c.purpose
       WHERE o.run_id = $1 AND NOT c.consent AND o.sent_at IS NOT NULL AND c.changed_at >= o.sent_at`,
      [runId],
    );
    const channelRows = await this.sql.all(
      `SELECT channel, count(sent_at) AS sent, ${dialect.isoText('min(sent_at)')} AS first_sent, ${dialect.isoText('max(sent_at)')} AS last_sent
       FROM outbox WHERE run_id = $1 GROUP BY channel ORDER BY channel`,
      [runId],
    );
    return {
      runId,
      statuses: Object.fromEntries(statusRows.map((row) => [String(row.status), Number(row.n)])),
      failures: failureRows.map((row) => ({ reason: String(row.reason), count: Number(row.n) })),
      unsubscribed: Number(unsubscribed?.n ?? 0),
      channels: channelRows.map((row) => {
        const sent = Number(row.sent);
        const first = text(row.first_sent);
        const last = text(row.last_sent);
        const seconds = first === null || last === null ? 0 : (Date.parse(last) - Date.parse(first)) / 1000;
        return {
          channel: String(row.channel),
          sent,
          firstSentAt: first,
          lastSentAt: last,
          perSecond: sent > 1 && seconds > 0 ? Math.round((sent / seconds) * 10) / 10 : null,
        };
      }),
    };
  }

  async outboxStatuses(): Promise<{ channel: string; status: string; count: number }[]> {
    const rows = await this.sql.all(
      'SELECT channel, status, count(*) AS n FROM outbox GROUP BY channel, status ORDER BY channel, status',
      [],
    );
    return rows.map((row) => ({
      channel: String(row.channel),
      status: String(row.status),
      count: Number(row.n),
    }));
  }

  async setting(name: string, create: () => string): Promise<string> {
    const read = async (runner: SqlRunner) =>
      text((await runner.all('SELECT value FROM workspace_settings WHERE name = $1', [name]))[0]?.value);
    const existing = await read(this.sql);
    if (existing !== null) return existing;
    return this.sql.transaction(async (runner) => {
      const skip = this.dialect.skipConflictsOn('name');
      await runner.all(`INSERT INTO workspace_settings (name, value) VALUES ($1, $2)${skip}`, [
        name,
        create(),
      ]);
      const value = await read(runner);
      if (value === null) throw new Error(`setting ${name} vanished after it was written`);
      return value;
    });
  }
}
