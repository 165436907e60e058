import {
  Campaign,
  type CampaignInput,
  type NormalizedRow,
  Offer,
  type OfferInput,
  type QueuedContact,
  type RunCandidate,
  type Store,
} from '@opencvm/core';
import { campaignInput, offerInput, testSchema } from '@opencvm/storage/testing';

/** Plain values for the run's steps: a campaign, offers and targets of the test workspace. */

export const schema = testSchema();
export const NOW = new Date('2026-01-15T10:00:00.000Z');

export const campaignOf = (overrides: Partial<CampaignInput> = {}): Campaign =>
  Campaign.parse(campaignInput(overrides));

export const offerOf = (overrides: Partial<OfferInput> = {}): Offer => Offer.parse(offerInput(overrides));

export const candidateOf = (overrides: Partial<RunCandidate> = {}): RunCandidate => ({
  customerId: 'c-1',
  consent: true,
  contactPoint: '+491700000001',
  timezone: null,
  locale: null,
  stopListed: false,
  attributes: {},
  history: [],
  ...overrides,
});

/** A message of another run already queued or sent for the customer. */
export const contactOf = (overrides: Partial<QueuedContact> = {}): QueuedContact => ({
  at: NOW,
  channel: 'sms',
  offerId: 'other-offer',
  campaignId: 'other-campaign',
  priority: 500,
  expectedValue: '2.5',
  runId: 'other-run',
  step: 'message',
  pending: true,
  ...overrides,
});

/** `n` customers c-0000…, every fourth of tier gold, the rest silver. */
export const customers = (n: number): NormalizedRow[] =>
  Array.from({ length: n }, (_, index) => ({
    id: `c-${String(index).padStart(4, '0')}`,
    tier: index % 4 === 0 ? 'gold' : 'silver',
    city: 'Berlin',
    msisdn: `+4917000${String(index).padStart(4, '0')}`,
    consent_sms_marketing: true,
  }));

export const importCustomers = async (store: Store, rows: readonly NormalizedRow[]): Promise<void> => {
  await store.importRows('customers', rows, new Set(Object.keys(rows[0] ?? {})));
};

export const GOLD = { type: 'attribute', attribute: 'tier', op: '=', value: 'gold' } as const;

/** Starts run `runId` of the campaign, as the workflow's first step does. */
export const startRun = async (
  store: Store,
  options: { readonly runId: string; readonly campaign: Campaign; readonly dryRun?: boolean },
): Promise<void> => {
  await store.runs.startRun({
    id: options.runId,
    campaignId: options.campaign.id,
    campaignVersion: 1,
    startedAt: NOW,
    dryRun: options.dryRun ?? false,
    dueAt: null,
  });
};
