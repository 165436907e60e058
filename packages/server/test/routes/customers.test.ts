import { createApp } from '@opencvm/app';
import { Campaign, type NormalizedRow, Offer, type Role } from '@opencvm/core';
import { ADAPTERS, campaignInput, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/create-server.ts';
import { sessionHeaders } from '../test-server.ts';

const schema = testSchema();
const NOW = new Date('2026-01-15T10:00:00.000Z');

const CUSTOMERS: NormalizedRow[] = [
  { id: 'anna', msisdn: '+4917012345678', email: 'anna@example.com', tier: 'gold', score: 9, city: 'Köln' },
  { id: 'anton', msisdn: '+4917000000001', email: null, tier: 'silver', score: 5, city: 'Berlin' },
  { id: 'bert', msisdn: null, email: 'bert@example.com', tier: 'bronze', score: 7, city: 'Berlin' },
];

const openServer = async (adapter: (typeof ADAPTERS)[number]) => {
  const test = await adapter.open(schema);
  const app = await createApp({ store: test.store, schema }, { clock: () => NOW });
  await test.store.importRows('customers', CUSTOMERS, new Set(Object.keys(CUSTOMERS[0] ?? {})));
  const { server } = createServer(app, { version: '0.0.0-test' });
  const sessions = new Map<string, Promise<Record<string, string>>>();
  const get = async (path: string, role: Role = 'admin') => {
    let session = sessions.get(role);
    if (session === undefined) {
      session = sessionHeaders(app, `${role}-user`, role);
      sessions.set(role, session);
    }
    return server.request(path, { headers: await session });
  };
  return { app, store: test.store, get, [Symbol.asyncDispose]: () => test[Symbol.asyncDispose]() };
};

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
const json = async (response: Response): Promise<any> => response.json();
const ids = async (response: Response): Promise<string[]> =>
  (await json(response)).items.map((item: { id: string }) => item.id);

for (const adapter of ADAPTERS) {
  describe(`customer API on ${adapter.name}`, () => {
    it('finds customers by id prefix, phone number and e-mail, a page at a time', async () => {
      await using api = await openServer(adapter);
      const byPrefix = await api.get('/v1/customers?q=an');
      expect(byPrefix.status).toBe(200);
      expect(await json(byPrefix)).toEqual({
        items: [
          {
            id: 'anna',
            msisdn: '+4917012345678',
            email: 'anna@example.com',
            locale: null,
            attributes: { tier: 'gold', birth_date: null, score: 9, visits: null },
          },
          {
            id: 'anton',
            msisdn: '+4917000000001',
            email: null,
            locale: null,
            attributes: { tier: 'silver', birth_date: null, score: 5, visits: null },
          },
        ],
        nextCursor: null,
      });
      expect(await ids(await api.get(`/v1/customers?q=${encodeURIComponent('+49 170 12345678')}`))).toEqual([
        'anna',
      ]);
      expect(await ids(await api.get('/v1/customers?q=BERT%40example.com'))).toEqual(['bert']);
      expect(await ids(await api.get('/v1/customers?q=zed'))).toEqual([]);

      const first = await json(await api.get('/v1/customers?q=a&limit=1'));
      expect(first.items.map((item: { id: string }) => item.id)).toEqual(['anna']);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await json(await api.get(`/v1/customers?q=a&limit=1&cursor=${first.nextCursor}`));
      expect(second).toMatchObject({ items: [{ id: 'anton' }], nextCursor: null });

      const empty = await api.get('/v1/customers?q=');
      expect(empty.status).toBe(400);
      expect((await json(empty)).error).toMatchObject({ code: 'invalid_body', path: 'q' });
      expect((await api.get('/v1/customers')).status).toBe(400);
      expect((await api.get(`/v1/customers?q=${'x'.repeat(321)}`)).status).toBe(400);
    });

    it('masks contact points for analysts and finds customers for them by id only', async () => {
      await using api = await openServer(adapter);
      const found = await json(await api.get('/v1/customers?q=anna', 'analyst'));
      expect(found.items).toHaveLength(1);
      const [anna] = found.items;
      expect(anna.id).toBe('anna');
      expect(anna.msisdn).not.toBe('+4917012345678');
      expect(anna.msisdn).toMatch(/\*/);
      expect(anna.email).not.toBe('anna@example.com');
      expect(anna.email).toMatch(/\*/);
      // A phone number or address would tell them whose it is: not matched for masked callers.
      expect(await ids(await api.get('/v1/customers?q=%2B4917012345678', 'analyst'))).toEqual([]);
      expect(await ids(await api.get('/v1/customers?q=anna%40example.com', 'analyst'))).toEqual([]);
      expect(await ids(await api.get('/v1/customers?q=anna%40example.com', 'marketer'))).toEqual(['anna']);
    });

    it('tells which saved segments a customer is in, ranking segments included', async () => {
      await using api = await openServer(adapter);
      const save = async (id: string, rule: unknown) => {
        const saved = await api.app.segments.save({ id, name: `Segment ${id}`, rule }, 'create');
        expect(saved.ok).toBe(true);
      };
      await save('berliners', { type: 'attribute', attribute: 'city', op: '=', value: 'Berlin' });
      await save('best', { type: 'top', n: 1, by: { type: 'attribute', attribute: 'score' } });
      await save('gold-or-best', {
        type: 'or',
        rules: [
          { type: 'attribute', attribute: 'tier', op: '=', value: 'gold' },
          { type: 'segment', segment: 'best' },
        ],
      });
      const membership = async (id: string) =>
        Object.fromEntries(
          (await json(await api.get(`/v1/customers/${id}/segments`))).items.map(
            (item: { id: string; member: boolean }) => [item.id, item.member],
          ),
        );
      expect(await membership('anna')).toEqual({ berliners: false, best: true, 'gold-or-best': true });
      expect(await membership('bert')).toEqual({ berliners: true, best: false, 'gold-or-best': false });
      const answer = await json(await api.get('/v1/customers/anton/segments', 'analyst'));
      expect(answer.items[0]).toEqual({
        id: 'berliners',
        name: 'Segment berliners',
        description: null,
        member: true,
        issue: null,
      });
      expect((await api.get('/v1/customers/nobody/segments')).status).toBe(404);
    });

    it('lists a customer’s contact history with campaign, offer, outcome and delivery', async () => {
      await using api = await openServer(adapter);
      const store = api.store;
      await store.campaigns.saveOffer(Offer.parse(offerInput()), NOW);
      await store.campaigns.saveCampaign(Campaign.parse(campaignInput()), { expectedVersion: null, at: NOW });
      await store.runs.startRun({
        id: 'r1',
        campaignId: 'spring-sale',
        campaignVersion: 1,
        startedAt: NOW,
        dryRun: false,
        dueAt: null,
      });
      await store.runs.writeOutcomes({
        runId: 'r1',
        campaignId: 'spring-sale',
        channel: 'sms',
        purpose: 'marketing',
        at: NOW,
        history: [{ customerId: 'anna', outcome: 'queued', offerId: 'ten-off', sendAt: NOW.toISOString() }],
        outbox: [],
      });
      const answer = await api.get('/v1/customers/anna/contacts');
      expect(answer.status).toBe(200);
      expect(await json(answer)).toEqual({
        items: [
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
            sendAt: NOW.toISOString(),
            recordedAt: NOW.toISOString(),
          },
        ],
        nextCursor: null,
      });
      expect((await json(await api.get('/v1/customers/bert/contacts'))).items).toEqual([]);
      expect((await api.get('/v1/customers/nobody/contacts')).status).toBe(404);
      expect((await api.get('/v1/customers/anna/contacts?limit=0')).status).toBe(400);
    });
  });
}
