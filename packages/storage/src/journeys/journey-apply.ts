import type { EntryChange, EntryUpdate, JourneyChanges, NewEntry } from '@opencvm/core';
import { JOURNEY_MESSAGE_STEP, journeyMessageRunId } from '@opencvm/core';
import { withdrawMessages } from '../campaigns/run-messages.ts';
import type { SqlRunner } from '../sql/sql-executor.ts';

/**
 * The one transaction of `JourneyStore.apply`. Exactly-once rests on its guards: an entry is
 * inserted only when its journey holds neither an entry with its key for the customer nor an
 * active one (PostgreSQL also has unique indexes for both, so a concurrent insert is skipped);
 * an update is written only over the revision it was decided on; steps and messages follow only
 * the entries written, so nothing is queued twice (PostgreSQL's outbox keys skip a repeat too).
 */

const ENTRY_FIELDS = [
  'id',
  'journey_id',
  'version',
  'customer_id',
  'entry_key',
  'grp',
  'entered_at',
  'status',
  'node',
  'since',
  'wake_at',
  'awaiting',
  'memory',
  'exit_reason',
  'exit_node',
  'exit_detail',
  'left_at',
] as const;
const UPDATE_FIELDS = [
  'id',
  'rev',
  'status',
  'node',
  'since',
  'wake_at',
  'awaiting',
  'memory',
  'exit_reason',
  'exit_node',
  'exit_detail',
  'left_at',
] as const;
const STEP_FIELDS = [
  'entry_id',
  'journey_id',
  'version',
  'customer_id',
  'node',
  'step_at',
  'outcome',
] as const;
const MESSAGE_FIELDS = [
  'run_id',
  'customer_id',
  'campaign_id',
  'offer_id',
  'channel',
  'purpose',
  'recipient',
  'content',
  'send_at',
  'priority',
  'expected_value',
] as const;
/** What a history row takes of a message. */
const HISTORY_FIELDS = ['run_id', 'campaign_id', 'customer_id', 'offer_id', 'channel', 'send_at'] as const;
const TRIGGER_KEY_FIELDS = ['journey_id', 'customer_id', 'entry_key'] as const;

/** Where an entry is, as the columns it is stored in. */
const changeColumns = (change: EntryChange) => ({
  status: change.status,
  node: change.position?.node ?? null,
  since: change.position?.since ?? null,
  wake_at: change.position?.wakeAt ?? null,
  awaiting: change.position?.awaiting ?? null,
  memory: change.memory,
  exit_reason: change.exit?.reason ?? null,
  exit_node: change.exit?.node ?? null,
  exit_detail: change.exit?.detail ?? null,
  left_at: change.exit?.at ?? null,
});

const CHANGE_SET = `status = r.status, node = r.node, since = CAST(r.since AS TIMESTAMPTZ),
  wake_at = CAST(r.wake_at AS TIMESTAMPTZ), awaiting = r.awaiting, memory = CAST(r.memory AS __JSON),
  exit_reason = r.exit_reason, exit_node = r.exit_node, exit_detail = r.exit_detail, left_at = CAST(r.left_at AS TIMESTAMPTZ)`;

/**
 * New entries in rounds: at most one per journey and customer in each, so the guard against an
 * active entry or a used key also holds between entries of one batch, as if inserted one by one.
 */
const rounds = (entries: readonly NewEntry[]): NewEntry[][] => {
  const out: NewEntry[][] = [];
  const seen = new Map<string, number>();
  for (const entry of entries) {
    const who = JSON.stringify([entry.journeyId, entry.customerId]);
    const round = seen.get(who) ?? 0;
    seen.set(who, round + 1);
    let list = out[round];
    if (list === undefined) {
      list = [];
      out[round] = list;
    }
    list.push(entry);
  }
  return out;
};

