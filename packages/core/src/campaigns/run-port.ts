import type { FieldValue } from '../import/records.ts';
import type { SegmentQuery } from '../segments/port.ts';
import type { RunFunnel } from './run-funnel.ts';

export const RUN_STATUSES = ['running', 'completed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface CampaignRun {
  readonly id: string;
  readonly campaignId: string;
  readonly campaignVersion: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly status: RunStatus;
  readonly dryRun: boolean;
  /** The scheduled time a scheduler started it for; null when started by hand. */
  readonly dueAt: string | null;
  readonly funnel: RunFunnel | null;
}

/** A marketing message already queued for a customer, as the contact policy and arbitration see it. */
export interface QueuedContact {
  readonly at: Date;
  readonly channel: string;
  readonly offerId: string | null;
  readonly campaignId: string;
  readonly priority: number;
  readonly expectedValue: string;
  /** The outbox row: a message still `pending` can be withdrawn by a better one. */
  readonly runId: string;
  readonly step: string;
  readonly pending: boolean;
}

/** An outbox row by its key. */
export interface MessageKey {
  readonly runId: string;
  readonly customerId: string;
  readonly step: string;
}

/** A target customer with what consent, policy and render need. */
export interface RunCandidate {
  readonly customerId: string;
  /** The consent flag for the run's channel and purpose; null when unknown. */
  readonly consent: boolean | null;
  readonly contactPoint: string | null;
  readonly timezone: string | null;
  readonly locale: string | null;
  readonly stopListed: boolean;
  /** The customer columns the content names. */
  readonly attributes: Readonly<Record<string, FieldValue>>;
  /** Queued and sent messages from other runs since `historySince`. */
  readonly history: readonly QueuedContact[];
}

export interface HistoryRow {
  readonly customerId: string;
  readonly outcome: string;
  readonly offerId: string | null;
  readonly sendAt: string | null;
  /** What the gateway made of a queued message (`sent`, `delivered`, `failed`, …), once known. */
  readonly deliveryStatus?: string | null;
}

export interface OutboxRow {
  readonly customerId: string;
  readonly step: string;
  readonly offerId: string | null;
  readonly recipient: string;
  readonly content: unknown;
  readonly sendAt: string;
  readonly priority: number;
  readonly expectedValue: string;
}

export interface OutboxMessage extends OutboxRow {
  readonly runId: string;
  readonly campaignId: string;
  readonly channel: string;
  readonly purpose: string;
  readonly status: string;
}

/**
 * Campaign runs, their working audience, contact history and the outbox. Every write is
 * idempotent: history holds one row per (run, customer) and the outbox one per
 * (run, customer, step), so a resumed or repeated run adds nothing it already wrote.
 */
export interface RunStore {
  /** Records a run unless one with this id, or for this campaign and due time, exists; returns the stored one. */
  startRun(run: {
    readonly id: string;
    readonly campaignId: string;
    readonly campaignVersion: number;
    readonly startedAt: Date;
    readonly dryRun: boolean;
    readonly dueAt: Date | null;
  }): Promise<{ readonly created: boolean; readonly run: CampaignRun }>;
  getRun(id: string): Promise<CampaignRun | null>;
  /** Newest first. */
  listRuns(campaignId: string, limit: number): Promise<readonly CampaignRun[]>;
  /**
   * Materializes the audience of the run with each member's group (`ucg`, `control`, `target`)
   * computed in SQL by the same bucket as core's `bucketOf`; replaces an earlier attempt's.
   */
  snapshotAudience(options: {
    readonly runId: string;
    readonly query: SegmentQuery;
    readonly ucg: { readonly salt: string; readonly buckets: number };
    readonly holdout: { readonly salt: string; readonly buckets: number };
  }): Promise<{ readonly ucg: number; readonly control: number; readonly target: number }>;
  /**
   * The run's targets the query (an offer's eligibility) selects: one SQL statement over the
   * segment intersected with the run's members, never a customer at a time.
   */
  eligibleTargets(options: {
    readonly runId: string;
    readonly query: SegmentQuery;
  }): Promise<ReadonlySet<string>>;
  /** Writes the history rows of the `ucg` and `control` members (those not yet written). */
  recordGroups(options: {
    readonly runId: string;
    readonly campaignId: string;
    readonly channel: string;
    readonly at: Date;
  }): Promise<void>;
  /** Target members in pages of about `pageSize`, in a stable order, with what the later steps need. */
  readTargets(options: {
    readonly runId: string;
    readonly channel: string;
    readonly purpose: string;
    readonly columns: readonly string[];
    readonly historySince: Date;
    readonly stopList: string;
    readonly pageSize: number;
    readonly onPage: (candidates: readonly RunCandidate[]) => Promise<void>;
  }): Promise<void>;
  /**
   * Adds history and outbox rows not yet written, in one transaction, and withdraws the other
   * runs' messages this run's won arbitration against: those still `pending` become `cancelled`,
   * their history `suppressed:arbitration`.
   */
  writeOutcomes(options: {
    readonly runId: string;
    readonly campaignId: string;
    readonly channel: string;
    readonly purpose: string;
    readonly at: Date;
    readonly history: readonly HistoryRow[];
    readonly outbox: readonly OutboxRow[];
    readonly withdraw?: readonly MessageKey[] | undefined;
  }): Promise<void>;
  /** Stores the funnel, marks the run completed and drops its working audience. */
  finishRun(options: {
    readonly runId: string;
    readonly funnel: RunFunnel;
    readonly finishedAt: Date;
  }): Promise<void>;
  /** Removes every run of a campaign with its history and outbox rows; returns how many runs. */
  deleteRuns(campaignId: string): Promise<number>;
  history(runId: string): Promise<readonly HistoryRow[]>;
  outbox(runId: string): Promise<readonly OutboxMessage[]>;
}
