import type { GroupOutcome, HistoryRow, NormalizedRow, ResultsQuery, Store } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';

/**
 * Campaign results on every adapter: each arm's outcomes (whole, by attribute, by segment), the
 * daily series, the programme (UCG against everyone else over a period) and queued messages by
 * offer. Every expected figure is worked out by hand from the rows written below.
 */

const START = new Date('2026-03-02T10:00:00.000Z');
const schema = testSchema();

const customers: NormalizedRow[] = [
  { id: 'c0', tier: 'gold' },
  { id: 'c1', tier: 'gold' },
  { id: 'c2', tier: 'silver' },
  { id: 'c3', tier: 'silver' },
  { id: 'c4', tier: 'bronze' },
  { id: 'c5', tier: null },
  { id: 'c6', tier: 'gold' },
];

const event = (row: {
  id: string;
  customer: string;
  type: string;
  ts: string;
  amount?: string;
  sku?: string;
}): NormalizedRow => ({
  id: row.id,
  customer_id: row.customer,
  type: row.type,
  ts: row.ts,
  amount: row.amount ?? null,
  currency: row.amount === undefined ? null : 'EUR',
  sku: row.sku ?? null,
});

/**
 * The run r1 starts at START; the goal is a purchase within 7 days. c0 buys twice in the window
 * (day 0 and day 3), c1 only visits, c2 buys before the run and after the window, c3 (control)
 * buys on day 2, c4 (UCG) does nothing, c5 (excluded, still a target) has a refund.
 */
const events: NormalizedRow[] = [
  event({ id: 'e1', customer: 'c0', type: 'purchase', ts: '2026-03-03T09:00:00Z', amount: '10.5', sku: 'A' }),
  event({ id: 'e2', customer: 'c0', type: 'purchase', ts: '2026-03-05T12:00:00Z', amount: '4.5', sku: 'B' }),
  event({ id: 'e3', customer: 'c1', type: 'visit', ts: '2026-03-04T08:00:00Z' }),
  event({ id: 'e4', customer: 'c2', type: 'purchase', ts: '2026-03-01T08:00:00Z', amount: '7', sku: 'A' }),
  event({ id: 'e5', customer: 'c2', type: 'purchase', ts: '2026-03-20T08:00:00Z', amount: '8', sku: 'A' }),
  event({ id: 'e6', customer: 'c3', type: 'purchase', ts: '2026-03-04T11:00:00Z', amount: '20', sku: 'A' }),
  event({ id: 'e7', customer: 'c5', type: 'refund', ts: '2026-03-03T10:00:00Z', amount: '5' }),
  event({ id: 'e8', customer: 'c6', type: 'purchase', ts: '2026-03-03T10:00:00Z', amount: '99', sku: 'A' }),
];

const history = (rows: readonly [string, string, string | null][]): HistoryRow[] =>
  rows.map(([customerId, outcome, offerId]) => ({ customerId, outcome, offerId, sendAt: null }));

const run = async (
  store: Store,
  options: { id: string; campaignId: string; dryRun: boolean; history: HistoryRow[]; finish: boolean },
) => {
  await store.runs.startRun({
    id: options.id,
    campaignId: options.campaignId,
    campaignVersion: 1,
    startedAt: START,
    dryRun: options.dryRun,
    dueAt: null,
  });
  await store.runs.writeOutcomes({
    runId: options.id,
    campaignId: options.campaignId,
    channel: 'sms',
    purpose: 'marketing',
    at: START,
    history: options.history,
    outbox: [],
  });
  if (options.finish) {
    await store.runs.finishRun({
      runId: options.id,
      funnel: { audience: options.history.length, steps: [], queued: 0 },
      finishedAt: START,
    });
  }
};

const query = (overrides: Partial<ResultsQuery> = {}): ResultsQuery => ({
  campaignId: 'spring-sale',
  runIds: null,
  goal: { eventType: 'purchase', where: [], attributionDays: 7 },
  asOf: new Date('2026-04-01T00:00:00.000Z'),
  ...overrides,
});

/** The counted fields of an arm, without the moments. */
const counts = (outcome: GroupOutcome) => ({
  group: outcome.group,
  n: outcome.n,
  converters: outcome.converters,
  active: outcome.active,
  orders: outcome.orders,
  revenue: Number(outcome.revenue),
});

const NOTHING = { converters: 0, active: 0, orders: 0, revenue: 0 };

