import type { ColumnSpec, FieldValue, MessageKey, QueuedContact, RunCandidate } from '@opencvm/core';
import { fieldValue } from '../sql/read-sql.ts';
import type { SqlRow, SqlRunner } from '../sql/sql-executor.ts';

/**
 * What campaign runs and journeys share about messages: where a channel's message goes, how a
 * customer row and their queued contacts become a candidate, and how a weaker pending message is
 * withdrawn when a stronger one wins arbitration.
 */

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

/** Where a channel's messages go; a webhook is addressed by the customer id. */
export const CONTACT_POINTS: Readonly<Record<string, string>> = {
  sms: 'msisdn',
  email: 'email',
  push: 'push_token',
  webhook: 'id',
};

/**
 * Rows of customers (`__id`, `__consent`, `__point`, `__tz`, `__locale`, `__stopped`, `__a<n>`
 * per spec) and their contacts (outbox rows), as candidates.
 */
export const candidatesOf = (
  rows: readonly SqlRow[],
  contacts: readonly SqlRow[],
  specs: readonly ColumnSpec[],
): RunCandidate[] => {
  const history = new Map<string, QueuedContact[]>();
  for (const contact of contacts) {
    const id = String(contact.customer_id);
    let list = history.get(id);
    if (list === undefined) {
      list = [];
      history.set(id, list);
    }
    list.push({
      at: new Date(String(contact.send_at)),
      channel: String(contact.channel),
      offerId: text(contact.offer_id),
      campaignId: String(contact.campaign_id),
      priority: Number(contact.priority),
      expectedValue: String(contact.expected_value),
      runId: String(contact.run_id),
      step: String(contact.step),
      pending: contact.status === 'pending',
    });
  }
  return rows.map((row): RunCandidate => {
    const id = String(row.__id);
    const attributes: Record<string, FieldValue> = {};
    specs.forEach((spec, index) => {
      attributes[spec.name] = fieldValue(row[`__a${index}`], spec.type);
    });
    const flag = row.__consent;
    return {
      customerId: id,
      consent: flag === null || flag === undefined ? null : flag === true || flag === 't',
      contactPoint: text(row.__point),
      timezone: text(row.__tz),
      locale: text(row.__locale),
      stopListed: row.__stopped === true || row.__stopped === 't',
      attributes,
      history: history.get(id) ?? [],
    };
  });
};

/** Cancels messages still pending (one already being sent stays) and records why in their history. */
export const withdrawMessages = async (
  runner: SqlRunner,
  keys: readonly MessageKey[],
  at: Date,
): Promise<void> => {
  if (keys.length === 0) return;
  const { dialect } = runner;
  const batch = JSON.stringify(
    keys.map((key) => ({ run_id: key.runId, customer_id: key.customerId, step: key.step })),
  );
  const cancelled = await runner.all(
    `UPDATE outbox SET status = 'cancelled', last_error = 'suppressed:arbitration', finished_at = CAST($2 AS TIMESTAMPTZ)
     FROM ${dialect.jsonRows({ param: '$1', fields: ['run_id', 'customer_id', 'step'] })}
     WHERE outbox.run_id = r.run_id AND outbox.customer_id = r.customer_id AND outbox.step = r.step AND outbox.status = 'pending'
     RETURNING outbox.run_id, outbox.customer_id`,
    [batch, at.toISOString()],
  );
  if (cancelled.length === 0) return;
  await runner.all(
    `UPDATE contact_history SET outcome = 'suppressed:arbitration', delivery_status = 'cancelled', delivery_at = CAST($2 AS TIMESTAMPTZ)
     FROM ${dialect.jsonRows({ param: '$1', fields: ['run_id', 'customer_id'] })}
     WHERE contact_history.run_id = r.run_id AND contact_history.customer_id = r.customer_id`,
    [
      JSON.stringify(
        cancelled.map((row) => ({ run_id: String(row.run_id), customer_id: String(row.customer_id) })),
      ),
      at.toISOString(),
    ],
  );
};
