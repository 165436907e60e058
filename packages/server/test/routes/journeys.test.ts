import { createApp } from '@opencvm/app';
import { ADAPTERS, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/create-server.ts';
import { signedInClient } from '../test-server.ts';

const schema = testSchema();

const journeyBody = (overrides: Record<string, unknown> = {}) => ({
  id: 'cart-rescue',
  name: 'Cart rescue',
  entry: { type: 'event', eventType: 'visit', where: [{ attribute: 'page', op: '=', value: 'cart' }] },
  start: 'nudge',
  nodes: [
    {
      id: 'nudge',
      type: 'send',
      channel: 'sms',
      offer: 'ten-off',
      content: { type: 'sms', locales: { en: { text: '{{ offer.name }}' } } },
      next: 'wait',
    },
    { id: 'wait', type: 'wait', wait: { type: 'duration', duration: { hours: 4 } }, next: 'done' },
    { id: 'done', type: 'exit' },
  ],
  holdoutShare: 0,
  goal: { eventType: 'purchase', kpi: 'revenue', attributionDays: 7 },
  priority: 200,
  purpose: 'marketing',
  ...overrides,
});

const openServer = async (adapter: (typeof ADAPTERS)[number]) => {
  const test = await adapter.open(schema);
  let now = new Date('2026-01-15T10:00:00Z');
  const app = await createApp({ store: test.store, schema }, { clock: () => now });
  const server = signedInClient(createServer(app, { version: '0.0.0-test' }).server, app);
  const send = (method: string, path: string, options: { body?: unknown; user?: string } = {}) =>
    server.request(path, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.user === undefined ? {} : { 'x-cvm-user': options.user }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
  const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();
  return {
    app,
    store: test.store,
    send,
    json,
    get: (path: string) => json(send('GET', path)),
    as: (user: string) => ({
      post: (path: string, body?: unknown) => send('POST', path, { body, user }),
      put: (path: string, body: unknown) => send('PUT', path, { body, user }),
    }),
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    now: () => now,
    [Symbol.asyncDispose]: () => test[Symbol.asyncDispose](),
  };
};

for (const adapter of ADAPTERS) {
  describe(`journeys API on ${adapter.name}`, () => {
    it('saves drafts with their issues per node and refuses to submit one that has any', async () => {
      await using api = await openServer(adapter);
      const alice = api.as('alice');
      expect((await alice.post('/v1/offers', offerInput())).status).toBe(201);
      const draft = await alice.post(
        '/v1/journeys',
        journeyBody({ start: undefined, nodes: [{ id: 'lonely', type: 'send', channel: 'sms' }] }),
      );
      expect(draft.status).toBe(201);
      const saved = await api.json(draft);
      expect(saved).toMatchObject({ version: 1, journey: { status: 'draft', createdBy: 'alice' } });
      expect(saved.issues).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: 'start' }),
          expect.objectContaining({ node: 'lonely', message: 'a send needs content' }),
        ]),
      );
      const refused = await alice.post('/v1/journeys/cart-rescue/submit');
      expect(refused.status).toBe(409);
      expect(await api.json(refused)).toMatchObject({ error: { code: 'conflict' } });
      const bad = await alice.post('/v1/journeys', {
        ...journeyBody({ id: 'x' }),
        nodes: [{ id: 'a', type: 'teleport' }],
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await api.json(bad))).toContain('nodes[0].type');
      const smuggled = await alice.post('/v1/journeys', { ...journeyBody({ id: 'y' }), status: 'running' });
      expect(smuggled.status).toBe(400);

      const fixed = await alice.put('/v1/journeys/cart-rescue', { ...journeyBody(), version: 1 });
      expect(fixed.status).toBe(200);
      expect(await api.json(fixed)).toMatchObject({ version: 2, issues: [] });
      const stale = await alice.put('/v1/journeys/cart-rescue', { ...journeyBody(), version: 1 });
      expect(stale.status).toBe(409);
    });

    it('runs the lifecycle with a second approver, acts on events posted to the API, and shows funnel, results and entries', async () => {
      await using api = await openServer(adapter);
      const alice = api.as('alice');
      const bob = api.as('bob');
      expect((await alice.post('/v1/offers', offerInput({ cooldownDays: 0 }))).status).toBe(201);
      expect((await alice.post('/v1/journeys', journeyBody())).status).toBe(201);
      expect((await alice.post('/v1/journeys/cart-rescue/submit')).status).toBe(200);
      expect((await alice.post('/v1/journeys/cart-rescue/approve')).status).toBe(403);
      expect((await bob.post('/v1/journeys/cart-rescue/approve')).status).toBe(200);
      const started = await api.json(bob.post('/v1/journeys/cart-rescue/start'));
      expect(started.journey.status).toBe('running');

      const customers = ['k1', 'k2', 'k3'].map((id, index) => ({
        id,
        msisdn: `+4917000000${index}`,
        consent_sms_marketing: true,
        city: 'Bonn',
      }));
      expect((await api.send('POST', '/v1/customers:batch', { body: customers })).status).toBe(200);
      const at = api.now().toISOString();
      const events = ['k1', 'k2', 'k3'].map((id) => ({
        id: `e-${id}`,
        customer_id: id,
        type: 'visit',
        ts: at,
        page: 'cart',
      }));
      expect((await api.send('POST', '/v1/events:batch', { body: events })).status).toBe(200);

      const funnel = await api.get('/v1/journeys/cart-rescue/funnel');
      const ucgCount = funnel.entered.ucg;
      expect(funnel.entered.treated + ucgCount).toBe(3);
      expect(funnel.nodes.find((node: { node: string }) => node.node === 'wait')).toMatchObject({
        here: funnel.entered.treated,
      });
      const treated = (
        await Promise.all(
          ['k1', 'k2', 'k3'].map(async (id) => ({
            id,
            entries: (await api.get(`/v1/customers/${id}/journeys`)).items,
          })),
        )
      ).filter(({ entries }) => entries[0]?.group === 'treated');
      expect(treated[0]?.entries[0]).toMatchObject({
        journeyId: 'cart-rescue',
        journeyName: 'Cart rescue',
        status: 'active',
        position: { node: 'wait' },
      });

      api.advance(5 * 3_600_000);
      await api.app.journeyRuntime.tick();
      const after = await api.get('/v1/journeys/cart-rescue/funnel');
      expect(after).toMatchObject({ active: 0, left: { completed: funnel.entered.treated } });
      const results = await api.get('/v1/journeys/cart-rescue/results');
      expect(results).toMatchObject({ journeyId: 'cart-rescue', kpi: 'revenue', attributionDays: 7 });
      expect(results.arms.target.n).toBe(funnel.entered.treated);
      expect((await api.send('GET', '/v1/journeys/cart-rescue/results?byNode=nowhere')).status).toBe(400);

      const stopped = await api.json(bob.post('/v1/journeys/cart-rescue/stop'));
      expect(stopped.journey.status).toBe('stopped');
      expect((await alice.put('/v1/journeys/cart-rescue', journeyBody())).status).toBe(409);
    });

    it('lists the gallery with what each scenario needs, and makes a draft from one that fits', async () => {
      await using api = await openServer(adapter);
      const gallery = await api.get('/v1/journey-templates');
      expect(gallery.items.map((item: { key: string }) => item.key)).toEqual([
        'welcome-series',
        'topup-upsell',
        'win-back',
        'payment-rescue',
      ]);
      // The test workspace is a shop: the telecom scenarios name events it does not have.
      const upsell = gallery.items.find((item: { key: string }) => item.key === 'topup-upsell');
      expect(upsell.available).toBe(false);
      expect(JSON.stringify(upsell.issues)).toContain('topup');
      const refused = await api.as('alice').post('/v1/journey-templates/topup-upsell', { id: 'mine' });
      expect(refused.status).toBe(409);
      expect((await api.as('alice').post('/v1/journey-templates/nope', { id: 'mine' })).status).toBe(404);
    });

    it('describes every journey route in the OpenAPI document', async () => {
      await using api = await openServer(adapter);
      const document = await api.get('/openapi.json');
      for (const path of [
        '/v1/journeys',
        '/v1/journeys/{id}',
        '/v1/journeys/{id}/funnel',
        '/v1/journeys/{id}/results',
        '/v1/customers/{id}/journeys',
        '/v1/journey-templates',
      ]) {
        expect(Object.keys(document.paths)).toContain(path);
      }
    });
  });
}
