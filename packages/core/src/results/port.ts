import type { SegmentQuery } from '../segments/port.ts';
import type { AttributeCondition } from '../segments/segment-rule.ts';

/** The arms of a campaign run's intention-to-treat comparison. */
export const RESULT_GROUPS = ['target', 'control', 'ucg'] as const;
export type ResultGroup = (typeof RESULT_GROUPS)[number];

/** What one arm did in the attribution window: counts exact, money as a decimal string. */
export interface GroupOutcome {
  readonly group: ResultGroup;
  /** Members assigned to the arm (customer × run), whatever became of their message. */
  readonly n: number;
  /** Members with at least one goal event. */
  readonly converters: number;
  /** Members with any event at all: the retained, the returned. */
  readonly active: number;
  readonly orders: number;
  /** The goal events' amounts, summed exactly. */
  readonly revenue: string;
  /** Per member, zeros included: what Welch's test needs. */
  readonly revenueMean: number;
  readonly revenueVariance: number;
  readonly ordersMean: number;
  readonly ordersVariance: number;
}

/** The goal and the runs a campaign's results are computed over. */
export interface ResultsQuery {
  readonly campaignId: string;
  /** These runs; every completed (not dry) run of the campaign when null. */
  readonly runIds: readonly string[] | null;
  readonly goal: {
    readonly eventType: string;
    readonly where: readonly AttributeCondition[];
    readonly attributionDays: number;
  };
  /** Events after this are not counted yet (a window still open ends here). */
  readonly asOf: Date;
}

export type ResultsBreakdown =
  | { readonly type: 'attribute'; readonly attribute: string }
  | { readonly type: 'segment'; readonly query: SegmentQuery; readonly name: string };

export interface ResultsSlice {
  /** The attribute's value (null: missing), or `in` / `out` of the segment; null for the whole. */
  readonly value: string | null;
  readonly groups: readonly GroupOutcome[];
}

/** Cumulative goal results by day since the run, per arm. */
export interface DailyResult {
  readonly day: number;
  readonly group: ResultGroup;
  readonly n: number;
  readonly converters: number;
  readonly revenue: string;
}

/** The programme: customers who qualified for any campaign in a period, UCG or not. */
export interface ProgrammeQuery {
  readonly from: Date;
  readonly to: Date;
}

/**
 * Messages the gateways accepted (outbox rows with a sent time) in one week of the workspace's
 * time zone (weeks start on Monday), on one channel, and the distinct customers they went to.
 */
export interface ContactPressureWeek {
  /** The Monday the week starts on, as YYYY-MM-DD in the workspace's time zone. */
  readonly weekStart: string;
  readonly channel: string;
  readonly messages: number;
  readonly customers: number;
}

export interface ContactPressureCounts {
  /** Every customer in the store: the base the pressure can also be spread over. */
  readonly base: number;
  readonly weeks: readonly ContactPressureWeek[];
}

export interface ResultsStore {
  /** The arms of the query's runs, whole or broken down (one slice per value). */
  groupOutcomes(query: ResultsQuery, breakdown?: ResultsBreakdown): Promise<readonly ResultsSlice[]>;
  dailySeries(query: ResultsQuery): Promise<readonly DailyResult[]>;
  /**
   * Customers who qualified for a campaign run started in the period (any outcome but a
   * campaign's own holdout decides nothing here): those in the universal control group vs the
   * rest, with revenue (every event's amount) and activity from their first qualification to the
   * period's end. Reported as groups `ucg` and `target`.
   */
  programmeOutcomes(query: ProgrammeQuery): Promise<readonly GroupOutcome[]>;
  /** Queued messages of the query's runs by offer (for splitting a campaign's effect by offer). */
  queuedByOffer(
    query: ResultsQuery,
  ): Promise<readonly { readonly offerId: string | null; readonly queued: number }[]>;
  /** Messages sent in the period (by their sent time) per week and channel, with the base's size. */
  contactPressure(query: ProgrammeQuery): Promise<ContactPressureCounts>;
}

// Accounts, audit, idempotency