const insertEntries = async (runner: SqlRunner, entries: readonly NewEntry[]): Promise<string[]> => {
  const { dialect } = runner;
  const written: string[] = [];
  for (const round of rounds(entries)) {
    const rows = round.map((entry) => ({
      id: entry.id,
      journey_id: entry.journeyId,
      version: String(entry.version),
      customer_id: entry.customerId,
      entry_key: entry.key,
      grp: entry.group,
      entered_at: entry.enteredAt,
      ...changeColumns(entry),
    }));
    const inserted = await runner.all(
      `INSERT INTO journey_entries (${ENTRY_FIELDS.join(', ')}, rev)
       SELECT r.id, r.journey_id, CAST(r.version AS INTEGER), r.customer_id, r.entry_key, r.grp,
         CAST(r.entered_at AS TIMESTAMPTZ), r.status, r.node, CAST(r.since AS TIMESTAMPTZ),
         CAST(r.wake_at AS TIMESTAMPTZ), r.awaiting, CAST(r.memory AS ${dialect.types.json}), r.exit_reason,
         r.exit_node, r.exit_detail, CAST(r.left_at AS TIMESTAMPTZ), 0
       FROM ${dialect.jsonRows({ param: '$1', fields: ENTRY_FIELDS, jsonColumns: ['memory'] })}
       WHERE NOT EXISTS (SELECT 1 FROM journey_entries e WHERE e.id = r.id)
         AND NOT EXISTS (SELECT 1 FROM journey_entries e WHERE e.journey_id = r.journey_id AND e.customer_id = r.customer_id
           AND (e.entry_key = r.entry_key OR e.status = 'active'))${dialect.skipKeyConflicts}
       RETURNING id`,
      [JSON.stringify(rows)],
    );
    written.push(...inserted.map((row) => String(row.id)));
  }
  return written;
};

const updateEntries = async (runner: SqlRunner, updates: readonly EntryUpdate[]): Promise<string[]> => {
  if (updates.length === 0) return [];
  const { dialect } = runner;
  // A second change of one entry in a batch was decided on the revision the first one replaces.
  const first = new Map<string, EntryUpdate>();
  for (const update of updates) if (!first.has(update.id)) first.set(update.id, update);
  const rows = [...first.values()].map((update) => ({
    id: update.id,
    rev: String(update.rev),
    ...changeColumns(update),
  }));
  const batch = JSON.stringify(rows);
  const source = dialect.jsonRows({ param: '$1', fields: UPDATE_FIELDS, jsonColumns: ['memory'] });
  const update = `UPDATE journey_entries SET ${CHANGE_SET.replace('__JSON', dialect.types.json)},
       rev = journey_entries.rev + 1, claimed_by = NULL, claimed_until = NULL
     FROM ${source}
     WHERE journey_entries.id = r.id AND journey_entries.rev = CAST(r.rev AS INTEGER)`;
  if (dialect.serialWrites) {
    // One writer, and DuckDB's RETURNING costs about a quarter millisecond a row: the rows the
    // update matches are read first on the transaction's snapshot, which the update sees too (a
    // change another transaction commits meanwhile fails the update rather than slips under it).
    const matched = await runner.all(
      `SELECT e.id FROM journey_entries e JOIN ${source} ON e.id = r.id AND e.rev = CAST(r.rev AS INTEGER)`,
      [batch],
    );
    if (matched.length > 0) await runner.all(update, [batch]);
    return matched.map((row) => String(row.id));
  }
  const updated = await runner.all(`${update} RETURNING journey_entries.id`, [batch]);
  return updated.map((row) => String(row.id));
};

const insertSteps = async (
  runner: SqlRunner,
  steps: JourneyChanges['steps'],
  written: ReadonlySet<string>,
): Promise<void> => {
  const rows = steps
    .filter((step) => written.has(step.entryId))
    .map((step) => ({
      entry_id: step.entryId,
      journey_id: step.journeyId,
      version: String(step.version),
      customer_id: step.customerId,
      node: step.node,
      step_at: step.at,
      outcome: step.outcome,
    }));
  if (rows.length === 0) return;
  await runner.all(
    `INSERT INTO journey_steps (${STEP_FIELDS.join(', ')})
     SELECT r.entry_id, r.journey_id, CAST(r.version AS INTEGER), r.customer_id, r.node, CAST(r.step_at AS TIMESTAMPTZ), r.outcome
     FROM ${runner.dialect.jsonRows({ param: '$1', fields: STEP_FIELDS })}`,
    [JSON.stringify(rows)],
  );
};

