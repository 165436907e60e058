import type { CampaignInput, OfferInput } from '@opencvm/core';

/** An offer of the test workspace, as a body or a file would give it. */
export const offerInput = (overrides: Partial<OfferInput> = {}): OfferInput => ({
  id: 'ten-off',
  name: '10% off the next purchase',
  kind: 'discount',
  validFrom: '2026-01-01',
  value: '10.00',
  cost: '4',
  expectedValue: '2.5',
  priority: 500,
  cooldownDays: 30,
  channels: ['sms', 'email'],
  ...overrides,
});

/** A draft campaign of the test workspace sending `ten-off` by SMS to recent buyers. */
export const campaignInput = (overrides: Partial<CampaignInput> = {}): CampaignInput => ({
  id: 'spring-sale',
  name: 'Spring sale',
  audience: {
    type: 'rule',
    rule: { type: 'activity', eventType: 'purchase', window: { days: 30 }, done: true },
  },
  offers: ['ten-off'],
  channel: 'sms',
  content: { type: 'sms', locales: { en: { text: 'Hello {{ customer.city }}: {{ offer.name }}' } } },
  schedule: { type: 'once', at: '2026-03-01T09:00:00Z' },
  goal: { eventType: 'purchase', kpi: 'conversion' },
  priority: 500,
  purpose: 'marketing',
  createdBy: 'alice',
  ...overrides,
});
