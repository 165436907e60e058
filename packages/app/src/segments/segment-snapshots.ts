import {
  err,
  ok,
  type Result,
  type SegmentSnapshot,
  type SegmentVersion,
  SNAPSHOT_MEMBERS_KEPT,
} from '@opencvm/core';
import { invalid, type SegmentError } from './segment-error.ts';
import type { SegmentDeps, SegmentRules } from './segment-rules.ts';

export const MAX_CHANGE_IDS = 10_000;

/** A segment's history: its definition's versions, its membership snapshots and who entered or left. */
export const segmentSnapshots = (deps: SegmentDeps, rules: SegmentRules) => {
  const segments = deps.store.segments;
  return {
    async versions(id: string): Promise<Result<readonly SegmentVersion[], SegmentError>> {
      const found = await segments.getSegment(id);
      if (found === null) return err({ type: 'not_found', message: `no segment "${id}"` });
      return ok(await segments.segmentVersions(id));
    },

    async snapshot(id: string): Promise<Result<SegmentSnapshot, SegmentError>> {
      const resolved = await rules.resolve({ segment: id });
      if (!resolved.ok) return resolved;
      const segment = resolved.value.segment;
      if (segment === null) return err({ type: 'not_found', message: `no segment "${id}"` });
      const query = rules.queryOf(segment.rule, resolved.value.saved);
      return ok(
        await segments.snapshot({ segmentId: id, version: segment.version, query, takenAt: query.clock.now }),
      );
    },

    async snapshots(id: string, limit = 50): Promise<Result<readonly SegmentSnapshot[], SegmentError>> {
      if ((await segments.getSegment(id)) === null)
        return err({ type: 'not_found', message: `no segment "${id}"` });
      return ok(await segments.listSnapshots(id, limit));
    },

    async changes(
      snapshotId: string,
      limit = 100,
    ): Promise<
      Result<{ readonly entered: readonly string[]; readonly left: readonly string[] }, SegmentError>
    > {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CHANGE_IDS) {
        return err(invalid('limit', `must be an integer from 1 to ${MAX_CHANGE_IDS}`));
      }
      const changes = await segments.snapshotChanges(snapshotId, { limit });
      switch (changes.type) {
        case 'unknown_snapshot':
          return err({ type: 'not_found', message: `no snapshot "${snapshotId}"` });
        case 'members_pruned':
          return err({
            type: 'not_found',
            message: `snapshot "${snapshotId}" is older than the latest ${SNAPSHOT_MEMBERS_KEPT}, whose member lists alone are kept; its entered/left counts remain in the size history`,
          });
        case 'changes':
          return ok({ entered: changes.entered, left: changes.left });
      }
    },
  };
};
