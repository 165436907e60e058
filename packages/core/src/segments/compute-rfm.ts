import type { NormalizedRow } from '../import/records.ts';
import { moneyText, moneyUnits } from './evaluate-quantities.ts';
import { instantOrNull, text } from './evaluate-segment.ts';
import type { RfmConfig } from './features.ts';
import { type RuleClock, windowRange } from './rule-time.ts';

const DAY_MS = 86_400_000;

/** RFM scores the plain way, for the reference evaluator and the stores' tests. */

export type RfmValues = {
  readonly rfm_recency_days: number;
  readonly rfm_frequency: number;
  /** Decimal text, as amounts are stored. */
  readonly rfm_monetary: string;
  readonly rfm_r: number;
  readonly rfm_f: number;
  readonly rfm_m: number;
  readonly rfm_score: number;
};

/**
 * Quintile score from SQL's RANK(): 1 + the number of customers strictly before, so ties share
 * the lowest rank; score = 1 + ⌊5 × (rank − 1) / customers⌋.
 */
const scores = <T>(values: readonly T[], before: (other: T, value: T) => boolean): number[] =>
  values.map((value) => {
    const rank = 1 + values.filter((other) => before(other, value)).length;
    return 1 + Math.floor((5 * (rank - 1)) / values.length);
  });

/** RFM features exactly as features.ts defines them: the reference for the stores' refresh. */
export const computeRfm = (
  events: readonly NormalizedRow[],
  config: RfmConfig,
  clock: RuleClock,
): Map<string, RfmValues> => {
  const range = windowRange({ days: config.windowDays }, clock);
  const from = instantOrNull(range.from);
  const atOrBefore = Date.parse(range.atOrBefore);
  const types = new Set(config.eventTypes);
  const totals = new Map<string, { last: number; count: number; units: bigint }>();
  for (const row of events) {
    const type = text(row.type, 'event type');
    const ts = Date.parse(text(row.ts, 'event ts'));
    if (!types.has(type) || ts > atOrBefore || (from !== null && ts < from)) continue;
    const customerId = text(row.customer_id, 'event customer_id');
    const amount = row.amount;
    const units = amount === undefined || amount === null ? 0n : moneyUnits(text(amount, 'amount'));
    const total = totals.get(customerId);
    if (total) {
      total.last = Math.max(total.last, ts);
      total.count += 1;
      total.units += units;
    } else {
      totals.set(customerId, { last: ts, count: 1, units });
    }
  }
  const customers = [...totals].map(([id, total]) => ({
    id,
    days: Math.floor((clock.now.getTime() - total.last) / DAY_MS),
    count: total.count,
    units: total.units,
  }));
  const r = scores(customers, (other, value) => other.days > value.days);
  const f = scores(customers, (other, value) => other.count < value.count);
  const m = scores(customers, (other, value) => other.units < value.units);
  const result = new Map<string, RfmValues>();
  customers.forEach((customer, index) => {
    const rfmR = r[index] ?? 0;
    const rfmF = f[index] ?? 0;
    const rfmM = m[index] ?? 0;
    result.set(customer.id, {
      rfm_recency_days: customer.days,
      rfm_frequency: customer.count,
      rfm_monetary: moneyText(customer.units),
      rfm_r: rfmR,
      rfm_f: rfmF,
      rfm_m: rfmM,
      rfm_score: rfmR * 100 + rfmF * 10 + rfmM,
    });
  });
  return result;
};
