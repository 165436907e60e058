import { z } from 'zod';
import { err, ok, type Result } from '../result.ts';
import { bucketOf } from '../segments/bucket.ts';

/**
 * Deterministic control groups. A customer's group depends only on a salt and the customer id
 * (`bucketOf`: md5 of `salt:customerId`, mod 10000), so a run, a rerun, the stores' SQL and the
 * measurement all agree on it without storing a draw.
 *
 * Shares are percentages with at most two decimals (5 = 5%, 12.34 = 12.34%), the same unit as
 * the segment rule's `sample.percent`: a share of p% is buckets 0 … p×100−1.
 */

/** Share of all customers kept out of marketing when a workspace does not say otherwise. */
export const DEFAULT_UCG_SHARE = 5;

const SHARE_MESSAGE = 'must be a percentage from 0 to 100 with at most two decimals';

export const SharePercent = z
  .number({ error: SHARE_MESSAGE })
  .min(0, SHARE_MESSAGE)
  .max(100, SHARE_MESSAGE)
  .refine((share) => Math.abs(Math.round(share * 100) - share * 100) < 1e-9, SHARE_MESSAGE);
export type SharePercent = z.infer<typeof SharePercent>;

/** A salt and the share of customers it selects: the UCG's, or one campaign's holdout. */
export const GroupSplit = z.strictObject({
  salt: z.string().min(1, 'must not be empty'),
  share: SharePercent,
});
export type GroupSplit = z.infer<typeof GroupSplit>;

/** Buckets a share selects; rounded because 0.29 × 100 is 28.999999999999996 in floating point. */
export const bucketsOf = (share: number): number => Math.round(share * 100);

const isInSplit = (customerId: string, split: GroupSplit): boolean =>
  bucketOf(split.salt, customerId) < bucketsOf(split.share);

// ---------------------------------------------------------------------------------------------
// Universal control group

/** A salt that was in force from `from` (inclusive) to `to` (exclusive), ISO instants. */
export const UcgPeriod = z.strictObject({
  salt: z.string().min(1, 'must not be empty'),
  share: SharePercent,
  from: z.iso.datetime(),
  to: z.iso.datetime(),
});
export type UcgPeriod = z.infer<typeof UcgPeriod>;

/**
 * The workspace's universal control group: the salt and share in force since `rotatedAt`, and
 * every earlier salt with its period, so that the program effect of a past period is measured
 * against the group that was really held out then.
 */
export const UcgSettings = z.strictObject({
  salt: z.string().min(1, 'must not be empty'),
  share: SharePercent.default(DEFAULT_UCG_SHARE),
  rotatedAt: z.iso.datetime(),
  history: z.array(UcgPeriod).default([]),
});
export type UcgSettings = z.infer<typeof UcgSettings>;

/** First settings of a workspace; the salt is random, so the caller draws it (randomness is injected). */
export const createUcgSettings = (options: {
  readonly salt: string;
  readonly at: Date;
  readonly share?: number | undefined;
}): UcgSettings => ({
  salt: options.salt,
  share: options.share ?? DEFAULT_UCG_SHARE,
  rotatedAt: options.at.toISOString(),
  history: [],
});

export type UcgRotationError =
  | { readonly type: 'salt_reused'; readonly salt: string }
  | { readonly type: 'rotation_out_of_order'; readonly rotatedAt: string };

/**
 * Draws a new UCG from `newSalt` as of `at`, recording the previous salt with its period. The
 * share may change in the same step; it changes nowhere else, so each period's group is on
 * record. A salt used before is refused: it would silently bring back a group that has since
 * been contacted.
 */
export const rotateUcg = (
  settings: UcgSettings,
  options: { readonly newSalt: string; readonly at: Date; readonly share?: number | undefined },
): Result<UcgSettings, UcgRotationError> => {
  const { newSalt, at } = options;
  if (newSalt === settings.salt || settings.history.some((period) => period.salt === newSalt)) {
    return err({ type: 'salt_reused', salt: newSalt });
  }
  if (at.getTime() <= Date.parse(settings.rotatedAt)) {
    return err({ type: 'rotation_out_of_order', rotatedAt: settings.rotatedAt });
  }
  const to = at.toISOString();
  return ok({
    salt: newSalt,
    share: options.share ?? settings.share,
    rotatedAt: to,
    history: [
      ...settings.history,
      { salt: settings.salt, share: settings.share, from: settings.rotatedAt, to },
    ],
  });
};

/** The UCG split in force at an instant, or null before the first one was drawn. */
export const ucgInForce = (settings: UcgSettings, at: Date): GroupSplit | null => {
  const instant = at.getTime();
  if (instant >= Date.parse(settings.rotatedAt)) return { salt: settings.salt, share: settings.share };
  const period = settings.history.find(
    (candidate) => instant >= Date.parse(candidate.from) && instant < Date.parse(candidate.to),
  );
  return period === undefined ? null : { salt: period.salt, share: period.share };
};

/** Whether marketing must leave the customer alone to measure the program as a whole. */
export const isInUcg = (customerId: string, ucg: GroupSplit): boolean => isInSplit(customerId, ucg);

// ---------------------------------------------------------------------------------------------
// Campaign holdout

export const AssignmentGroup = z.enum(['ucg', 'control', 'target']);
export type AssignmentGroup = z.infer<typeof AssignmentGroup>;

/**
 * UCG first, then the campaign's holdout decided by the campaign's own salt: the holdout share
 * among the customers left after the UCG is the nominal share, whatever the UCG share. With the
 * UCG's salt both groups would come from the same buckets (a holdout no bigger than the UCG would
 * be empty), so sharing it is refused as a bug.
 */
export const assignGroup = (
  customerId: string,
  options: { readonly ucg: GroupSplit; readonly holdout: GroupSplit },
): AssignmentGroup => {
  const { ucg, holdout } = options;
  if (holdout.salt === ucg.salt) throw new Error('a campaign holdout must not use the UCG salt');
  if (isInSplit(customerId, ucg)) return 'ucg';
  return isInSplit(customerId, holdout) ? 'control' : 'target';
};
