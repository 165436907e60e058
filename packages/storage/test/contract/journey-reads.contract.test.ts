import type { NormalizedRow, SegmentRule } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';
import { leftEntry, message, NO_CHANGES, NOW, waitingEntry } from './journey-fixtures.ts';

/** What journeys read and measure on every adapter: triggers, candidates, segments, funnel, outcomes. */

const schema = testSchema();
const exact = (decimal: string) => (decimal.includes('.') ? decimal.replace(/\.?0+$/, '') : decimal);
const day = 86_400_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);
const segment = (rule: SegmentRule) => ({
  rule,
  clock: { now: NOW, timezone: 'Europe/Berlin' },
  segmentRule: () => undefined,
});
const customers: NormalizedRow[] = [
  {
    id: 'c1',
    tier: 'gold',
    birth_date: '1990-01-16',
    city: 'Berlin',
    msisdn: '+4917001',
    consent_sms_marketing: true,
    timezone: 'Asia/Tokyo',
  },
  {
    id: 'c2',
    tier: 'silver',
    birth_date: '1988-02-29',
    city: 'Bonn',
    msisdn: null,
    consent_sms_marketing: false,
  },
  { id: 'c3', tier: 'gold', birth_date: '2000-03-01', city: null, msisdn: '+4917003' },
  {
    id: 'c4',
    tier: 'bronze',
    birth_date: null,
    city: 'Köln',
    msisdn: '+4917004',
    consent_sms_marketing: true,
  },
];
const events: NormalizedRow[] = [
  {
    id: 'p1',
    customer_id: 'c1',
    type: 'purchase',
    ts: '2026-01-16T09:00:00.000Z',
    amount: '10.50',
    currency: 'EUR',
    sku: 'A',
    qty: 1,
  },
  {
    id: 'p2',
    customer_id: 'c1',
    type: 'purchase',
    ts: '2026-01-18T09:00:00.000Z',
    amount: '4.25',
    currency: 'EUR',
    sku: 'B',
    qty: 2,
  },
  // After c1's window of 7 days: not counted.
  {
    id: 'p3',
    customer_id: 'c1',
    type: 'purchase',
    ts: '2026-01-25T09:00:00.000Z',
    amount: '100',
    currency: 'EUR',
    sku: 'A',
    qty: 1,
  },
  {
    id: 'p4',
    customer_id: 'c2',
    type: 'purchase',
    ts: '2026-01-17T09:00:00.000Z',
    amount: '20',
    currency: 'EUR',
    sku: 'C',
    qty: 1,
  },
  { id: 'v1', customer_id: 'c3', type: 'visit', ts: '2026-01-16T12:00:00.000Z', page: '/home' },
  { id: 'v2', customer_id: 'c3', type: 'visit', ts: '2026-01-10T12:00:00.000Z', page: '/old' },
  { id: 'v3', customer_id: 'c4', type: 'visit', ts: '2025-12-01T12:00:00.000Z', page: '/gone' },
];

const load = async (store: Awaited<ReturnType<(typeof ADAPTERS)[number]['open']>>['store']) => {
  await store.importRows('customers', customers, new Set(Object.keys(customers[0] ?? {})));
  const present = new Set(events.flatMap((row) => Object.keys(row)));
  await store.importRows('events', events, present);
};

