import { z } from 'zod';

/**
 * The funnel of a campaign run: how many customers each step received and how many left it, by
 * outcome. Every audience member lands in exactly one outcome, so the `left` of all steps plus
 * `queued` is the audience.
 */

/** The run's steps, in order (see `run-campaign.ts` in the app). */
export const RUN_STEPS = [
  'audience',
  'ucg',
  'holdout',
  'consent',
  'contact_policy',
  'arbitration',
  'render',
  'volume_cap',
  'outbox',
] as const;
export type RunStep = (typeof RUN_STEPS)[number];

const Count = z.number().int().min(0);

export const FunnelStep = z.strictObject({
  step: z.enum(RUN_STEPS),
  entered: Count,
  left: Count,
  /** Outcome → customers who left with it (`excluded:no_consent`: 12). */
  reasons: z.record(z.string(), Count),
});
export type FunnelStep = z.infer<typeof FunnelStep>;

export const RunFunnel = z.strictObject({
  audience: Count,
  steps: z.array(FunnelStep),
  queued: Count,
});
export type RunFunnel = z.infer<typeof RunFunnel>;

/** Counts outcomes step by step; `leave` records a customer leaving the current step. */
export class FunnelCounter {
  private readonly counts = new Map<RunStep, Map<string, number>>();

  constructor(private readonly audience: number) {}

  leave(step: RunStep, outcome: string, customers = 1): void {
    let reasons = this.counts.get(step);
    if (reasons === undefined) {
      reasons = new Map();
      this.counts.set(step, reasons);
    }
    reasons.set(outcome, (reasons.get(outcome) ?? 0) + customers);
  }

  /** The funnel; `queued` are those that went through every step. */
  funnel(): RunFunnel {
    let remaining = this.audience;
    const steps: FunnelStep[] = [];
    for (const step of RUN_STEPS) {
      if (step === 'audience' || step === 'outbox') continue;
      const reasons = Object.fromEntries([...(this.counts.get(step) ?? new Map<string, number>())].sort());
      const left = Object.values(reasons).reduce((sum, n) => sum + n, 0);
      steps.push({ step, entered: remaining, left, reasons });
      remaining -= left;
    }
    return { audience: this.audience, steps, queued: remaining };
  }
}
