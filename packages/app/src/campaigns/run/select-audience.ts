import type { Campaign, SavedSegment, SegmentQuery, SegmentRule, Store } from '@opencvm/core';

/**
 * Step: the audience. The campaign's rule (inline, or its saved segment's) as a query at the
 * run's moment; a saved segment also gets a snapshot of its members (not on a dry run), as a
 * segment's history shows when campaigns used it. Safe to repeat: a snapshot more is all it adds.
 */

export interface SelectAudienceInput {
  readonly store: Store;
  readonly campaign: Campaign;
  readonly now: Date;
  readonly timezone: string;
  readonly dryRun: boolean;
}

export interface Audience {
  readonly query: SegmentQuery;
  /** The saved segments by id: what the audience and the offers' eligibility may refer to. */
  readonly saved: ReadonlyMap<string, SavedSegment>;
}

/** The run's audience; null when the campaign's audience segment no longer exists. */
export const selectAudience = async (input: SelectAudienceInput): Promise<Audience | null> => {
  const { store, campaign, now } = input;
  const saved = new Map((await store.segments.listSegments()).map((segment) => [segment.id, segment]));
  const rule: SegmentRule | undefined =
    campaign.audience.type === 'rule' ? campaign.audience.rule : saved.get(campaign.audience.segment)?.rule;
  if (rule === undefined) return null;
  const query: SegmentQuery = {
    rule,
    clock: { now, timezone: input.timezone },
    segmentRule: (id) => saved.get(id)?.rule,
  };
  if (campaign.audience.type === 'segment' && !input.dryRun) {
    const segment = saved.get(campaign.audience.segment);
    if (segment !== undefined) {
      await store.segments.snapshot({ segmentId: segment.id, version: segment.version, query, takenAt: now });
    }
  }
  return { query, saved };
};
