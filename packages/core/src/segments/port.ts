import type { StaleWrite } from '../campaigns/port.ts';
import type { NormalizedRow } from '../import/records.ts';
import type { Result } from '../result.ts';
import type { RfmConfig } from './features.ts';
import type { RuleClock } from './rule-time.ts';
import type { SegmentDefinition, SegmentRule } from './segment-rule.ts';

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