/** Messages as a run's: one outbox row (step `message`) and one `queued` history row each. */
const insertMessages = async (
  runner: SqlRunner,
  changes: JourneyChanges,
  written: ReadonlySet<string>,
): Promise<number> => {
  const { dialect } = runner;
  // A journey has no cycle, so an entry reaches a node once, and its message is written only with
  // the move that brought it there (a new entry id, or an update over the revision it was decided
  // on): a message of a written entry is new without a look at the big outbox and history tables.
  // Within the batch, the first of a run id counts.
  const runIds = new Set<string>();
  const rows = changes.messages
    .filter((message) => {
      const runId = journeyMessageRunId(message.entryId, message.node);
      if (!written.has(message.entryId) || runIds.has(runId)) return false;
      runIds.add(runId);
      return true;
    })
    .map((message) => ({
      run_id: journeyMessageRunId(message.entryId, message.node),
      customer_id: message.customerId,
      campaign_id: message.journeyId,
      offer_id: message.offerId,
      channel: message.channel,
      purpose: message.purpose,
      recipient: message.recipient,
      content: message.content,
      send_at: message.sendAt,
      priority: String(message.priority),
      expected_value: message.expectedValue,
    }));
  if (rows.length === 0) return 0;
  const at = changes.at.toISOString();
  const batch = JSON.stringify(rows);
  await runner.all(
    `INSERT INTO outbox (run_id, customer_id, step, campaign_id, offer_id, channel, purpose, recipient, content, status, send_at, priority, expected_value, created_at)
     SELECT r.run_id, r.customer_id, $2, r.campaign_id, r.offer_id, r.channel, r.purpose, r.recipient,
       CAST(r.content AS ${dialect.types.json}), 'pending', CAST(r.send_at AS TIMESTAMPTZ), CAST(r.priority AS INTEGER), r.expected_value, CAST($3 AS TIMESTAMPTZ)
     FROM ${dialect.jsonRows({ param: '$1', fields: MESSAGE_FIELDS, jsonColumns: ['content'] })}
     ${dialect.skipKeyConflicts}`,
    [batch, JOURNEY_MESSAGE_STEP, at],
  );
  await runner.all(
    `INSERT INTO contact_history (run_id, campaign_id, customer_id, outcome, offer_id, channel, send_at, recorded_at)
     SELECT r.run_id, r.campaign_id, r.customer_id, 'queued', r.offer_id, r.channel, CAST(r.send_at AS TIMESTAMPTZ), CAST($2 AS TIMESTAMPTZ)
     FROM ${dialect.jsonRows({ param: '$1', fields: HISTORY_FIELDS })}
     ${dialect.skipKeyConflicts}`,
    [batch, at],
  );
  return rows.length;
};

const removeTriggers = async (
  runner: SqlRunner,
  fired: NonNullable<JourneyChanges['firedTriggers']>,
): Promise<void> => {
  if (fired.length === 0) return;
  const rows = fired.map((trigger) => ({
    journey_id: trigger.journeyId,
    customer_id: trigger.customerId,
    entry_key: trigger.key,
  }));
  await runner.all(
    `DELETE FROM journey_triggers USING ${runner.dialect.jsonRows({ param: '$1', fields: TRIGGER_KEY_FIELDS })}
     WHERE journey_triggers.journey_id = r.journey_id AND journey_triggers.customer_id = r.customer_id
       AND journey_triggers.entry_key = r.entry_key`,
    [JSON.stringify(rows)],
  );
};

/** Writes an input's changes on `runner`'s transaction; returns the entry ids written. */
export const applyChanges = async (runner: SqlRunner, changes: JourneyChanges): Promise<Set<string>> => {
  const written = new Set([
    ...(await insertEntries(runner, changes.entries)),
    ...(await updateEntries(runner, changes.updates)),
  ]);
  await insertSteps(runner, changes.steps, written);
  const queued = await insertMessages(runner, changes, written);
  await removeTriggers(runner, changes.firedTriggers ?? []);
  // What lost arbitration is withdrawn only for messages that were queued here.
  if (queued > 0) await withdrawMessages(runner, changes.withdraw, changes.at);
  return written;
};
