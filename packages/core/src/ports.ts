import type { ApiKeyScope, Role } from './access/access.ts';
import type { UcgSettings } from './campaign/assignment.ts';
import type { Campaign, CampaignStatus } from './campaign/campaign.ts';
import type { Offer } from './campaign/offer.ts';
import type { RunFunnel } from './campaign/run-funnel.ts';
import type { FieldValue, ImportKind, NormalizedRow } from './records.ts';
import type { Result } from './result.ts';
import type { RfmConfig } from './segment/features.ts';
import type { RuleClock } from './segment/rule-time.ts';
import type { AttributeCondition, SegmentDefinition, SegmentRule } from './segment/segment-rule.ts';
import type { WorkspaceSchema } from './workspace-schema.ts';

export const FILE_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export interface StoreSummary {
  readonly customers: number;
  readonly events: number;
  readonly relations: number;
  /** Newest event timestamp (ISO, UTC) or null: how fresh the data is. */
  readonly lastEventAt: string | null;
  readonly lastImportAt: string | null;
}

/** What one import did; `updated` counts only rows whose stored values changed. */
export interface ImportCounts {
  readonly read: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly duplicates: number;
  readonly rejected: number;
}

export const IMPORT_STATUSES = ['succeeded', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export interface ImportRun extends ImportCounts {
  readonly id: string;
  readonly kind: ImportKind;
  readonly source: string;
  readonly format: FileFormat | 'api';
  readonly status: ImportStatus;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  /** Why a failed import wrote nothing. */
  readonly error: string | null;
}

/** A file (or rows) ready to be staged: the source and how its columns map to fields. */
export interface ImportSource {
  readonly kind: ImportKind;
  readonly path: string;
  readonly format: FileFormat;
  /** file column → field name, for files whose headers differ from field names. */
  readonly mapping: Readonly<Record<string, string>>;
}

export interface StageProgress {
  readonly phase: 'reading' | 'writing';
  /** 0..1 */
  readonly fraction: number;
  readonly rowsProcessed: number;
}

/** Why a file was not imported. Nothing was written in either case. */
export type ImportFailure =
  | { readonly type: 'unreadable_file'; readonly message: string }
  /** Some rows are invalid; the row validator says which and why. `message` is the engine's first complaint. */
  | { readonly type: 'invalid_rows'; readonly message: string };

export interface CustomerEvent {
  readonly id: string;
  readonly type: string;
  readonly ts: string;
  readonly amount: string | null;
  readonly currency: string | null;
  readonly attributes: Readonly<Record<string, FieldValue>>;
}

export interface CustomerRelation {
  readonly direction: 'out' | 'in';
  readonly customerId: string;
  readonly kind: string;
  readonly weight: number;
}

export interface CustomerDetails {
  readonly customer: NormalizedRow;
  readonly lastEvents: readonly CustomerEvent[];
  readonly relations: readonly CustomerRelation[];
}

export interface ImportOptions {
  readonly onProgress?: (progress: StageProgress) => void;
}

/** The storage port: everything the application needs from a store, whatever its engine. */
export interface Store {
  readonly engine: 'duckdb' | 'postgres';
  /** Applies pending versioned migrations and adds columns for newly declared attributes. */
  prepare(schema: WorkspaceSchema): Promise<void>;
  summary(): Promise<StoreSummary>;
  /**
   * Rewrites the events by month, then type, then customer, where the engine profits from it
   * (DuckDB skips whole row groups outside a time window or of another event type only when rows
   * are stored that way, and aggregates per customer faster when a customer's rows are together):
   * after a bulk load of history, and from time to time as events arrive. Returns the events
   * rewritten; 0 when nothing was done.
   */
  optimize(): Promise<{ readonly events: number }>;
  /**
   * Imports a whole file in one transaction, or nothing: any invalid row fails the import
   * (the caller then asks the row validator where and why).
   */
  importFile(source: ImportSource, options?: ImportOptions): Promise<Result<ImportCounts, ImportFailure>>;
  /** Imports rows the row validator accepted; `present` names the fields they carry. */
  importRows(
    kind: ImportKind,
    rows: AsyncIterable<NormalizedRow> | Iterable<NormalizedRow>,
    present: ReadonlySet<string>,
  ): Promise<ImportCounts>;
  recordImportRun(run: ImportRun): Promise<void>;
  listImportRuns(limit: number): Promise<readonly ImportRun[]>;
  getCustomer(id: string, options: { readonly events: number }): Promise<CustomerDetails | null>;
  readonly customers: CustomerStore;
  readonly segments: SegmentStore;
  readonly campaigns: CampaignStore;
  readonly runs: RunStore;
  readonly delivery: DeliveryStore;
  readonly results: ResultsStore;
  readonly accounts: AccountStore;
  readonly audit: AuditStore;
  readonly idempotency: IdempotencyStore;
  close(): Promise<void>;
}

/** A customer a search found: contact points, locale and the first declared attributes. */
export interface CustomerMatch {
  readonly id: string;
  readonly msisdn: string | null;
  readonly email: string | null;
  readonly locale: string | null;
  readonly attributes: Readonly<Record<string, FieldValue>>;
}

/** One contact-history row of a customer: what a campaign run decided for them and what came of it. */
export interface CustomerContact {
  readonly runId: string;
  readonly campaignId: string;
  /** null when the campaign has since been deleted. */
  readonly campaignName: string | null;
  readonly offerId: string | null;
  readonly offerName: string | null;
  readonly channel: string;
  /** `queued`, `ucg`, `control`, `excluded:…`, `suppressed:…`. */
  readonly outcome: string;
  /** What the gateway made of a queued message (`sent`, `delivered`, `failed`, …), once known. */
  readonly deliveryStatus: string | null;
  readonly deliveryAt: string | null;
  readonly sendAt: string | null;
  readonly recordedAt: string;
}

/** Finding customers and reading their contact history, whatever the engine. */
export interface CustomerStore {
  /**
   * Customers whose id starts with `text`, and (with `contactPoints`) whose msisdn or e-mail is
   * `text` (an e-mail in any case, a number with or without separators), in id order.
   */
  search(query: {
    readonly text: string;
    readonly contactPoints: boolean;
    readonly limit: number;
  }): Promise<readonly CustomerMatch[]>;
  /** The customer's contact history, newest first. */
  contacts(customerId: string, options: { readonly limit: number }): Promise<readonly CustomerContact[]>;
}

/** A saved segment at its current version. */
export interface SavedSegment {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly rule: SegmentRule;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One version of a segment's definition; every save adds one. */
export interface SegmentVersion {
  readonly version: number;
  readonly name: string;
  readonly description: string | null;
  readonly rule: SegmentRule;
  readonly createdAt: string;
}

/** Members of a segment materialized at a moment, and how they moved since the previous snapshot. */
export interface SegmentSnapshot {
  readonly id: string;
  readonly segmentId: string;
  readonly version: number;
  readonly takenAt: string;
  readonly size: number;
  /** null for a segment's first snapshot. */
  readonly entered: number | null;
  readonly left: number | null;
}

/** Snapshots whose member lists a store keeps per segment; older ones keep their counts only. */
export const SNAPSHOT_MEMBERS_KEPT = 10;

/** Who entered and left at a snapshot; member lists of older snapshots are not kept, so theirs are gone. */
export type SnapshotChanges =
  | { readonly type: 'unknown_snapshot' }
  | { readonly type: 'members_pruned' }
  | { readonly type: 'changes'; readonly entered: readonly string[]; readonly left: readonly string[] };

/** How many customers each node of a rule matches on its own, and with its earlier siblings. */
export interface ExplainNode {
  readonly path: string;
  readonly type: SegmentRule['type'];
  readonly matched: number;
  /** For children of `and`/`or`: matched by this child together with the siblings before it. */
  readonly cumulative: number | null;
}

export interface SegmentExplain {
  readonly customers: number;
  readonly matched: number;
  readonly nodes: readonly ExplainNode[];
}

export interface CustomerList {
  readonly name: string;
  readonly size: number;
  /** Ids of the list that are customers of the store when it was saved. */
  readonly matched: number;
  readonly updatedAt: string;
}

export interface FeatureRefresh {
  readonly customers: number;
  readonly asOf: string;
  readonly refreshedAt: string;
  readonly windowDays: number;
  readonly eventTypes: readonly string[];
}

/** A rule to evaluate: at a moment, with the saved rules of the segments it refers to. */
export interface SegmentQuery {
  readonly rule: SegmentRule;
  readonly clock: RuleClock;
  readonly segmentRule: (id: string) => SegmentRule | undefined;
}

/** The segment side of a store: definitions, lists, features and rule evaluation. */
export interface SegmentStore {
  /**
   * Creates the segment, or saves its definition as a new version. With `expectedVersion` only if
   * the stored version is that one (null: there must be none yet); otherwise nothing is written.
   */
  saveSegment(
    definition: SegmentDefinition,
    at: Date,
    options?: { readonly expectedVersion?: number | null | undefined },
  ): Promise<Result<SavedSegment, StaleWrite>>;
  getSegment(id: string): Promise<SavedSegment | null>;
  listSegments(): Promise<readonly SavedSegment[]>;
  segmentVersions(id: string): Promise<readonly SegmentVersion[]>;
  /** Removes the segment, its versions and snapshots; false when there was none. */
  deleteSegment(id: string): Promise<boolean>;
  count(query: SegmentQuery): Promise<number>;
  /** Member ids in id order (byte order). */
  members(query: SegmentQuery, options?: { readonly limit?: number }): Promise<readonly string[]>;
  /** The first members (by id) with the given customer columns. */
  preview(
    query: SegmentQuery,
    options: { readonly limit: number; readonly columns: readonly string[] },
  ): Promise<readonly NormalizedRow[]>;
  explain(query: SegmentQuery): Promise<SegmentExplain>;
  /** Streams all members with the given columns, in id order, batch by batch; returns the count. */
  exportMembers(
    query: SegmentQuery,
    options: {
      readonly columns: readonly string[];
      readonly onRows: (rows: readonly NormalizedRow[]) => Promise<void>;
    },
  ): Promise<number>;
  snapshot(options: {
    readonly segmentId: string;
    readonly version: number;
    readonly query: SegmentQuery;
    readonly takenAt: Date;
  }): Promise<SegmentSnapshot>;
  listSnapshots(segmentId: string, limit: number): Promise<readonly SegmentSnapshot[]>;
  /** Who entered and who left at a snapshot, against the one before it (ids in order, up to `limit` each). */
  snapshotChanges(snapshotId: string, options: { readonly limit: number }): Promise<SnapshotChanges>;
  /** Replaces the list's ids (duplicates kept once) in one transaction. */
  saveList(name: string, ids: AsyncIterable<string> | Iterable<string>, at: Date): Promise<CustomerList>;
  getList(name: string): Promise<CustomerList | null>;
  listLists(): Promise<readonly CustomerList[]>;
  deleteList(name: string): Promise<boolean>;
  refreshFeatures(config: RfmConfig, clock: RuleClock): Promise<FeatureRefresh>;
  lastFeatureRefresh(): Promise<FeatureRefresh | null>;
}

/** An offer as stored: the validated definition and when it was first and last saved. */
export interface StoredOffer {
  readonly offer: Offer;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A campaign as stored; `version` counts its saves and guards against lost updates. */
export interface StoredCampaign {
  readonly campaign: Campaign;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * A write based on a state that is no longer the stored one: someone else saved in between (or
 * the record was created or deleted meanwhile). `actual` is what is stored now, null for nothing.
 */
export type StaleWrite = {
  readonly type: 'conflict';
  readonly expected: number | string | null;
  readonly actual: number | string | null;
};

/** Offers, campaigns and the universal control group settings: validated documents, kept as JSON. */
export interface CampaignStore {
  /** Creates the offer or replaces its definition. */
  saveOffer(offer: Offer, at: Date): Promise<StoredOffer>;
  getOffer(id: string): Promise<StoredOffer | null>;
  listOffers(): Promise<readonly StoredOffer[]>;
  /** False when there was none. */
  deleteOffer(id: string): Promise<boolean>;
  /**
   * Writes a campaign if the stored version is `expectedVersion` (null: there must be none yet);
   * the saved one has the next version (1 when created). Otherwise nothing is written.
   */
  saveCampaign(
    campaign: Campaign,
    options: { readonly expectedVersion: number | null; readonly at: Date },
  ): Promise<Result<StoredCampaign, StaleWrite>>;
  getCampaign(id: string): Promise<StoredCampaign | null>;
  /** In id order; only those of `status` when given. */
  listCampaigns(filter?: {
    readonly status?: CampaignStatus | undefined;
  }): Promise<readonly StoredCampaign[]>;
  /** Deletes the campaign if it is at `expectedVersion`; false when there was none. */
  deleteCampaign(
    id: string,
    options: { readonly expectedVersion: number },
  ): Promise<Result<boolean, StaleWrite>>;
  getUcgSettings(): Promise<UcgSettings | null>;
  /**
   * Writes the workspace's UCG settings if the stored ones were drawn at `expectedRotatedAt`
   * (null: there must be none yet), so that two first uses or two rotations cannot both win.
   */
  saveUcgSettings(
    settings: UcgSettings,
    options: { readonly expectedRotatedAt: string | null; readonly at: Date },
  ): Promise<Result<UcgSettings, StaleWrite>>;
}

// ---------------------------------------------------------------------------------------------
// Campaign runs

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

/**
 * Outbox statuses. `pending` waits for its send time (or its next attempt after a temporary
 * failure); `sending` is claimed by a dispatcher until its lease ends; `sent` is accepted by the
 * gateway; `delivered` / `failed` may follow from a receipt; `failed` and `bounced` are final;
 * `cancelled` was withdrawn before it was sent (an opt-out, a better campaign).
 */
export const OUTBOX_STATUSES = [
  'pending',
  'sending',
  'sent',
  'delivered',
  'failed',
  'bounced',
  'cancelled',
] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** An outbox row a dispatcher claimed: it alone sends it until `leaseUntil`. */
export interface ClaimedMessage {
  readonly runId: string;
  readonly customerId: string;
  readonly step: string;
  readonly campaignId: string;
  readonly channel: string;
  readonly purpose: string;
  readonly recipient: string;
  readonly content: unknown;
  /** This attempt's number, 1 on the first. */
  readonly attempt: number;
  /** The attempt before this one was claimed and never recorded: the dispatcher stopped mid-send. */
  readonly inDoubt: boolean;
}

/** What became of one claimed message. */
export interface SendOutcome {
  readonly runId: string;
  readonly customerId: string;
  readonly step: string;
  readonly status: 'sent' | 'retry' | 'failed' | 'bounced';
  readonly providerId: string | null;
  readonly reason: string | null;
  /** For `retry`: when to try again. */
  readonly nextAttemptAt: Date | null;
  readonly at: Date;
}

/** A gateway's delivery receipt, kept until it matches the message it names. */
export interface StoredReceipt {
  readonly channel: string;
  readonly providerId: string;
  readonly status: 'delivered' | 'failed';
  readonly reason: string | null;
  readonly at: Date;
}

/** A withdrawal of consent (or its renewal) and where it came from. */
export interface ConsentChange {
  readonly channel: string;
  readonly purpose: string;
  readonly consent: boolean;
  /** `unsubscribe_link`, `sms_stop`, … */
  readonly source: string;
  readonly detail: string | null;
  readonly at: Date;
}

export interface DeadLetter {
  readonly runId: string;
  readonly customerId: string;
  readonly step: string;
  readonly campaignId: string;
  readonly channel: string;
  readonly recipient: string;
  readonly status: 'failed' | 'bounced';
  readonly attempts: number;
  readonly reason: string | null;
  readonly failedAt: string | null;
}

export interface RunDelivery {
  readonly runId: string;
  /** Outbox rows by status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Failed and bounced rows by reason, most frequent first. */
  readonly failures: readonly { readonly reason: string; readonly count: number }[];
  /** Customers of the run who withdrew consent after it sent to them. */
  readonly unsubscribed: number;
  /** Per channel: messages accepted by the gateway and the span they took. */
  readonly channels: readonly {
    readonly channel: string;
    readonly sent: number;
    readonly firstSentAt: string | null;
    readonly lastSentAt: string | null;
    readonly perSecond: number | null;
  }[];
}

/**
 * What the dispatcher needs of the outbox: claims under a lease, outcomes written in batches,
 * receipts matched by the gateway's message id, consent withdrawn with the pending messages it
 * stops, and the dead letters.
 */
export interface DeliveryStore {
  /**
   * Claims up to `limit` due messages of a channel (pending and due, or `sending` whose lease
   * ended) for `claimant` until `leaseUntil`, best first (priority, then send time).
   */
  claimDue(options: {
    readonly channel: string;
    readonly now: Date;
    readonly limit: number;
    readonly claimant: string;
    readonly leaseUntil: Date;
  }): Promise<readonly ClaimedMessage[]>;
  /** Ends the leases of every `sending` message: only when no other dispatcher can be running. */
  expireClaims(now: Date): Promise<number>;
  /**
   * Writes outcomes of messages the claimant still holds, with the delivery status of their
   * contact history rows, in one transaction; returns how many it wrote.
   */
  recordOutcomes(claimant: string, outcomes: readonly SendOutcome[]): Promise<number>;
  /** Stores receipts and applies every stored one whose message is now known. */
  recordReceipts(receipts: readonly StoredReceipt[]): Promise<number>;
  /**
   * Records a consent change for the customers with this contact point (or id) and, when consent
   * is withdrawn, cancels their pending messages of that channel and purpose.
   */
  changeConsent(
    who: { readonly customerId: string } | { readonly channel: string; readonly contactPoint: string },
    change: ConsentChange,
  ): Promise<{ readonly customers: number; readonly cancelled: number }>;
  /** The earliest time a pending message of these channels becomes due; null when none. */
  nextDue(channels: readonly string[]): Promise<Date | null>;
  deadLetters(options: {
    readonly runId?: string | undefined;
    readonly channel?: string | undefined;
    readonly limit: number;
  }): Promise<readonly DeadLetter[]>;
  /** Makes failed (not bounced) messages pending again; returns how many. */
  requeue(options: {
    readonly runId?: string | undefined;
    readonly keys?: readonly { readonly runId: string; readonly customerId: string; readonly step: string }[];
    readonly now: Date;
  }): Promise<number>;
  runDelivery(runId: string): Promise<RunDelivery>;
  /** Outbox rows by channel and status over every run: what each channel has waiting, sent, failed. */
  outboxStatuses(): Promise<
    readonly { readonly channel: string; readonly status: string; readonly count: number }[]
  >;
  /** A workspace setting, created by `create` on first use (secrets such as the unsubscribe key). */
  setting(name: string, create: () => string): Promise<string>;
}

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

// ---------------------------------------------------------------------------------------------
// Accounts, audit, idempotency

export interface StoredUser {
  readonly id: string;
  /** The login name: unique, lower case. */
  readonly name: string;
  readonly displayName: string | null;
  readonly role: Role;
  /** An argon2id hash in PHC string form; never leaves the application. */
  readonly passwordHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly disabledAt: string | null;
}

export interface UserUpdate {
  readonly displayName?: string | null;
  readonly role?: Role;
  readonly passwordHash?: string;
  readonly disabledAt?: string | null;
  readonly updatedAt: string;
}

export interface StoredSession {
  /** SHA-256 (hex) of the session token; the token itself is only in the user's cookie. */
  readonly tokenHash: string;
  readonly userId: string;
  readonly createdAt: string;
  /** Idle expiry, moved forward as the session is used (never past `absoluteExpiresAt`). */
  readonly expiresAt: string;
  readonly absoluteExpiresAt: string;
  readonly revokedAt: string | null;
}

export interface StoredApiKey {
  readonly id: string;
  /** Unique among keys that are not revoked. */
  readonly name: string;
  readonly scope: ApiKeyScope;
  /** The user id of the admin who made it. */
  readonly createdBy: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface AccountStore {
  countUsers(): Promise<number>;
  /** `name_taken` when a user of that name exists (disabled or not). */
  createUser(user: StoredUser): Promise<Result<StoredUser, 'name_taken'>>;
  getUser(id: string): Promise<StoredUser | null>;
  findUserByName(name: string): Promise<StoredUser | null>;
  /** By name. */
  listUsers(): Promise<readonly StoredUser[]>;
  /** The user after the change; null when there is no such user. */
  updateUser(id: string, update: UserUpdate): Promise<StoredUser | null>;

  createSession(session: StoredSession): Promise<void>;
  /** A session that is not revoked and not expired at `now`, with its user. */
  findSession(
    tokenHash: string,
    now: string,
  ): Promise<{ readonly session: StoredSession; readonly user: StoredUser } | null>;
  /** Moves the idle expiry. */
  touchSession(tokenHash: string, expiresAt: string): Promise<void>;
  revokeSession(tokenHash: string, at: string): Promise<void>;
  /** Every live session of a user (password change, disabling, role change); returns how many. */
  revokeUserSessions(userId: string, at: string): Promise<number>;
  /** Deletes sessions that ended (revoked or expired) before `before`; returns how many. */
  removeEndedSessions(before: string): Promise<number>;

  /** `name_taken` when a key of that name is not revoked. */
  createApiKey(key: StoredApiKey & { readonly keyHash: string }): Promise<Result<StoredApiKey, 'name_taken'>>;
  /** A key that is not revoked, by the SHA-256 (hex) of its secret. */
  findApiKey(keyHash: string): Promise<StoredApiKey | null>;
  /** By creation, newest first; revoked ones too. */
  listApiKeys(): Promise<readonly StoredApiKey[]>;
  /** False when there is no such key or it was revoked already. */
  revokeApiKey(id: string, at: string): Promise<boolean>;
  touchApiKey(id: string, at: string): Promise<void>;

  /** A workspace-level secret or marker (the first-start setup token's hash); null when unset. */
  readSetting(name: string): Promise<string | null>;
  /** Sets, or with null removes, a setting. */
  writeSetting(name: string, value: string | null): Promise<void>;
}

export interface AuditTarget {
  readonly type: string;
  readonly id: string;
}

export interface AuditRecord {
  readonly at: string;
  /** The principal's name: a user name, `key:<name>`, or the operator at the CLI. */
  readonly actor: string;
  /** `<thing>.<verb>`, e.g. `campaign.approve`, `user.create`. */
  readonly action: string;
  readonly target: AuditTarget | null;
  /** The thing before and after the change (JSON values; null when it did not exist). */
  readonly before: unknown;
  readonly after: unknown;
}

export interface AuditEntry extends AuditRecord {
  /** 1, 2, 3, … without gaps. */
  readonly seq: number;
  /** The previous entry's hash; 64 zeros for the first. */
  readonly prevHash: string;
  /** SHA-256 over the previous hash and this entry's canonical JSON. */
  readonly hash: string;
}

export interface AuditQuery {
  /** Entries with a smaller seq (paging backwards from the newest). */
  readonly beforeSeq?: number;
  readonly limit: number;
  readonly actor?: string;
  readonly action?: string;
  readonly targetType?: string;
  readonly targetId?: string;
}

export type AuditVerification =
  | { readonly ok: true; readonly entries: number; readonly lastHash: string }
  | { readonly ok: false; readonly entries: number; readonly seq: number; readonly reason: string };

/** Append-only and hash-chained: every entry's hash covers the one before it. */
export interface AuditStore {
  /** Appends one entry at the end of the chain; concurrent appends are serialized. */
  append(record: AuditRecord): Promise<AuditEntry>;
  /** Newest first. */
  list(query: AuditQuery): Promise<readonly AuditEntry[]>;
  /** Recomputes the chain from the first entry and names the first entry that does not match. */
  verify(): Promise<AuditVerification>;
}

export type IdempotencyClaim =
  | { readonly state: 'new' }
  | { readonly state: 'in_progress'; readonly requestHash: string }
  | {
      readonly state: 'done';
      readonly requestHash: string;
      readonly status: number;
      /** The response body as sent, JSON text. */
      readonly body: string;
    };

/** Responses of creating POSTs by `Idempotency-Key`, per caller. */
export interface IdempotencyStore {
  /**
   * Claims `key` for `caller`: `new` when no request used it (it is now `in_progress`), or what
   * the earlier request with that key left.
   */
  claim(options: {
    readonly caller: string;
    readonly key: string;
    readonly requestHash: string;
    readonly at: string;
  }): Promise<IdempotencyClaim>;
  complete(options: {
    readonly caller: string;
    readonly key: string;
    readonly status: number;
    readonly body: string;
  }): Promise<void>;
  /** Forgets a claim whose request failed before it changed anything, so it can be retried. */
  release(options: { readonly caller: string; readonly key: string }): Promise<void>;
  /** Removes keys claimed before `before`; returns how many. */
  expire(before: string): Promise<number>;
}
