import type { WorkspaceSchema } from '../workspace/workspace-schema.ts';
import type { SegmentRule } from './segment-rule.ts';

/**
 * Computed per-customer features that rules use by name. RFM is computed by `cvm features refresh`
 * over the events of `features.rfm.eventTypes` in the last `windowDays` days:
 * - recency: days since the last such event, ⌊(now − ts) / 24 h⌋; frequency: their count;
 *   monetary: the sum of their amounts (empty amounts count as 0).
 * - scores 1–5 by quintile of rank among the customers with at least one such event:
 *   score = 1 + ⌊5 × (rank − 1) / customers⌋, where rank is SQL's RANK() (equal values share the
 *   lowest rank, hence the same score). Frequency and monetary rank ascending; recency ranks by
 *   days descending, so the most recent customers score 5.
 * - rfm_score = R × 100 + F × 10 + M (e.g. 545).
 * Customers without such events have no RFM values: conditions on them are false.
 */
export const FEATURES = {
  rfm_recency_days: { type: 'integer', description: 'Days since the last purchase-like event' },
  rfm_frequency: { type: 'integer', description: 'Purchase-like events in the RFM window' },
  rfm_monetary: { type: 'money', description: 'Amount of purchase-like events in the RFM window' },
  rfm_r: { type: 'integer', description: 'Recency score 1–5 (5 = most recent)' },
  rfm_f: { type: 'integer', description: 'Frequency score 1–5 (5 = most frequent)' },
  rfm_m: { type: 'integer', description: 'Monetary score 1–5 (5 = highest spend)' },
  rfm_score: { type: 'integer', description: 'R × 100 + F × 10 + M' },
} as const;
export type FeatureName = keyof typeof FEATURES;
export const FEATURE_NAMES = Object.keys(FEATURES) as readonly string[];

export const isFeatureName = (name: string): name is FeatureName => Object.hasOwn(FEATURES, name);

export interface RfmConfig {
  readonly eventTypes: readonly string[];
  readonly windowDays: number;
}

/** The RFM settings in force: the schema's, or every event type with an amount over 365 days. */
export const rfmConfig = (schema: WorkspaceSchema): RfmConfig => ({
  eventTypes:
    schema.features.rfm.eventTypes ??
    Object.entries(schema.events)
      .filter(([, definition]) => definition.amount)
      .map(([type]) => type),
  windowDays: schema.features.rfm.windowDays,
});

const score = (feature: 'rfm_r' | 'rfm_f' | 'rfm_m', op: '>=' | '<=' | '=', value: number): SegmentRule => ({
  type: 'feature',
  feature,
  op,
  value,
});

const champions: SegmentRule = {
  type: 'and',
  rules: [score('rfm_r', '>=', 4), score('rfm_f', '>=', 4), score('rfm_m', '>=', 4)],
};

/**
 * The classic RFM segments as ready rules; they do not overlap. They need `cvm features refresh`
 * to have run.
 */
export const RFM_PRESETS: Readonly<Record<string, { readonly name: string; readonly rule: SegmentRule }>> = {
  champions: { name: 'Champions', rule: champions },
  loyal: {
    name: 'Loyal',
    rule: {
      type: 'and',
      rules: [score('rfm_r', '>=', 3), score('rfm_f', '>=', 4), { type: 'not', rule: champions }],
    },
  },
  new: { name: 'New', rule: { type: 'and', rules: [score('rfm_r', '=', 5), score('rfm_f', '=', 1)] } },
  at_risk: {
    name: 'At risk',
    rule: { type: 'and', rules: [score('rfm_r', '<=', 2), score('rfm_f', '>=', 3)] },
  },
  hibernating: {
    name: 'Hibernating',
    rule: { type: 'and', rules: [score('rfm_r', '=', 2), score('rfm_f', '<=', 2)] },
  },
  lost: { name: 'Lost', rule: { type: 'and', rules: [score('rfm_r', '=', 1), score('rfm_f', '<=', 2)] } },
};
