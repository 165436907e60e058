import type { MessageKey, RunCandidate } from '../campaigns/run-port.ts';
import type { NormalizedRow } from '../import/records.ts';
import type { GroupOutcome, ResultsQuery } from '../results/port.ts';
import type { SegmentQuery } from '../segments/port.ts';
import type { EntryMemory, EntryPosition, StepRecord } from './advance.ts';
import type { ExitReason, Journey } from './journey.ts';

/**
 * What journeys need of a store: their versioned definitions; each customer's entries with where
 * they are and their timers; the triggers waiting to fire (inactivity, dates); the membership a
 * segment trigger compares against; and the reads a send and a branch need. Every change an
 * input causes — new entries, moved entries, their steps, their messages in the shared outbox —
 * is written in one transaction by `apply`, so a crash leaves each entry where it was or where it
 * went, never between, and no message twice.
 */

/** `treated` go through the journey; `holdout` were drawn out at entry; `ucg` never enter. */
export const ENTRY_GROUPS = ['treated', 'holdout', 'ucg'] as const;
export type EntryGroup = (typeof ENTRY_GROUPS)[number];

export interface StoredJourney {
  readonly journey: Journey;
  /** Bumped by every saved change of the definition or the status. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A customer's pass through a journey. */
export interface JourneyEntryRecord {
  readonly id: string;
  readonly journeyId: string;
  /** The version of the definition the customer entered on and finishes on. */
  readonly version: number;
  readonly customerId: string;
  /** What made them enter, unique per journey and customer: an event id, `inactive:<ts>`, `date:<day>`, … */
  readonly key: string;
  readonly group: EntryGroup;
  readonly enteredAt: string;
  readonly status: 'active' | 'left';
  /** Null once left. */
  readonly position: EntryPosition | null;
  readonly memory: EntryMemory;
  readonly exitReason: ExitReason | null;
  readonly exitNode: string | null;
  /** For `policy`: the rule (`suppressed:frequency_cap`, `excluded:no_consent`, …). */
  readonly exitDetail: string | null;
  readonly leftAt: string | null;
  /** Bumped by every change: a change is written only over the revision it was decided on. */
  readonly rev: number;
}

/** Where an entry is after an input; `position` null and an `exit` when it left. */
export interface EntryChange {
  readonly status: 'active' | 'left';
  readonly position: EntryPosition | null;
  readonly memory: EntryMemory;
  readonly exit: {
    readonly reason: ExitReason;
    readonly node: string | null;
    readonly detail: string | null;
    readonly at: string;
  } | null;
}

export interface NewEntry extends EntryChange {
  readonly id: string;
  readonly journeyId: string;
  readonly version: number;
  readonly customerId: string;
  readonly key: string;
  readonly group: EntryGroup;
  readonly enteredAt: string;
}

export interface EntryUpdate extends EntryChange {
  readonly id: string;
  /** The revision the change was decided on; written only if the entry is still at it. */
  readonly rev: number;
}

/** The outbox row of a journey's send: `runId` is `journeyMessageRunId(entry, node)`, step `message`. */
export interface JourneyMessage {
  readonly entryId: string;
  readonly journeyId: string;
  readonly node: string;
  readonly customerId: string;
  readonly channel: string;
  readonly purpose: string;
  readonly offerId: string | null;
  readonly recipient: string;
  readonly content: unknown;
  readonly sendAt: string;
  readonly priority: number;
  readonly expectedValue: string;
}

/** The outbox key of a journey message: one per entry and send node. */
export const journeyMessageRunId = (entryId: string, node: string): string => `journey:${entryId}:${node}`;
export const JOURNEY_MESSAGE_STEP = 'message';

export interface JourneyStep extends StepRecord {
  readonly entryId: string;
  readonly journeyId: string;
  readonly version: number;
  readonly customerId: string;
}

/** A trigger waiting to fire: a customer's inactivity deadline, a date. */
export interface PendingTrigger {
  readonly journeyId: string;
  readonly customerId: string;
  /** The entry key it fires with. */
  readonly key: string;
  readonly dueAt: string;
}

export interface JourneyChanges {
  readonly at: Date;
  /**
   * Inserted unless the journey already has an entry with this key for the customer, or an
   * active one: a customer is on a journey at most once at a time.
   */
  readonly entries: readonly NewEntry[];
  /** Written only where the entry is still at `rev` (its `rev` then goes up by one). */
  readonly updates: readonly EntryUpdate[];
  /** Written for the entries inserted or updated above only. */
  readonly steps: readonly JourneyStep[];
  /** Queued (outbox and contact history, as a campaign run's) for those entries only. */
  readonly messages: readonly JourneyMessage[];
  /** Weaker pending messages of other campaigns that these messages won arbitration against. */
  readonly withdraw: readonly MessageKey[];
  /** Pending triggers that fired (or were cancelled): removed. */
  readonly firedTriggers?: readonly { readonly journeyId: string; readonly customerId: string; readonly key: string }[];
}

/** One node of a journey's funnel: entries that passed it, by what happened there. */
export interface NodeCount {
  readonly node: string;
  /** Distinct entries that reached it. */
  readonly reached: number;
  /** Entries at it now. */
  readonly here: number;
  readonly outcomes: Readonly<Record<string, number>>;
}

export interface JourneyFunnel {
  readonly entered: Readonly<Record<EntryGroup, number>>;
  readonly active: number;
  /** Entries that left, by reason. */
  readonly left: Readonly<Record<string, number>>;
  readonly nodes: readonly NodeCount[];
}

/** A customer's entries, newest first, for their page. */
export interface CustomerJourney {
  readonly journeyId: string;
  readonly journeyName: string | null;
  readonly entry: JourneyEntryRecord;
}

/** The arms of a journey (`target`: treated, `control`: holdout, `ucg`), goal counted from each entry. */
export interface JourneyResultsQuery {
  readonly journeyId: string;
  readonly goal: ResultsQuery['goal'];
  readonly asOf: Date;
  /** Per path of this split (or branch) node: one slice per outcome recorded there. */
  readonly byNode?: string | undefined;
}

export interface JourneyStore {
  // Definitions -------------------------------------------------------------------------------
  /**
   * Creates the journey or saves a new version of it; with `expectedVersion` only if that is the
   * stored version (null: only if it does not exist), else `conflict`.
   */
  saveJourney(
    journey: Journey,
    options: { readonly at: Date; readonly expectedVersion?: number | null | undefined },
  ): Promise<{ readonly type: 'saved'; readonly stored: StoredJourney } | { readonly type: 'conflict'; readonly current: StoredJourney | null }>;
  getJourney(id: string): Promise<StoredJourney | null>;
  /** A version as it was saved: the definition the entries on it finish on. */
  getJourneyVersion(id: string, version: number): Promise<Journey | null>;
  listJourneys(): Promise<readonly StoredJourney[]>;
  /** Removes a journey with its versions, entries, steps, triggers and messages; false when none. */
  deleteJourney(id: string): Promise<boolean>;

