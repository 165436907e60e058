import type { RunStep } from '@opencvm/core';

/** The steps a target can leave the run at, after the audience is split. */
export type TargetStep = Extract<
  RunStep,
  'consent' | 'contact_policy' | 'arbitration' | 'render' | 'volume_cap'
>;

/**
 * A target leaving the run at a step, with its outcome (`excluded:no_consent`). A class, so that
 * a step returns either this or its output and the run tells them apart without a wrapper per
 * target; outcomes that never vary are one shared instance each.
 */
export class LeftAt {
  constructor(
    readonly step: TargetStep,
    readonly outcome: string,
  ) {}
}
