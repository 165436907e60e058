import { Campaign, type NormalizedRow, Offer } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { likePrefix, msisdnOf } from '../../src/customers/customer-search.ts';
import { ADAPTERS, campaignInput, offerInput, testSchema } from './adapters.ts';

/** Finding customers and reading their contact history, on every adapter. */

const NOW = new Date('2026-01-15T10:00:00.000Z');
const schema = testSchema();

const CUSTOMERS: NormalizedRow[] = [
  { id: 'c1', msisdn: '+491511234567', email: 'ann@example.com', tier: 'gold', city: 'Berlin', locale: 'de' },
  { id: 'c10', msisdn: '+491700000010', email: null, tier: 'silver', city: null, locale: null },
  { id: 'c2', msisdn: null, email: 'bob@example.com', tier: null, city: 'Hamburg', locale: 'en' },
  { id: 'c_1', msisdn: null, email: null, tier: 'bronze', city: null, locale: null },
  { id: 'd1', msisdn: '+4930123', email: 'c1@example.com', tier: null, city: null, locale: null },
];

const present = new Set(['id', 'msisdn', 'email', 'tier', 'city', 'locale']);

describe('search text', () => {
  it('escapes LIKE wildcards and normalizes phone numbers as the importer does', () => {
    expect(likePrefix('c_1%')).toBe('c\\_1\\%%');
    expect(likePrefix('a\\b')).toBe('a\\\\b%');
    expect(msisdnOf('+49 (151) 123-4567')).toBe('+491511234567');
    expect(msisdnOf('491511234567')).toBe('+491511234567');
    expect(msisdnOf('12345')).toBeNull();
    expect(msisdnOf('c1')).toBeNull();
  });
});

for (const adapter of ADAPTERS) {
  describe(`customer search on ${adapter.name}`, () => {
    it('finds customers by id prefix, exact msisdn or e-mail in any case, in id order', async () => {
      await using test = await adapter.open(schema);
      await test.store.importRows('customers', CUSTOMERS, present);
      const search = (text: string, contactPoints = true, limit = 10) =>
        test.store.customers.search({ text, contactPoints, limit }).then((found) => found.map((c) => c.id));

      expect(await search('c1')).toEqual(['c1', 'c10']);
      expect(await search('c')).toEqual(['c1', 'c10', 'c2', 'c_1']);
      // `_` is a character of the id, not a wildcard.
      expect(await search('c_')).toEqual(['c_1']);
      expect(await search('%')).toEqual([]);
      expect(await search('+49 151 123-4567')).toEqual(['c1']);
      expect(await search('491700000010')).toEqual(['c10']);
      // A number is matched exactly, never by prefix.
      expect(await search('+49151')).toEqual([]);
      expect(await search('BOB@Example.COM')).toEqual(['c2']);
      expect(await search('c1@example.com')).toEqual(['d1']);
      expect(await search('nobody@example.com')).toEqual([]);
      expect(await search('c', true, 2)).toEqual(['c1', 'c10']);
      expect(await search('')).toEqual([]);
      // Without contact points, only ids are matched.
      expect(await search('bob@example.com', false)).toEqual([]);
      expect(await search('+491511234567', false)).toEqual([]);
      expect(await search('c1', false)).toEqual(['c1', 'c10']);
    });

    it('answers contact points, locale and the first declared attributes', async () => {
      await using test = await adapter.open(schema);
      await test.store.importRows('customers', CUSTOMERS, present);
      const [c1] = await test.store.customers.search({ text: 'c1', contactPoints: true, limit: 1 });
      expect(c1).toEqual({
        id: 'c1',
        msisdn: '+491511234567',
        email: 'ann@example.com',
        locale: 'de',
        attributes: { tier: 'gold', birth_date: null, score: null, visits: null },
      });
    });

    it('lists a customer’s contact history newest first, with campaign and offer names', async () => {
      await using test = await adapter.open(schema);
      await test.store.importRows('customers', CUSTOMERS, present);
      await test.store.campaigns.saveOffer(Offer.parse(offerInput()), NOW);
      const saved = await test.store.campaigns.saveCampaign(Campaign.parse(campaignInput()), {
        expectedVersion: null,
        at: NOW,
      });
      expect(saved.ok).toBe(true);
      const runs = test.store.runs;
      const write = async (runId: string, campaignId: string, at: Date, outcome: string) => {
        await runs.startRun({
          id: runId,
          campaignId,
          campaignVersion: 1,
          startedAt: at,
          dryRun: false,
          dueAt: null,
        });
        await runs.writeOutcomes({
          runId,
          campaignId,
          channel: 'sms',
          purpose: 'marketing',
          at,
          history: [
            {
              customerId: 'c1',
              outcome,
              offerId: outcome === 'queued' ? 'ten-off' : null,
              sendAt: outcome === 'queued' ? at.toISOString() : null,
            },
            { customerId: 'c2', outcome: 'excluded:no_consent', offerId: null, sendAt: null },
          ],
          outbox: [],
        });
      };
      await write('r1', 'spring-sale', new Date('2026-01-10T09:00:00.000Z'), 'queued');
      await write('r2', 'gone-campaign', new Date('2026-01-12T09:00:00.000Z'), 'excluded:stop_list');

      const contacts = await test.store.customers.contacts('c1', { limit: 10 });
      expect(contacts).toEqual([
        {
          runId: 'r2',
          campaignId: 'gone-campaign',
          campaignName: null,
          offerId: null,
          offerName: null,
          channel: 'sms',
          outcome: 'excluded:stop_list',
          deliveryStatus: null,
          deliveryAt: null,
          sendAt: null,
          recordedAt: '2026-01-12T09:00:00.000Z',
        },
        {
          runId: 'r1',
          campaignId: 'spring-sale',
          campaignName: 'Spring sale',
          offerId: 'ten-off',
          offerName: '10% off the next purchase',
          channel: 'sms',
          outcome: 'queued',
          deliveryStatus: null,
          deliveryAt: null,
          sendAt: '2026-01-10T09:00:00.000Z',
          recordedAt: '2026-01-10T09:00:00.000Z',
        },
      ]);
      expect(await test.store.customers.contacts('c1', { limit: 1 })).toHaveLength(1);
      expect(await test.store.customers.contacts('d1', { limit: 10 })).toEqual([]);
    });
  });
}