  // Entries -----------------------------------------------------------------------------------
  /** The active entries of these customers, on every journey. */
  activeEntries(customerIds: readonly string[]): Promise<readonly JourneyEntryRecord[]>;
  /** Per customer: when they last entered the journey (any group), for re-entry rules. */
  lastEntered(journeyId: string, customerIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** Entries (treated and holdout) since an instant: the daily cap. */
  enteredSince(journeyId: string, since: Date): Promise<number>;
  getEntry(id: string): Promise<JourneyEntryRecord | null>;
  /** Writes an input's changes in one transaction; returns the ids written (inserted or updated). */
  apply(changes: JourneyChanges): Promise<{ readonly written: ReadonlySet<string> }>;
  /**
   * Claims up to `limit` active entries whose timer is due (`wakeAt` ≤ now), not claimed by
   * someone else whose lease is still on, earliest first. `apply` ends a claim.
   */
  claimDue(options: {
    readonly now: Date;
    readonly limit: number;
    readonly claimant: string;
    readonly leaseUntil: Date;
  }): Promise<readonly JourneyEntryRecord[]>;
  /** The earliest timer of an active entry or a pending trigger; null when none. */
  nextWake(): Promise<Date | null>;
  /** Ends every active entry of the journey (reason `stopped`); returns how many. */
  stopEntries(journeyId: string, at: Date): Promise<number>;

  // Triggers ----------------------------------------------------------------------------------
  /** Sets pending triggers; `replace` moves a customer's existing one (inactivity), else it is kept (dates). */
  schedule(triggers: readonly PendingTrigger[], options: { readonly replace: boolean }): Promise<void>;
  /** Arms an inactivity trigger for every customer whose last event of the type is within `days` of `now`. */
  seedInactivity(options: {
    readonly journeyId: string;
    readonly eventType: string;
    readonly days: number;
    readonly now: Date;
  }): Promise<number>;
  /** Claims up to `limit` pending triggers due at `now`, as `claimDue` does entries. */
  claimDueTriggers(options: {
    readonly now: Date;
    readonly limit: number;
    readonly claimant: string;
    readonly leaseUntil: Date;
  }): Promise<readonly PendingTrigger[]>;
  /**
   * Customers whose date attribute plus `offsetDays` falls on one of `days` (YYYY-MM-DD; with
   * `yearly`, on the same month and day of any year), with their time zone.
   */
  dateMatches(options: {
    readonly attribute: string;
    readonly offsetDays: number;
    readonly yearly: boolean;
    readonly days: readonly string[];
  }): Promise<readonly { readonly customerId: string; readonly day: string; readonly timezone: string | null }[]>;
  /**
   * Compares the segment's members (among `customerIds`, or all when null) with those recorded
   * for the journey, records the new membership and returns who came in and who left. With
   * `seed`, only records (the members when a journey starts do not enter).
   */
  segmentChanges(options: {
    readonly journeyId: string;
    readonly query: SegmentQuery;
    readonly customerIds: readonly string[] | null;
    readonly seed: boolean;
  }): Promise<{ readonly entered: readonly string[]; readonly exited: readonly string[] }>;

  // What sends and branches read ----------------------------------------------------------------
  /** These customers as a run's targets: consent for the channel and purpose, contact point, history. */
  candidates(options: {
    readonly customerIds: readonly string[];
    readonly channel: string;
    readonly purpose: string;
    readonly columns: readonly string[];
    readonly historySince: Date;
    readonly stopList: string;
  }): Promise<readonly RunCandidate[]>;
  /** Which of these customers the query selects: one statement for the whole batch. */
  matching(query: SegmentQuery, customerIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** Outbox statuses of journey messages by run id. */
  messageStatuses(runIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** Events of these types by these customers since an instant (ISO ts; attribute columns included). */
  eventsSince(options: {
    readonly customerIds: readonly string[];
    readonly eventTypes: readonly string[];
    readonly since: Date;
  }): Promise<readonly NormalizedRow[]>;

  // Measurement --------------------------------------------------------------------------------
  funnel(journeyId: string): Promise<JourneyFunnel>;
  /** The arms as a campaign's (`target` treated, `control` holdout, `ucg`), whole or per node outcome. */
  outcomes(query: JourneyResultsQuery): Promise<readonly { readonly value: string | null; readonly groups: readonly GroupOutcome[] }[]>;
  customerJourneys(customerId: string, limit: number): Promise<readonly CustomerJourney[]>;
}