for (const adapter of ADAPTERS) {
  describe(`results on ${adapter.name}`, () => {
    const setUp = async () => {
      const test = await adapter.open(schema);
      const { store } = test;
      await store.importRows('customers', customers, new Set(['id', 'tier']));
      await store.importRows(
        'events',
        events,
        new Set(['id', 'customer_id', 'type', 'ts', 'amount', 'currency', 'sku']),
      );
      await run(store, {
        id: 'r1',
        campaignId: 'spring-sale',
        dryRun: false,
        finish: true,
        history: history([
          ['c0', 'queued', 'ten-off'],
          ['c1', 'queued', 'ten-off'],
          ['c2', 'queued', 'five-off'],
          ['c3', 'control', null],
          ['c4', 'ucg', null],
          ['c5', 'excluded:no_consent', null],
        ]),
      });
      // A dry run of the same campaign: left out unless asked for by id.
      await run(store, {
        id: 'r2',
        campaignId: 'spring-sale',
        dryRun: true,
        finish: true,
        history: history([['c6', 'queued', 'ten-off']]),
      });
      // Another campaign's run: never part of spring-sale's results.
      await run(store, {
        id: 'r3',
        campaignId: 'autumn-sale',
        dryRun: false,
        finish: true,
        history: history([['c0', 'queued', 'ten-off']]),
      });
      return test;
    };

    it("gives each arm's size, converters, activity, orders and revenue with their moments", async () => {
      await using test = await setUp();
      const slices = await test.store.results.groupOutcomes(query());
      expect(slices.map((slice) => slice.value)).toEqual([null]);
      const groups = slices[0]?.groups ?? [];
      expect(groups.map(counts)).toEqual([
        // c0, c1, c2 and c5: c0 converts with two orders (15); c1 and c5 are active.
        { group: 'target', n: 4, converters: 1, active: 3, orders: 2, revenue: 15 },
        { group: 'control', n: 1, converters: 1, active: 1, orders: 1, revenue: 20 },
        { group: 'ucg', n: 1, ...NOTHING },
      ]);
      // Revenue per target member 15, 0, 0, 0; orders 2, 0, 0, 0 (sample variances).
      expect(groups[0]).toMatchObject({
        revenueMean: 3.75,
        revenueVariance: 56.25,
        ordersMean: 0.5,
        ordersVariance: 1,
      });
      expect(groups[1]).toMatchObject({
        revenueMean: 20,
        revenueVariance: 0,
        ordersMean: 1,
        ordersVariance: 0,
      });
      expect(groups[2]).toMatchObject({
        revenueMean: 0,
        revenueVariance: 0,
        ordersMean: 0,
        ordersVariance: 0,
      });
    });

    it('counts only the goal events its conditions select, and only the runs asked for', async () => {
      await using test = await setUp();
      const goal = {
        eventType: 'purchase',
        where: [{ attribute: 'sku', op: '=' as const, value: 'A' }],
        attributionDays: 7,
      };
      const [whole] = await test.store.results.groupOutcomes(query({ goal }));
      expect(whole?.groups.map(counts)).toEqual([
        { group: 'target', n: 4, converters: 1, active: 3, orders: 1, revenue: 10.5 },
        { group: 'control', n: 1, converters: 1, active: 1, orders: 1, revenue: 20 },
        { group: 'ucg', n: 1, ...NOTHING },
      ]);
      // The dry run by id: c6 joins the targets with a 99 purchase.
      const [both] = await test.store.results.groupOutcomes(query({ runIds: ['r1', 'r2'] }));
      expect(both?.groups.map(counts)[0]).toEqual({
        group: 'target',
        n: 5,
        converters: 2,
        active: 4,
        orders: 3,
        revenue: 114,
      });
      // A window still open ends at asOf: on 2026-03-04 only c0's first purchase has happened.
      const [early] = await test.store.results.groupOutcomes(
        query({ asOf: new Date('2026-03-04T00:00:00.000Z') }),
      );
      expect(early?.groups.map(counts)).toEqual([
        { group: 'target', n: 4, converters: 1, active: 2, orders: 1, revenue: 10.5 },
        { group: 'control', n: 1, ...NOTHING },
        { group: 'ucg', n: 1, ...NOTHING },
      ]);
    });

    it("breaks the arms down by a customer attribute's values, missing last", async () => {
      await using test = await setUp();
      const slices = await test.store.results.groupOutcomes(query(), {
        type: 'attribute',
        attribute: 'tier',
      });
      expect(slices.map((slice) => ({ value: slice.value, groups: slice.groups.map(counts) }))).toEqual([
        { value: 'bronze', groups: [{ group: 'ucg', n: 1, ...NOTHING }] },
        {
          value: 'gold',
          groups: [{ group: 'target', n: 2, converters: 1, active: 2, orders: 2, revenue: 15 }],
        },
        {
          value: 'silver',
          groups: [
            { group: 'target', n: 1, ...NOTHING },
            { group: 'control', n: 1, converters: 1, active: 1, orders: 1, revenue: 20 },
          ],
        },
        { value: null, groups: [{ group: 'target', n: 1, converters: 0, active: 1, orders: 0, revenue: 0 }] },
      ]);
      // Gold targets: revenue 15 and 0, orders 2 and 0.
      expect(slices[1]?.groups[0]).toMatchObject({
        revenueMean: 7.5,
        revenueVariance: 112.5,
        ordersMean: 1,
        ordersVariance: 2,
      });
    });

    it('breaks the arms down by membership of a segment', async () => {
      await using test = await setUp();
      const slices = await test.store.results.groupOutcomes(query(), {
        type: 'segment',
        name: 'gold',
        query: {
          rule: { type: 'attribute', attribute: 'tier', op: '=', value: 'gold' },
          clock: { now: START, timezone: 'Europe/Berlin' },
          segmentRule: () => undefined,
        },
      });
      expect(slices.map((slice) => ({ value: slice.value, groups: slice.groups.map(counts) }))).toEqual([
        {
          value: 'in',
          groups: [{ group: 'target', n: 2, converters: 1, active: 2, orders: 2, revenue: 15 }],
        },
        {
          value: 'out',
          groups: [
            { group: 'target', n: 2, converters: 0, active: 1, orders: 0, revenue: 0 },
            { group: 'control', n: 1, converters: 1, active: 1, orders: 1, revenue: 20 },
            { group: 'ucg', n: 1, ...NOTHING },
          ],
        },
      ]);
    });

    it('gives the cumulative converters and revenue per day since the run, per arm', async () => {
      await using test = await setUp();
      const series = await test.store.results.dailySeries(query());
      // c0 first buys 23 hours after the start (day 0), c3 two days and an hour after (day 2).
      expect(series.map((day) => ({ ...day, revenue: Number(day.revenue) }))).toEqual([
        { day: 0, group: 'target', n: 4, converters: 1, revenue: 15 },
        { day: 2, group: 'control', n: 1, converters: 1, revenue: 20 },
      ]);
    });

    it('compares the UCG with everyone else who qualified in a period, over every event', async () => {
      await using test = await setUp();
      const period = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-10T00:00:00Z') };
      const outcomes = await test.store.results.programmeOutcomes(period);
      // r1 qualifies c0–c5 (the control too); the dry run's c6 does not. Every amount counts:
      // c0 15 (two orders), c3 20, c5's refund 5; c1 is active without an amount.
      expect(outcomes.map(counts)).toEqual([
        { group: 'target', n: 5, converters: 3, active: 4, orders: 4, revenue: 40 },
        { group: 'ucg', n: 1, ...NOTHING },
      ]);
      // Revenue 15, 0, 0, 20, 5; orders 2, 0, 0, 1, 1.
      expect(outcomes[0]).toMatchObject({
        revenueMean: 8,
        revenueVariance: 82.5,
        ordersMean: 0.8,
        ordersVariance: 0.7,
      });
      // A period the run did not start in qualifies nobody.
      const later = { from: new Date('2026-03-03T00:00:00Z'), to: new Date('2026-03-10T00:00:00Z') };
      expect(await test.store.results.programmeOutcomes(later)).toEqual([]);
    });

    it("counts the queued messages of the campaign's runs by offer, most first", async () => {
      await using test = await setUp();
      expect(await test.store.results.queuedByOffer(query())).toEqual([
        { offerId: 'ten-off', queued: 2 },
        { offerId: 'five-off', queued: 1 },
      ]);
      expect(await test.store.results.queuedByOffer(query({ runIds: ['r1', 'r2'] }))).toEqual([
        { offerId: 'ten-off', queued: 3 },
        { offerId: 'five-off', queued: 1 },
      ]);
      expect(await test.store.results.queuedByOffer(query({ runIds: ['r2'] }))).toEqual([
        { offerId: 'ten-off', queued: 1 },
      ]);
      expect(await test.store.results.queuedByOffer(query({ campaignId: 'no-such-campaign' }))).toEqual([]);
    });
  });
}
