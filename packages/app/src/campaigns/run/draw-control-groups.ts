import {
  bucketsOf,
  type Campaign,
  createUcgSettings,
  type SegmentQuery,
  type Store,
  type UcgSettings,
  ucgInForce,
} from '@opencvm/core';

/**
 * Steps: UCG and holdout. The audience is materialized with each member's group in SQL, by the
 * same md5 bucket as core's `assignGroup`: the universal control group (the workspace's, while in
 * force) first, then the campaign's holdout among the rest. UCG and holdout members get their
 * history row (`ucg`, `control`) here, unless it is a dry run. Safe to repeat: the snapshot
 * replaces an earlier attempt's and history rows already written are skipped.
 */

export interface DrawControlGroupsInput {
  readonly store: Store;
  readonly randomId: () => string;
  readonly runId: string;
  readonly campaign: Campaign;
  readonly query: SegmentQuery;
  readonly now: Date;
  readonly dryRun: boolean;
}

/** How many members of the audience each group holds. */
export interface AudienceGroups {
  readonly ucg: number;
  readonly control: number;
  readonly target: number;
}

/** The workspace's UCG settings, drawn on first use as the campaign use cases do (one draw wins). */
const ucgSettingsOf = async (input: DrawControlGroupsInput): Promise<UcgSettings> => {
  const { campaigns } = input.store;
  const current = await campaigns.getUcgSettings();
  if (current !== null) return current;
  const at = input.now;
  const created = await campaigns.saveUcgSettings(createUcgSettings({ salt: input.randomId(), at }), {
    expectedRotatedAt: null,
    at,
  });
  if (created.ok) return created.value;
  const winner = await campaigns.getUcgSettings();
  if (winner === null) throw new Error('UCG settings vanished after a concurrent first use');
  return winner;
};

export const drawControlGroups = async (input: DrawControlGroupsInput): Promise<AudienceGroups> => {
  const { store, campaign, now } = input;
  const ucg = ucgInForce(await ucgSettingsOf(input), now);
  const groups = await store.runs.snapshotAudience({
    runId: input.runId,
    query: input.query,
    ucg: { salt: ucg?.salt ?? 'no-ucg', buckets: ucg === null ? 0 : bucketsOf(ucg.share) },
    // The campaign's own salt: stable across its runs, never the UCG's (that one is random).
    holdout: { salt: `campaign:${campaign.id}`, buckets: bucketsOf(campaign.controlShare) },
  });
  if (!input.dryRun) {
    await store.runs.recordGroups({
      runId: input.runId,
      campaignId: campaign.id,
      channel: campaign.channel,
      at: now,
    });
  }
  return groups;
};