for (const adapter of ADAPTERS) {
  describe(`journey reads on ${adapter.name}`, () => {
    it('schedules triggers, keeping or replacing one per customer, and claims them under a lease', async () => {
      await using test = await adapter.open(schema);
      const { journeys } = test.store;
      const trigger = (customerId: string, key: string, ms: number) => ({
        journeyId: 'welcome',
        customerId,
        key,
        dueAt: at(ms).toISOString(),
      });
      await journeys.schedule(
        [trigger('c1', 'date:a', 2000), trigger('c2', 'date:a', 1000), trigger('c1', 'date:b', 500)],
        {
          replace: false,
        },
      );
      await journeys.schedule([trigger('c2', 'date:c', 100)], { replace: false });
      expect(await journeys.nextWake()).toEqual(at(1000));
      await journeys.schedule([trigger('c2', 'inactive:x', 5000), trigger('c3', 'inactive:y', 3000)], {
        replace: true,
      });
      expect(await journeys.nextWake()).toEqual(at(2000));
      const claim = (claimant: string, ms: number) =>
        journeys.claimDueTriggers({ now: at(ms), limit: 10, claimant, leaseUntil: at(ms + 60_000) });
      expect(await claim('w1', 3000)).toEqual([
        trigger('c1', 'date:a', 2000),
        trigger('c3', 'inactive:y', 3000),
      ]);
      expect(await claim('w2', 6000)).toEqual([trigger('c2', 'inactive:x', 5000)]);
      expect(await claim('w3', 7000)).toEqual([]);
      await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        firedTriggers: [{ journeyId: 'welcome', customerId: 'c1', key: 'date:a' }],
      });
      expect((await claim('w4', 100_000)).map((t) => t.customerId)).toEqual(['c3', 'c2']);
    });

    it('arms inactivity triggers from each customer’s last event of the type', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      const armed = await test.store.journeys.seedInactivity({
        journeyId: 'lapsed',
        eventType: 'visit',
        days: 30,
        now: at(2 * day),
      });
      // c4's last visit is more than 30 days before now: already lapsed, not armed.
      expect(armed).toBe(1);
      const [trigger] = await test.store.journeys.claimDueTriggers({
        now: at(60 * day),
        limit: 10,
        claimant: 'w',
        leaseUntil: at(61 * day),
      });
      expect(trigger).toEqual({
        journeyId: 'lapsed',
        customerId: 'c3',
        key: 'inactive:2026-01-16T12:00:00.000Z',
        dueAt: '2026-02-15T12:00:00.000Z',
      });
      expect(
        await test.store.journeys.seedInactivity({
          journeyId: 'lapsed',
          eventType: 'visit',
          days: 30,
          now: at(2 * day),
        }),
      ).toBe(0);
    });

    it('finds customers whose date falls on a day, yearly with leap-day birthdays on 28 February', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      const { journeys } = test.store;
      expect(
        await journeys.dateMatches({
          attribute: 'birth_date',
          offsetDays: 0,
          yearly: true,
          days: ['2026-01-16'],
        }),
      ).toEqual([{ customerId: 'c1', day: '2026-01-16', timezone: 'Asia/Tokyo' }]);
      expect(
        await journeys.dateMatches({
          attribute: 'birth_date',
          offsetDays: 0,
          yearly: true,
          days: ['2027-02-28', '2027-03-01'],
        }),
      ).toEqual([
        { customerId: 'c2', day: '2027-02-28', timezone: null },
        { customerId: 'c3', day: '2027-03-01', timezone: null },
      ]);
      expect(
        await journeys.dateMatches({
          attribute: 'birth_date',
          offsetDays: 0,
          yearly: true,
          days: ['2028-02-28'],
        }),
      ).toEqual([]);
      expect(
        (
          await journeys.dateMatches({
            attribute: 'birth_date',
            offsetDays: 0,
            yearly: true,
            days: ['2028-02-29'],
          })
        ).map((m) => m.customerId),
      ).toEqual(['c2']);
      // A week before, once: the exact date plus the offset.
      expect(
        await journeys.dateMatches({
          attribute: 'birth_date',
          offsetDays: -7,
          yearly: false,
          days: ['2000-02-23'],
        }),
      ).toEqual([{ customerId: 'c3', day: '2000-02-23', timezone: null }]);
      await expect(
        journeys.dateMatches({ attribute: 'city', offsetDays: 0, yearly: false, days: ['2026-01-01'] }),
      ).rejects.toThrow(/not a date attribute/);
    });

    it('reads candidates with consent, contact point, stop list and every run’s contacts', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      await test.store.journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [waitingEntry('e1', 'c1')],
        messages: [message('e1', 'c1')],
      });
      const read = await test.store.journeys.candidates({
        customerIds: ['c1', 'c2', 'c1', 'missing'],
        channel: 'sms',
        purpose: 'marketing',
        columns: ['city', 'tier'],
        historySince: at(-day),
        stopList: 'stop_list',
      });
      expect(read).toEqual([
        {
          customerId: 'c1',
          consent: true,
          contactPoint: '+4917001',
          timezone: 'Asia/Tokyo',
          locale: null,
          stopListed: false,
          attributes: { city: 'Berlin', tier: 'gold' },
          history: [
            {
              at: NOW,
              channel: 'sms',
              offerId: null,
              campaignId: 'welcome',
              priority: 500,
              expectedValue: '0',
              runId: 'journey:e1:hello',
              step: 'message',
              pending: true,
            },
          ],
        },
        {
          customerId: 'c2',
          consent: false,
          contactPoint: null,
          timezone: null,
          locale: null,
          stopListed: false,
          attributes: { city: 'Bonn', tier: 'silver' },
          history: [],
        },
      ]);
      const later = await test.store.journeys.candidates({
        customerIds: ['c1'],
        channel: 'sms',
        purpose: 'marketing',
        columns: [],
        historySince: at(day),
        stopList: 'stop_list',
      });
      expect(later[0]?.history).toEqual([]);
    });

    it('selects among given customers by a rule, and reads their events since an instant', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      const { journeys } = test.store;
      const gold: SegmentRule = { type: 'attribute', attribute: 'tier', op: '=', value: 'gold' };
      expect(await journeys.matching(segment(gold), ['c1', 'c2', 'c4'])).toEqual(new Set(['c1']));
      const buyer: SegmentRule = {
        type: 'activity',
        eventType: 'purchase',
        window: { days: 30 },
        done: true,
      };
      expect(
        await journeys.matching({ ...segment(buyer), clock: { now: at(5 * day), timezone: 'UTC' } }, [
          'c1',
          'c2',
          'c3',
        ]),
      ).toEqual(new Set(['c1', 'c2']));
      expect(await journeys.matching(segment(gold), [])).toEqual(new Set());
      const seen = await journeys.eventsSince({
        customerIds: ['c1', 'c3'],
        eventTypes: ['purchase', 'visit'],
        since: NOW,
      });
      expect(seen.map((event) => event.id)).toEqual(['p1', 'v1', 'p2', 'p3']);
      expect(seen[0]).toEqual({
        id: 'p1',
        customer_id: 'c1',
        type: 'purchase',
        ts: '2026-01-16T09:00:00.000Z',
        amount: '10.5',
        currency: 'EUR',
        sku: 'A',
        qty: 1,
        page: null,
      });
    });

    it('records a segment’s members when seeded, then says who came in and who left', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      const { journeys } = test.store;
      const gold = segment({ type: 'attribute', attribute: 'tier', op: '=', value: 'gold' });
      expect(
        await journeys.segmentChanges({ journeyId: 'j', query: gold, customerIds: null, seed: true }),
      ).toEqual({
        entered: [],
        exited: [],
      });
      expect(
        await journeys.segmentChanges({ journeyId: 'j', query: gold, customerIds: null, seed: false }),
      ).toEqual({
        entered: [],
        exited: [],
      });
      await test.store.importRows(
        'customers',
        [
          { id: 'c1', tier: 'silver' },
          { id: 'c4', tier: 'gold' },
        ],
        new Set(['id', 'tier']),
      );
      // Only the customers named are compared.
      expect(
        await journeys.segmentChanges({ journeyId: 'j', query: gold, customerIds: ['c4'], seed: false }),
      ).toEqual({
        entered: ['c4'],
        exited: [],
      });
      expect(
        await journeys.segmentChanges({ journeyId: 'j', query: gold, customerIds: null, seed: false }),
      ).toEqual({
        entered: [],
        exited: ['c1'],
      });
    });

    it('counts the funnel and the arms’ outcomes, whole and per split path', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      const { journeys } = test.store;
      const step = (entryId: string, customerId: string, node: string, outcome: string) => ({
        entryId,
        journeyId: 'welcome',
        version: 1,
        customerId,
        node,
        at: NOW.toISOString(),
        outcome,
      });
      await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [
          waitingEntry('e1', 'c1'),
          waitingEntry('e3', 'c3'),
          leftEntry('e2', 'c2', 'holdout'),
          leftEntry('e4', 'c4', 'ucg'),
        ],
        steps: [
          step('e1', 'c1', 'hello', 'queued'),
          step('e3', 'c3', 'hello', 'queued'),
          step('e1', 'c1', 'ab', 'a'),
          step('e3', 'c3', 'ab', 'b'),
        ],
      });
      const funnel = await journeys.funnel('welcome');
      expect(funnel).toEqual({
        entered: { treated: 2, holdout: 1, ucg: 1 },
        active: 2,
        left: { holdout: 1, ucg: 1 },
        nodes: [
          { node: 'ab', reached: 2, here: 0, outcomes: { a: 1, b: 1 } },
          { node: 'hello', reached: 2, here: 0, outcomes: { queued: 2 } },
          { node: 'pause', reached: 0, here: 2, outcomes: {} },
        ],
      });
      const goal = { eventType: 'purchase', where: [], attributionDays: 7 };
      const whole = await journeys.outcomes({ journeyId: 'welcome', goal, asOf: at(30 * day) });
      expect(whole).toHaveLength(1);
      expect(whole[0]?.value).toBeNull();
      // Money as exact decimal text, compared by value (the engines keep the column's scale).
      const arms = new Map(
        whole[0]?.groups.map((group) => [group.group, { ...group, revenue: exact(group.revenue) }]),
      );
      expect(arms.get('target')).toMatchObject({
        n: 2,
        converters: 1,
        active: 2,
        orders: 2,
        revenue: '14.75',
        revenueMean: 7.375,
      });
      expect(arms.get('control')).toMatchObject({ n: 1, converters: 1, orders: 1, revenue: '20' });
      expect(arms.get('ucg')).toMatchObject({ n: 1, converters: 0, active: 0, orders: 0, revenue: '0' });
      // Only what happened by asOf counts.
      const early = await journeys.outcomes({ journeyId: 'welcome', goal, asOf: at(day) });
      const earlyTarget = early[0]?.groups.find((group) => group.group === 'target');
      expect([earlyTarget?.orders, exact(earlyTarget?.revenue ?? '')]).toEqual([1, '10.5']);
      const paths = await journeys.outcomes({ journeyId: 'welcome', goal, asOf: at(30 * day), byNode: 'ab' });
      expect(
        paths.map((slice) => [
          slice.value,
          slice.groups.map((group) => [group.group, group.n, exact(group.revenue)]),
        ]),
      ).toEqual([
        ['a', [['target', 1, '14.75']]],
        ['b', [['target', 1, '0']]],
        ['holdout', [['control', 1, '20']]],
      ]);
    });

    it('lists a customer’s journeys newest first with the journey’s name', async () => {
      await using test = await adapter.open(schema);
      const { journeys } = test.store;
      const { journeyOf } = await import('./journey-fixtures.ts');
      await journeys.saveJourney(journeyOf(), { at: NOW, expectedVersion: null });
      await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [
          leftEntry('e1', 'c1', 'holdout', at(-day).toISOString()),
          waitingEntry('e2', 'c1', { key: 'k2' }),
        ],
      });
      await journeys.apply({
        ...NO_CHANGES,
        at: NOW,
        entries: [{ ...waitingEntry('f1', 'c1'), journeyId: 'gone', enteredAt: at(-1000).toISOString() }],
      });
      const list = await journeys.customerJourneys('c1', 10);
      expect(list.map((item) => [item.journeyId, item.journeyName, item.entry.id])).toEqual([
        ['welcome', 'Welcome series', 'e2'],
        ['gone', null, 'f1'],
        ['welcome', 'Welcome series', 'e1'],
      ]);
      expect(await journeys.customerJourneys('c1', 1)).toHaveLength(1);
    });
  });
}
