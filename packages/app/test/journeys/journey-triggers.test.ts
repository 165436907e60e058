import { ContactPolicy, isInUcg, type JourneyInput, type NormalizedRow, ucgInForce } from '@opencvm/core';
import { ADAPTERS, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/create-app.ts';

/**
 * The triggers no single request announces — inactivity, a date, a segment's members — and the
 * limits on entering: a daily cap, a window, re-entry after N days. Each fires at its moment, as
 * the clock passes it, over a real store.
 */

const schema = testSchema();
const START = new Date('2026-01-15T10:00:00.000Z');
const DAY = 86_400_000;

type Definition = Omit<JourneyInput, 'createdBy'>;

const sms = { type: 'sms' as const, locales: { en: { text: 'We miss you' } } };

const journeyOf = (entry: Definition['entry'], overrides: Partial<Definition> = {}): Definition => ({
  id: 'trigger',
  name: 'Trigger',
  entry,
  start: 'hello',
  nodes: [
    { id: 'hello', type: 'send', channel: 'sms', content: sms, next: 'done' },
    { id: 'done', type: 'exit' },
  ],
  reEntry: { mode: 'every_time' },
  holdoutShare: 0,
  goal: { eventType: 'purchase', kpi: 'conversion' },
  priority: 100,
  purpose: 'service',
  ...overrides,
});

const customer = (id: string, extra: Record<string, unknown> = {}): NormalizedRow => ({
  id,
  msisdn: `+49170${id.replace(/\D/g, '').padStart(7, '0')}`,
  consent_sms_service: true,
  consent_sms_marketing: true,
  ...extra,
});

const purchase = (customerId: string, at: Date): NormalizedRow => ({
  id: `p-${customerId}-${at.getTime()}`,
  customer_id: customerId,
  type: 'purchase',
  ts: at.toISOString(),
  amount: '10.00',
  currency: 'EUR',
  sku: 'x',
  qty: 1,
});

for (const adapter of ADAPTERS) {
  describe(`journey triggers on ${adapter.name}`, () => {
    const world = async (rows: NormalizedRow[], history: NormalizedRow[] = []) => {
      let now = START;
      const test = await adapter.open(schema, () => now);
      const app = await createApp(
        { store: test.store, schema },
        { clock: () => now, contactPolicy: ContactPolicy.parse({}) },
      );
      const present = new Set(rows.flatMap((row) => Object.keys(row)));
      await test.store.importRows('customers', rows, present);
      if (history.length > 0)
        await test.store.importRows('events', history, new Set(Object.keys(history[0] ?? {})));
      const offer = await app.campaigns.createOffer(offerInput());
      if (!offer.ok) throw new Error(JSON.stringify(offer.error));
      return {
        app,
        store: test.store,
        at: (when: Date) => {
          now = when;
        },
        async start(journey: Definition) {
          const created = await app.journeys.create(journey, { by: 'alice' });
          if (!created.ok) throw new Error(JSON.stringify(created.error));
          expect(created.value.issues).toEqual([]);
          for (const [action, by] of [
            ['submit', 'alice'],
            ['approve', 'bob'],
            ['start', 'bob'],
          ] as const) {
            const moved = await app.journeys.act(journey.id, action, { by });
            if (!moved.ok) throw new Error(JSON.stringify(moved.error));
          }
        },
        async send(events: NormalizedRow[]) {
          const result = await app.importBatch({ kind: 'events', body: events, atomic: true });
          if (!result.ok) throw new Error(JSON.stringify(result.error));
        },
        entered: async (id: string) => (await app.journeys.entries(id)).length,
        [Symbol.asyncDispose]: () => test[Symbol.asyncDispose](),
      };
    };

    it('enters a customer the moment N days without the event pass; a new event moves that moment', async () => {
      await using w = await world(
        [customer('a1'), customer('b2'), customer('c3')],
        [
          purchase('a1', new Date(START.getTime() - 10 * DAY)),
          purchase('b2', new Date(START.getTime() - 10 * DAY)),
          // Silent for 40 days already when the journey starts: that moment has passed.
          purchase('c3', new Date(START.getTime() - 40 * DAY)),
        ],
      );
      await w.start(journeyOf({ type: 'inactivity', eventType: 'purchase', days: 30 }));
      w.at(new Date(START.getTime() + 5 * DAY));
      await w.send([purchase('a1', new Date(START.getTime() + 5 * DAY))]);
      w.at(new Date(START.getTime() + 20 * DAY - 1));
      await w.app.journeyRuntime.tick();
      expect([await w.entered('a1'), await w.entered('b2'), await w.entered('c3')]).toEqual([0, 0, 0]);
      w.at(new Date(START.getTime() + 20 * DAY));
      await w.app.journeyRuntime.tick();
      expect([await w.entered('a1'), await w.entered('b2'), await w.entered('c3')]).toEqual([0, 1, 0]);
      w.at(new Date(START.getTime() + 35 * DAY));
      await w.app.journeyRuntime.tick();
      expect([await w.entered('a1'), await w.entered('b2'), await w.entered('c3')]).toEqual([1, 1, 0]);
      // Fired once: ticking again adds nothing.
      await w.app.journeyRuntime.tick();
      expect((await w.store.journeys.funnel('trigger')).entered.treated).toBe(2);
    });

    it('enters on a yearly date at the local time in each customer’s own zone', async () => {
      await using w = await world([
        customer('berlin1', { birth_date: '1990-01-16' }),
        customer('tokyo2', { birth_date: '1985-01-16', timezone: 'Asia/Tokyo' }),
        customer('other3', { birth_date: '1990-02-16' }),
      ]);
      await w.start(
        journeyOf({ type: 'date', attribute: 'birth_date', offsetDays: 0, at: '10:00', yearly: true }),
      );
      // 10:00 on 16 January in Tokyo is 01:00 UTC; in Berlin 09:00 UTC.
      w.at(new Date('2026-01-16T00:59:59Z'));
      await w.app.journeyRuntime.tick();
      expect(await w.entered('tokyo2')).toBe(0);
      w.at(new Date('2026-01-16T01:00:00Z'));
      await w.app.journeyRuntime.tick();
      expect([await w.entered('tokyo2'), await w.entered('berlin1')]).toEqual([1, 0]);
      w.at(new Date('2026-01-16T09:00:00Z'));
      await w.app.journeyRuntime.tick();
      expect([await w.entered('tokyo2'), await w.entered('berlin1'), await w.entered('other3')]).toEqual([
        1, 1, 0,
      ]);
    });

    it('enters those who join a saved segment, on their next event or at the sweep, not those in it at the start', async () => {
      await using w = await world([
        customer('v1', { vip: true }),
        customer('n2', { vip: false }),
        customer('n3', { vip: false }),
      ]);
      const saved = await w.store.segments.saveSegment(
        { id: 'vips', name: 'VIPs', rule: { type: 'attribute', attribute: 'vip', op: '=', value: true } },
        START,
      );
      expect(saved.ok).toBe(true);
      await w.start(journeyOf({ type: 'segment', segment: 'vips', on: 'entry' }));
      w.at(new Date(START.getTime() + 60_000));
      await w.store.importRows(
        'customers',
        [customer('n2', { vip: true }), customer('n3', { vip: true })],
        new Set(['id', 'vip', 'msisdn', 'consent_sms_service', 'consent_sms_marketing']),
      );
      await w.send([purchase('n2', new Date(START.getTime() + 60_000))]);
      expect([await w.entered('v1'), await w.entered('n2'), await w.entered('n3')]).toEqual([0, 1, 0]);
      await w.app.journeyRuntime.sweep();
      expect([await w.entered('v1'), await w.entered('n2'), await w.entered('n3')]).toEqual([0, 1, 1]);
    });

    it('holds entries to the daily cap and the window, and lets a customer back in only after N days', async () => {
      const ids = ['d1', 'd2', 'd3', 'd4', 'd5'];
      await using w = await world(ids.map((id) => customer(id)));
      await w.start(
        journeyOf(
          { type: 'event', eventType: 'purchase' },
          {
            dailyCap: 2,
            reEntry: { mode: 'after', days: 7 },
            window: { to: new Date(START.getTime() + 30 * DAY).toISOString() },
          },
        ),
      );
      const day1 = new Date(START.getTime() + 60_000);
      w.at(day1);
      await w.send(ids.map((id) => purchase(id, day1)));
      const funnel = await w.store.journeys.funnel('trigger');
      const ucg = ucgInForce(
        (await w.store.campaigns.getUcgSettings()) ?? {
          salt: 's',
          share: 0,
          rotatedAt: START.toISOString(),
          history: [],
        },
        START,
      );
      expect(ucg === null || ids.every((id) => !isInUcg(id, ucg))).toBe(true);
      expect(funnel.entered.treated).toBe(2);
      const first = (
        await Promise.all(ids.map(async (id) => ((await w.entered(id)) > 0 ? id : null)))
      ).filter((id) => id !== null);
      // The next day there is room again; those already in come back only after 7 days.
      const day2 = new Date(START.getTime() + DAY + 60_000);
      w.at(day2);
      await w.send(ids.map((id) => purchase(id, day2)));
      expect((await w.store.journeys.funnel('trigger')).entered.treated).toBe(4);
      for (const id of first) expect(await w.entered(id)).toBe(1);
      const day9 = new Date(START.getTime() + 9 * DAY);
      w.at(day9);
      await w.send(first.map((id) => purchase(id, day9)));
      for (const id of first) expect(await w.entered(id)).toBe(2);
      // After the window, nobody enters.
      const late = new Date(START.getTime() + 31 * DAY);
      w.at(late);
      await w.send(ids.map((id) => purchase(id, late)));
      expect((await w.store.journeys.funnel('trigger')).entered.treated).toBe(6);
    });
  });
}
