import { ADAPTERS } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { chooseOffer, offerEligibility, rankOffers } from '../../../src/campaigns/run/choose-offers.ts';
import { drawControlGroups } from '../../../src/campaigns/run/draw-control-groups.ts';
import { selectAudience } from '../../../src/campaigns/run/select-audience.ts';
import {
  campaignOf,
  customers,
  GOLD,
  importCustomers,
  NOW,
  offerOf,
  schema,
  startRun,
} from './run-fixtures.ts';

const today = '2026-01-15';

describe('the offers of a run', () => {
  it("ranks the campaign's offers valid today for its channel by priority and expected value", () => {
    const campaign = campaignOf({
      offers: ['low', 'high', 'email-only', 'expired', 'later', 'other'],
      channel: 'sms',
    });
    const offers = [
      offerOf({ id: 'low', priority: 100 }),
      offerOf({ id: 'high', priority: 900 }),
      offerOf({ id: 'email-only', priority: 999, channels: ['email'] }),
      offerOf({ id: 'expired', priority: 999, validTo: '2026-01-14' }),
      offerOf({ id: 'later', priority: 999, validFrom: '2026-01-16' }),
      offerOf({ id: 'unlisted', priority: 999 }),
    ];
    expect(rankOffers(campaign, offers, today).map((offer) => offer.id)).toEqual(['high', 'low']);
    expect(chooseOffer(campaign, offers, today)?.id).toBe('high');
    expect(chooseOffer(campaign, offers.slice(2), today)).toBeNull();
  });
});

const rows = customers(40);
const gold = new Set(rows.filter((row) => row.tier === 'gold').map((row) => String(row.id)));
const EVERYONE = { type: 'attribute', attribute: 'city', op: '=', value: 'Berlin' } as const;

for (const adapter of ADAPTERS) {
  describe(`offer eligibility on ${adapter.name}`, () => {
    it('gives each target the best offer they are eligible for, and none to those eligible for none', async () => {
      await using test = await adapter.open(schema);
      const { store } = test;
      await importCustomers(store, rows);
      // No holdout, and a UCG nobody falls in: every member is a target.
      await store.campaigns.saveUcgSettings(
        { salt: 'ucg', share: 0, rotatedAt: '2026-01-01T00:00:00.000Z', history: [] },
        { expectedRotatedAt: null, at: NOW },
      );
      const campaign = campaignOf({ audience: { type: 'rule', rule: EVERYONE }, controlShare: 0 });
      await startRun(store, { runId: 'r1', campaign });
      const audience = await selectAudience({
        store,
        campaign,
        now: NOW,
        timezone: 'Europe/Berlin',
        dryRun: false,
      });
      if (audience === null) throw new Error('no audience');
      const groups = await drawControlGroups({
        store,
        randomId: () => 'unused',
        runId: 'r1',
        campaign,
        query: audience.query,
        now: NOW,
        dryRun: false,
      });
      expect(groups.target).toBe(rows.length);

      const goldOnly = offerOf({ id: 'gold-only', priority: 900, eligibility: { type: 'rule', rule: GOLD } });
      const anyone = offerOf({ id: 'ten-off', priority: 100 });
      const both = await offerEligibility({ store, runId: 'r1', ranked: [goldOnly, anyone], ...audience });
      for (const row of rows) {
        const id = String(row.id);
        expect(both(id)?.id).toBe(gold.has(id) ? 'gold-only' : 'ten-off');
      }
      const only = await offerEligibility({ store, runId: 'r1', ranked: [goldOnly], ...audience });
      for (const row of rows) {
        const id = String(row.id);
        expect(only(id)?.id ?? null).toBe(gold.has(id) ? 'gold-only' : null);
      }
      // An offer for a segment since deleted is offered to no one rather than to everyone.
      const orphan = offerOf({ id: 'orphan', eligibility: { type: 'segment', segment: 'deleted' } });
      const none = await offerEligibility({ store, runId: 'r1', ranked: [orphan], ...audience });
      expect(rows.filter((row) => none(String(row.id)) !== null)).toEqual([]);
    });
  });
}
