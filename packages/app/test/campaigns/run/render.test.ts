import type { RunCandidate } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import type { Contactable } from '../../../src/campaigns/run/apply-policy.ts';
import { LeftAt } from '../../../src/campaigns/run/left-at.ts';
import { contentColumns, createRenderer } from '../../../src/campaigns/run/render.ts';
import { campaignOf, candidateOf, NOW, offerOf, schema } from './run-fixtures.ts';

const campaign = campaignOf({
  content: {
    type: 'sms',
    locales: {
      en: { text: 'Hello {{ customer.city }}: {{ offer.name }}' },
      de: { text: 'Hallo {{ customer.city }}: {{ offer.name }}' },
    },
  },
});
const offer = offerOf();
const contactable = (candidate: RunCandidate): Contactable => ({
  candidate,
  offer,
  recipient: '+491700000001',
  zone: 'Europe/Berlin',
  sendAt: NOW,
});

describe('the render step', () => {
  it('reads the targets with the customer columns the content names', () => {
    expect(contentColumns(campaign, schema)).toEqual(['city']);
  });

  it("renders in the customer's locale, the workspace's when they have none, with their values and the offer", () => {
    const render = createRenderer({ campaign, fallbackLocale: 'en' });
    const berlin = { city: 'Berlin' };
    expect(render(contactable(candidateOf({ locale: 'de', attributes: berlin })))).toMatchObject({
      type: 'sms',
      locale: 'de',
      text: 'Hallo Berlin: 10% off the next purchase',
    });
    expect(render(contactable(candidateOf({ locale: null, attributes: { city: 'Bonn' } })))).toMatchObject({
      locale: 'en',
      text: 'Hello Bonn: 10% off the next purchase',
    });
    // Customers alike share one render.
    const first = render(contactable(candidateOf({ customerId: 'c-1', locale: 'de', attributes: berlin })));
    const second = render(contactable(candidateOf({ customerId: 'c-2', locale: 'de', attributes: berlin })));
    expect(second).toBe(first);
  });

  it('leaves out a customer whose message cannot be rendered, not the run', () => {
    const broken = {
      ...campaign,
      content: { type: 'sms' as const, locales: { en: { text: '{% nonsense %}' } } },
    };
    const result = createRenderer({ campaign: broken, fallbackLocale: 'en' })(contactable(candidateOf()));
    expect(result).toBeInstanceOf(LeftAt);
    expect(result).toMatchObject({ step: 'render', outcome: 'excluded:render_failed' });
  });
});
