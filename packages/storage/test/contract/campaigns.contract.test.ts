import { Campaign, createUcgSettings, Offer, rotateUcg } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';
import { campaignInput, offerInput } from './campaign-fixtures.ts';

/** Offers, campaigns and UCG settings on every adapter: documents round-trip, writes are guarded. */

const schema = testSchema();
const T1 = new Date('2026-01-15T10:00:00.000Z');
const T2 = new Date('2026-01-16T11:30:00.000Z');

const offer = (overrides: Parameters<typeof offerInput>[0] = {}) => Offer.parse(offerInput(overrides));
const campaign = (overrides: Parameters<typeof campaignInput>[0] = {}) =>
  Campaign.parse(campaignInput(overrides));

for (const adapter of ADAPTERS) {
  describe(`campaign store on ${adapter.name}`, () => {
    it('saves, replaces, lists and deletes offers, keeping the first save time', async () => {
      await using test = await adapter.open(schema);
      const offers = test.store.campaigns;
      expect(await offers.getOffer('ten-off')).toBeNull();
      const first = await offers.saveOffer(offer({ validTo: '2026-06-30' }), T1);
      expect(first).toEqual({
        offer: offer({ validTo: '2026-06-30' }),
        createdAt: T1.toISOString(),
        updatedAt: T1.toISOString(),
      });
      expect(first.offer.value).toBe('10');
      await offers.saveOffer(offer({ id: 'bonus', kind: 'bonus' }), T1);
      const replaced = await offers.saveOffer(offer({ name: 'Twelve off', priority: 10 }), T2);
      expect(replaced).toEqual({
        offer: offer({ name: 'Twelve off', priority: 10 }),
        createdAt: T1.toISOString(),
        updatedAt: T2.toISOString(),
      });
      expect((await offers.listOffers()).map((stored) => stored.offer.id)).toEqual(['bonus', 'ten-off']);
      expect(await offers.deleteOffer('bonus')).toBe(true);
      expect(await offers.deleteOffer('bonus')).toBe(false);
      expect((await offers.listOffers()).map((stored) => stored.offer.id)).toEqual(['ten-off']);
    });

    it('creates a campaign at version 1 and refuses a second creation of the same id', async () => {
      await using test = await adapter.open(schema);
      const campaigns = test.store.campaigns;
      const created = await campaigns.saveCampaign(campaign(), { expectedVersion: null, at: T1 });
      expect(created).toEqual({
        ok: true,
        value: { campaign: campaign(), version: 1, createdAt: T1.toISOString(), updatedAt: T1.toISOString() },
      });
      expect(await campaigns.getCampaign('spring-sale')).toEqual(created.ok ? created.value : null);
      expect(
        await campaigns.saveCampaign(campaign({ name: 'Other' }), { expectedVersion: null, at: T2 }),
      ).toEqual({ ok: false, error: { type: 'conflict', expected: null, actual: 1 } });
      expect((await campaigns.getCampaign('spring-sale'))?.campaign.name).toBe('Spring sale');
    });

    it('updates only at the stored version and counts every save', async () => {
      await using test = await adapter.open(schema);
      const campaigns = test.store.campaigns;
      await campaigns.saveCampaign(campaign(), { expectedVersion: null, at: T1 });
      const renamed = await campaigns.saveCampaign(campaign({ name: 'Renamed' }), {
        expectedVersion: 1,
        at: T2,
      });
      expect(renamed.ok && renamed.value).toMatchObject({
        version: 2,
        createdAt: T1.toISOString(),
        updatedAt: T2.toISOString(),
        campaign: { name: 'Renamed' },
      });
      // A writer that read version 1 lost the race: nothing it sends is written.
      expect(
        await campaigns.saveCampaign(campaign({ name: 'Stale' }), { expectedVersion: 1, at: T2 }),
      ).toEqual({ ok: false, error: { type: 'conflict', expected: 1, actual: 2 } });
      expect(
        await campaigns.saveCampaign(campaign({ id: 'missing' }), { expectedVersion: 3, at: T2 }),
      ).toEqual({ ok: false, error: { type: 'conflict', expected: 3, actual: null } });
      expect((await campaigns.getCampaign('spring-sale'))?.campaign.name).toBe('Renamed');
      expect(await campaigns.getCampaign('missing')).toBeNull();
    });

    it('lets exactly one of two concurrent writers of the same version win', async () => {
      await using test = await adapter.open(schema);
      const campaigns = test.store.campaigns;
      await campaigns.saveCampaign(campaign(), { expectedVersion: null, at: T1 });
      const outcomes = await Promise.allSettled(
        ['A', 'B'].map((name) => campaigns.saveCampaign(campaign({ name }), { expectedVersion: 1, at: T2 })),
      );
      // A writer that lost either sees the version moved or, on an engine that detects the
      // collision itself, fails with a conflict; never do both win.
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.ok);
      expect(won).toHaveLength(1);
      expect((await campaigns.getCampaign('spring-sale'))?.version).toBe(2);
    });

    it('keeps the lifecycle fields and filters the list by status', async () => {
      await using test = await adapter.open(schema);
      const campaigns = test.store.campaigns;
      const pending = campaign({
        id: 'b-pending',
        status: 'pending_approval',
        submittedBy: 'alice',
        submittedAt: '2026-01-15T10:00:00.000Z',
        history: [
          {
            action: 'submit',
            from: 'draft',
            to: 'pending_approval',
            by: 'alice',
            at: '2026-01-15T10:00:00.000Z',
          },
        ],
      });
      await campaigns.saveCampaign(campaign({ id: 'c-draft' }), { expectedVersion: null, at: T1 });
      await campaigns.saveCampaign(pending, { expectedVersion: null, at: T1 });
      await campaigns.saveCampaign(campaign({ id: 'a-draft' }), { expectedVersion: null, at: T1 });
      expect((await campaigns.listCampaigns()).map((stored) => stored.campaign.id)).toEqual([
        'a-draft',
        'b-pending',
        'c-draft',
      ]);
      expect(
        (await campaigns.listCampaigns({ status: 'draft' })).map((stored) => stored.campaign.id),
      ).toEqual(['a-draft', 'c-draft']);
      const [found] = await campaigns.listCampaigns({ status: 'pending_approval' });
      expect(found?.campaign).toEqual(pending);
      expect(await campaigns.listCampaigns({ status: 'running' })).toEqual([]);
      const moved = await campaigns.saveCampaign(
        { ...campaign({ id: 'c-draft' }), status: 'draft', name: 'Still a draft' },
        { expectedVersion: 1, at: T2 },
      );
      expect(moved.ok).toBe(true);
      expect((await campaigns.listCampaigns({ status: 'draft' })).map((s) => s.campaign.name)).toEqual([
        'Spring sale',
        'Still a draft',
      ]);
    });

    it('deletes a campaign only at the stored version', async () => {
      await using test = await adapter.open(schema);
      const campaigns = test.store.campaigns;
      await campaigns.saveCampaign(campaign(), { expectedVersion: null, at: T1 });
      expect(await campaigns.deleteCampaign('spring-sale', { expectedVersion: 2 })).toEqual({
        ok: false,
        error: { type: 'conflict', expected: 2, actual: 1 },
      });
      expect(await campaigns.deleteCampaign('spring-sale', { expectedVersion: 1 })).toEqual({
        ok: true,
        value: true,
      });
      expect(await campaigns.deleteCampaign('spring-sale', { expectedVersion: 1 })).toEqual({
        ok: true,
        value: false,
      });
      expect(await campaigns.getCampaign('spring-sale')).toBeNull();
      // The id may be used again, from version 1.
      const again = await campaigns.saveCampaign(campaign(), { expectedVersion: null, at: T2 });
      expect(again.ok && again.value.version).toBe(1);
    });

    it('stores the UCG settings once, then only over the settings they replace', async () => {
      await using test = await adapter.open(schema);
      const campaigns = test.store.campaigns;
      expect(await campaigns.getUcgSettings()).toBeNull();
      const first = createUcgSettings({ salt: 'salt-1', at: T1 });
      expect(await campaigns.saveUcgSettings(first, { expectedRotatedAt: null, at: T1 })).toEqual({
        ok: true,
        value: first,
      });
      const other = createUcgSettings({ salt: 'salt-other', at: T1 });
      expect(await campaigns.saveUcgSettings(other, { expectedRotatedAt: null, at: T1 })).toEqual({
        ok: false,
        error: { type: 'conflict', expected: null, actual: T1.toISOString() },
      });
      const rotated = rotateUcg(first, { newSalt: 'salt-2', at: T2, share: 7.5 });
      if (!rotated.ok) throw new Error('rotation refused');
      expect(
        await campaigns.saveUcgSettings(rotated.value, { expectedRotatedAt: first.rotatedAt, at: T2 }),
      ).toEqual({ ok: true, value: rotated.value });
      expect(await campaigns.getUcgSettings()).toEqual(rotated.value);
      // A second rotation from the same starting point lost the race.
      expect(
        await campaigns.saveUcgSettings(rotated.value, { expectedRotatedAt: first.rotatedAt, at: T2 }),
      ).toEqual({
        ok: false,
        error: { type: 'conflict', expected: first.rotatedAt, actual: T2.toISOString() },
      });
    });
  });
}
