import { z } from 'zod';
import { MONEY_SCALE } from '../import/records.ts';
import { parseMoney } from '../money/money.ts';
import type { ContactOutcome } from './contact-history.ts';

/**
 * When a customer qualifies for several campaigns in the same window, one wins: the highest
 * priority × expected value. Ties go to the higher priority (the business's own ranking), then to
 * the smaller campaign id by code units, so the winner never depends on the order candidates
 * arrive in. Money is compared exactly, as integers of 10^-MONEY_SCALE units, never as floats.
 */

export const ArbitrationCandidate = z.strictObject({
  campaignId: z.string().min(1, 'must not be empty'),
  priority: z
    .number({ error: 'must be a whole number, 0 or more' })
    .int('must be a whole number, 0 or more')
    .min(0, 'must be a whole number, 0 or more'),
  /** Expected value of contacting the customer, as decimal money text such as "125.50". */
  expectedValue: z.string().refine((text) => parseMoney(text).ok, 'must be a decimal amount such as 125.50'),
});
export type ArbitrationCandidate = z.infer<typeof ArbitrationCandidate>;

export const ARBITRATION_OUTCOME = 'suppressed:arbitration' satisfies ContactOutcome;

export interface Arbitration<C extends ArbitrationCandidate> {
  readonly winner: C;
  /** Every other candidate, best first. */
  readonly losers: readonly { readonly candidate: C; readonly outcome: typeof ARBITRATION_OUTCOME }[];
}

const UNITS = 10n ** BigInt(MONEY_SCALE);

/** Expected value in 10^-MONEY_SCALE units; malformed money is a bug, since candidates are parsed first. */
const moneyUnits = (text: string): bigint => {
  const parsed = parseMoney(text);
  if (!parsed.ok) throw new Error(`expected value ${JSON.stringify(text)}: ${parsed.error}`);
  const negative = parsed.value.startsWith('-');
  const [whole = '0', fraction = ''] = parsed.value.replace('-', '').split('.');
  const units = BigInt(whole) * UNITS + BigInt(fraction.padEnd(MONEY_SCALE, '0'));
  return negative ? -units : units;
};

/** priority × expected value, exactly, in 10^-MONEY_SCALE units. */
export const arbitrationScore = (candidate: ArbitrationCandidate): bigint =>
  BigInt(candidate.priority) * moneyUnits(candidate.expectedValue);

const byRank = (
  a: { readonly score: bigint; readonly candidate: ArbitrationCandidate },
  b: { readonly score: bigint; readonly candidate: ArbitrationCandidate },
): number => {
  if (a.score !== b.score) return a.score > b.score ? -1 : 1;
  if (a.candidate.priority !== b.candidate.priority) return b.candidate.priority - a.candidate.priority;
  if (a.candidate.campaignId === b.candidate.campaignId) return 0;
  return a.candidate.campaignId < b.candidate.campaignId ? -1 : 1;
};

/** The winner and the suppressed rest; null when there is nothing to choose from. */
export const arbitrate = <C extends ArbitrationCandidate>(
  candidates: readonly C[],
): Arbitration<C> | null => {
  const ids = new Set(candidates.map((candidate) => candidate.campaignId));
  // Two entries for one campaign would make the outcome depend on input order.
  if (ids.size !== candidates.length) throw new Error('arbitration candidates must be one per campaign');
  const [first, ...rest] = candidates
    .map((candidate) => ({ candidate, score: arbitrationScore(candidate) }))
    .sort(byRank);
  if (first === undefined) return null;
  return {
    winner: first.candidate,
    losers: rest.map(({ candidate }) => ({ candidate, outcome: ARBITRATION_OUTCOME })),
  };
};
