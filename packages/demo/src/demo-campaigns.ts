import type { ResultsService } from '@opencvm/app';
import type { AuditTarget, CampaignTemplateKey } from '@opencvm/core';
import { PRODUCT_PRICE_KOPECKS, type Product } from './demo-catalog.ts';
import { type DemoRandom, draw, weighted } from './demo-random.ts';
import { twoDigits } from './demo-time.ts';

/**
 * Finished sample campaigns for the demo, so that a first start shows measured results and not
 * only a base. Each is made through the real use cases, at its own moments in the demo's past
 * (every service gets a clock set to the moment it acts):
 *
 *   gallery scenario → a one-off schedule → submitted by the analyst → approved and started by
 *   the lead (maker–checker) → run at its due time (UCG, holdout, consent, contact policy, outbox)
 *   → outbox dispatched as a gateway would have taken it (claimed, then sent or failed)
 *   → customers' responses imported as events → completed after the attribution window.
 *
 * The responses are the one thing made up: a customer the message reached (sent to a customer who
 * still paid for something after the run) does the goal within the window with `responseRate`, on
 * top of whatever the generated history already has them do; the holdout gets nothing. So one
 * campaign shows a real, modest lift and one (`responseRate` 0) an honest null. Every draw comes
 * from the seed and the customer id, so the same seed and day give the same results.
 */

/** Who makes the demo campaigns and who approves them: approval needs a second person. */
export const DEMO_ANALYST = 'anna.smirnova';
export const DEMO_LEAD = 'dmitry.volkov';

/** One change the demo made, in the shape the audit log keeps (as the HTTP routes and CLI do). */
export interface DemoChange {
  readonly action: string;
  readonly target: AuditTarget | null;
  readonly before: unknown;
  readonly after: unknown;
}

export interface DemoCampaign {
  readonly id: string;
  readonly template: CampaignTemplateKey;
  /** The scenario's channel (SMS) when absent. */
  readonly channel?: 'sms' | 'push';
  /** The run is due at the scenario's first scheduled time after this many days before today. */
  readonly daysBefore: number;
  /** The chance that a customer the message reached does the goal because of it. */
  readonly responseRate: number;
  /** A response's own fields (amount, attributes) beside id, customer, type and time. */
  readonly response: (rng: DemoRandom) => Readonly<Record<string, string>>;
}

const money = (kopecks: number): string => `${Math.floor(kopecks / 100)}.${twoDigits(kopecks % 100)}`;

const WIN_BACK_PRODUCT = weighted<Product>([
  ['data_5gb', 40],
  ['data_20gb', 20],
  ['music', 15],
  ['tv', 15],
  ['extra_minutes', 10],
]);
const TOPUP_KOPECKS = weighted<number>([
  [20_000, 30],
  [30_000, 30],
  [50_000, 30],
  [100_000, 10],
]);

/** In time order: each run sees the contact history (caps, cooldowns) the earlier ones left. */
export const DEMO_CAMPAIGNS: readonly DemoCampaign[] = [
  {
    id: 'demo-win-back',
    template: 'win-back',
    daysBefore: 64,
    responseRate: 0.05,
    response: (rng) => {
      // What the offer gives: 30% off the next add-on.
      const product = draw(rng, WIN_BACK_PRODUCT);
      return { amount: money(Math.round(PRODUCT_PRICE_KOPECKS[product] * 0.7)), currency: 'RUB', product };
    },
  },
  {
    id: 'demo-churn-prevention',
    template: 'churn-prevention',
    channel: 'push',
    daysBefore: 57,
    // A gift nobody changed their habits for: the result must say "no effect", honestly.
    responseRate: 0,
    response: () => ({ mb: '512.0' }),
  },
  {
    id: 'demo-topup-reminder',
    template: 'topup-reminder',
    // A real effect on few: most of this audience has left (no top-up for a month), so its
    // revenue lift is positive but may well fall short of significance.
    daysBefore: 36,
    responseRate: 0.25,
    response: (rng) => ({ amount: money(draw(rng, TOPUP_KOPECKS)), currency: 'RUB', topup_channel: 'app' }),
  },
];

/** What the demo holds of one campaign. */
export interface DemoCampaignOutcome {
  readonly campaignId: string;
  readonly name: string;
  readonly runId: string;
  /** Messages the run queued; of them sent, and failed (numbers no longer in service). */
  readonly queued: number;
  readonly sent: number;
  readonly failed: number;
  /** Goal events added; null for a campaign an earlier call made. */
  readonly responses: number | null;
  /** False when it was complete already (a later start) or left alone (someone stopped it). */
  readonly made: boolean;
}

export type DemoCampaignsResult =
  | { readonly type: 'made'; readonly campaigns: readonly DemoCampaignOutcome[] }
  /** The workspace lacks what the scenarios need (not the demo schema): nothing was made. */
  | { readonly type: 'skipped'; readonly reason: string };

/**
 * One line per demo campaign: the lift in its goal's measure with the 95% interval, as the
 * results use case computes it (conversion and retention in points, revenue per customer).
 */
export const demoResultLines = async (
  results: ResultsService,
  campaigns: readonly DemoCampaignOutcome[],
  currency: string,
): Promise<readonly string[]> => {
  const lines: string[] = [];
  for (const campaign of campaigns) {
    const found = await results.campaignResults(campaign.campaignId);
    if (!found.ok) continue;
    const { kpi } = found.value;
    const metric = found.value.metrics[kpi];
    const test = metric?.test;
    if (metric === undefined || test === undefined || test.lift === null || test.ci === null) continue;
    const signed = (value: number, digits: number) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
    const format = (value: number) =>
      metric.kind === 'rate' ? `${signed(value * 100, 1)} pts` : `${signed(value, 2)} ${currency}`;
    const verdict = test.pValue !== null && test.pValue < 0.05 ? '' : ', not significant';
    lines.push(
      `  ${campaign.name}: ${kpi}${metric.kind === 'rate' ? '' : ' per customer'} ${format(test.lift)} (95% CI ${format(test.ci[0])} to ${format(test.ci[1])})${verdict}`,
    );
  }
  return lines;
};
