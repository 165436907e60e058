import { hashOf, type NormalizedRow, type SegmentRule, type Store, StoreError } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';

/**
 * Segment evaluation on every adapter, against members worked out by hand from the small base
 * below (workspace time zone Europe/Berlin, evaluated at `NOW`).
 */

const NOW = new Date('2026-01-15T10:00:00.000Z');
const clock = { now: NOW, timezone: 'Europe/Berlin' };
const schema = testSchema();

const customer = (row: Partial<NormalizedRow> & { id: string }): NormalizedRow => ({
  tier: null,
  birth_date: null,
  score: null,
  visits: null,
  vip: null,
  signup_at: null,
  city: null,
  ...row,
});

const CUSTOMERS: NormalizedRow[] = [
  customer({
    id: 'c1',
    tier: 'gold',
    birth_date: '1990-05-01',
    score: 10.5,
    visits: 3,
    vip: true,
    signup_at: '2025-12-01T00:00:00.000Z',
    city: 'Berlin',
  }),
  customer({
    id: 'c2',
    tier: 'silver',
    birth_date: '1985-01-01',
    score: 2,
    visits: 10,
    vip: false,
    signup_at: '2024-01-01T00:00:00.000Z',
    city: 'Bern',
  }),
  customer({ id: 'c3' }),
  customer({
    id: 'c4',
    tier: 'bronze',
    score: 7.25,
    visits: 0,
    signup_at: '2026-01-14T12:00:00.000Z',
    city: 'Hamburg',
  }),
  customer({ id: 'c5', tier: 'gold', visits: 5, city: 'Berlin-Mitte' }),
];

const event = (
  id: string,
  customerId: string,
  type: string,
  ts: string,
  extra: Partial<NormalizedRow> = {},
): NormalizedRow => ({
  id,
  customer_id: customerId,
  type,
  ts,
  amount: null,
  currency: null,
  sku: null,
  qty: null,
  page: null,
  ...extra,
});

const EVENTS: NormalizedRow[] = [
  event('e1', 'c1', 'purchase', '2026-01-10T08:00:00.000Z', {
    amount: '300',
    currency: 'EUR',
    sku: 'A',
    qty: 1,
  }),
  event('e2', 'c1', 'purchase', '2025-11-01T10:00:00.000Z', {
    amount: '500',
    currency: 'EUR',
    sku: 'B',
    qty: 2,
  }),
  event('e3', 'c1', 'visit', '2026-01-14T10:00:00.000Z', { page: '/home' }),
  event('e4', 'c2', 'purchase', '2026-01-14T09:00:00.000Z', { amount: '50', currency: 'EUR' }),
  event('e5', 'c2', 'refund', '2026-01-12T10:00:00.000Z', { amount: '20', currency: 'EUR' }),
  event('e6', 'c4', 'visit', '2025-06-01T10:00:00.000Z'),
  // 00:30 on 10 January in Berlin, though the 9th in UTC.
  event('e7', 'c4', 'purchase', '2026-01-09T23:30:00.000Z', { amount: '10', currency: 'EUR' }),
  // After NOW: never counts.
  event('e8', 'c5', 'purchase', '2026-01-16T10:00:00.000Z', { amount: '1000', currency: 'EUR' }),
  event('e9', 'c5', 'purchase', '2025-12-20T12:00:00.000Z', { amount: '99.99', currency: 'EUR' }),
];

const RELATIONS: NormalizedRow[] = [
  { src: 'c1', dst: 'c2', kind: 'family', weight: 1 },
  { src: 'c2', dst: 'c3', kind: 'referral', weight: 0.5 },
  { src: 'c4', dst: 'c1', kind: 'family', weight: 2 },
  { src: 'x9', dst: 'c5', kind: 'family', weight: 1 },
  { src: 'c3', dst: 'x9', kind: 'family', weight: 1 },
];

const load = async (store: Store): Promise<void> => {
  const present = (rows: NormalizedRow[]) => new Set(Object.keys(rows[0] ?? {}));
  await store.importRows('customers', CUSTOMERS, present(CUSTOMERS));
  await store.importRows('events', EVENTS, present(EVENTS));
  await store.importRows('relations', RELATIONS, present(RELATIONS));
};

const gold: SegmentRule = { type: 'attribute', attribute: 'tier', op: '=', value: 'gold' };
const purchases90: SegmentRule = {
  type: 'event',
  eventType: 'purchase',
  aggregate: 'sum',
  field: 'amount',
  window: { days: 90 },
  op: '>',
  value: 100,
};

const CASES: readonly {
  readonly name: string;
  readonly rule: SegmentRule;
  readonly members: readonly string[];
}[] = [
  { name: 'equals', rule: gold, members: ['c1', 'c5'] },
  {
    name: 'not equals is false on a missing value',
    rule: { type: 'attribute', attribute: 'tier', op: '!=', value: 'gold' },
    members: ['c2', 'c4'],
  },
  {
    name: 'not of a condition on a missing value is true',
    rule: { type: 'not', rule: gold },
    members: ['c2', 'c3', 'c4'],
  },
  {
    name: 'in',
    rule: { type: 'attribute', attribute: 'tier', op: 'in', values: ['gold', 'silver'] },
    members: ['c1', 'c2', 'c5'],
  },
  {
    name: 'not in',
    rule: { type: 'attribute', attribute: 'tier', op: 'not in', values: ['gold'] },
    members: ['c2', 'c4'],
  },
  {
    name: 'between includes both ends',
    rule: { type: 'attribute', attribute: 'visits', op: 'between', from: 3, to: 5 },
    members: ['c1', 'c5'],
  },
  { name: 'is null', rule: { type: 'attribute', attribute: 'tier', op: 'is null' }, members: ['c3'] },
  {
    name: 'contains',
    rule: { type: 'attribute', attribute: 'city', op: 'contains', value: 'Ber' },
    members: ['c1', 'c2', 'c5'],
  },
  {
    name: 'starts with',
    rule: { type: 'attribute', attribute: 'city', op: 'starts with', value: 'Berlin' },
    members: ['c1', 'c5'],
  },
  {
    name: 'timestamp within the last 30 days',
    rule: { type: 'attribute', attribute: 'signup_at', op: '>', value: { daysAgo: 30 } },
    members: ['c4'],
  },
  {
    name: 'absolute date',
    rule: { type: 'attribute', attribute: 'birth_date', op: '<', value: '1988-01-01' },
    members: ['c2'],
  },
  { name: 'boolean', rule: { type: 'attribute', attribute: 'vip', op: '=', value: true }, members: ['c1'] },
  {
    name: 'number',
    rule: { type: 'attribute', attribute: 'score', op: '>=', value: 7.25 },
    members: ['c1', 'c4'],
  },
  { name: 'sum in the last 90 days', rule: purchases90, members: ['c1'] },
  {
    name: 'sum of nothing is 0',
    rule: {
      type: 'event',
      eventType: 'purchase',
      aggregate: 'sum',
      field: 'amount',
      window: { days: 30 },
      op: '=',
      value: 0,
    },
    members: ['c3'],
  },
  {
    name: 'count over all time, future events excluded',
    rule: { type: 'event', eventType: 'purchase', aggregate: 'count', op: '>=', value: 1 },
    members: ['c1', 'c2', 'c4', 'c5'],
  },
  {
    name: 'avg',
    rule: { type: 'event', eventType: 'purchase', aggregate: 'avg', field: 'amount', op: '>', value: 99.99 },
    members: ['c1'],
  },
  {
    name: 'min',
    rule: { type: 'event', eventType: 'purchase', aggregate: 'min', field: 'amount', op: '<', value: 60 },
    members: ['c2', 'c4'],
  },
  {
    name: 'event attribute filter',
    rule: {
      type: 'event',
      eventType: 'purchase',
      where: [{ attribute: 'sku', op: '=', value: 'B' }],
      aggregate: 'count',
      op: '>=',
      value: 1,
    },
    members: ['c1'],
  },
  {
    name: 'calendar-day window in the workspace time zone',
    rule: {
      type: 'event',
      eventType: 'purchase',
      window: { from: '2026-01-10', to: '2026-01-10' },
      aggregate: 'count',
      op: '>=',
      value: 1,
    },
    members: ['c1', 'c4'],
  },
  {
    name: 'has done in a window',
    rule: { type: 'activity', eventType: 'visit', window: { days: 7 }, done: true },
    members: ['c1'],
  },
  {
    name: 'has not done',
    rule: { type: 'activity', eventType: 'visit', done: false },
    members: ['c2', 'c3', 'c5'],
  },
  {
    name: 'days since the last event',
    rule: { type: 'recency', eventType: 'purchase', op: '<=', value: 1 },
    members: ['c2'],
  },
  {
    name: 'days since the first event',
    rule: { type: 'recency', eventType: 'purchase', since: 'first', op: '>=', value: 60 },
    members: ['c1'],
  },
  {
    name: 'days since, not equal',
    rule: { type: 'recency', eventType: 'purchase', op: '!=', value: 5 },
    members: ['c2', 'c5'],
  },
  {
    name: 'graph, one hop, base kept',
    rule: { type: 'graph', base: gold, hops: 1 },
    members: ['c1', 'c2', 'c4', 'c5'],
  },
  {
    name: 'graph through a non-customer',
    rule: { type: 'graph', base: gold, hops: 2, kinds: ['family'], excludeBase: true },
    members: ['c2', 'c3', 'c4'],
  },
  {
    name: 'graph cap keeps the strongest',
    rule: { type: 'graph', base: gold, hops: 1, excludeBase: true, cap: 1 },
    members: ['c4'],
  },
  {
    name: 'graph direction',
    rule: { type: 'graph', base: gold, hops: 1, excludeBase: true, direction: 'out' },
    members: ['c2'],
  },
  {
    name: 'graph minimum weight',
    rule: { type: 'graph', base: gold, hops: 1, excludeBase: true, minWeight: 1.5 },
    members: ['c4'],
  },
  {
    name: 'top by spend',
    rule: {
      type: 'top',
      by: { type: 'event', eventType: 'purchase', aggregate: 'sum', field: 'amount' },
      n: 1,
    },
    members: ['c1'],
  },
  {
    name: 'top by attribute, ascending',
    rule: { type: 'top', by: { type: 'attribute', attribute: 'visits' }, n: 2, order: 'asc' },
    members: ['c1', 'c4'],
  },
  {
    name: 'top within a rule',
    rule: { type: 'top', of: gold, by: { type: 'attribute', attribute: 'visits' }, n: 1 },
    members: ['c5'],
  },
  {
    name: 'sample of everyone',
    rule: { type: 'sample', percent: 100, seed: 's' },
    members: ['c1', 'c2', 'c3', 'c4', 'c5'],
  },
];

const sortedIds = (ids: readonly string[]) => [...ids].sort();

for (const adapter of ADAPTERS) {
  describe(`segments on ${adapter.name}`, () => {
    const query = (rule: SegmentRule, segments: Record<string, SegmentRule> = {}) => ({
      rule,
      clock,
      segmentRule: (id: string) => segments[id],
    });

    it('matches the hand-worked members of every kind of condition', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      for (const { name, rule, members } of CASES) {
        expect({ name, members: await test.store.segments.members(query(rule)) }).toEqual({ name, members });
        expect({ name, count: await test.store.segments.count(query(rule)) }).toEqual({
          name,
          count: members.length,
        });
      }
    });

    it('samples deterministically by the customer hash', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      const ids = CUSTOMERS.map((row) => String(row.id));
      const expected = [...ids]
        .sort((a, b) => hashOf('seed-1', a) - hashOf('seed-1', b) || (a < b ? -1 : 1))
        .slice(0, 2);
      const rule: SegmentRule = { type: 'sample', count: 2, seed: 'seed-1' };
      expect(await test.store.segments.members(query(rule))).toEqual(sortedIds(expected));
    });

    it('evaluates membership of saved segments and uploaded lists', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      const list = await test.store.segments.saveList('call-list', ['c2', 'c4', 'c4', 'zz'], NOW);
      expect(list).toMatchObject({ name: 'call-list', size: 3, matched: 2 });
      expect(await test.store.segments.members(query({ type: 'list', list: 'call-list' }))).toEqual([
        'c2',
        'c4',
      ]);
      const rule: SegmentRule = {
        type: 'or',
        rules: [
          { type: 'segment', segment: 'gold' },
          { type: 'list', list: 'call-list' },
        ],
      };
      expect(await test.store.segments.members(query(rule, { gold }))).toEqual(['c1', 'c2', 'c4', 'c5']);
      await test.store.segments.saveList('call-list', ['c3'], NOW);
      expect(await test.store.segments.members(query({ type: 'list', list: 'call-list' }))).toEqual(['c3']);
      expect(await test.store.segments.deleteList('call-list')).toBe(true);
      expect(await test.store.segments.listLists()).toEqual([]);
    });

    it('refreshes RFM with shared ranks for equal values and uses the scores in rules', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      // Events of a customer the store does not hold are neither scored nor ranked against.
      await test.store.importRows(
        'events',
        [{ id: 'ghost-1', customer_id: 'ghost', type: 'purchase', ts: '2026-01-14T10:00:00Z', amount: 5000 }],
        new Set(['id', 'customer_id', 'type', 'ts', 'amount']),
      );
      const refresh = await test.store.segments.refreshFeatures(
        { eventTypes: ['purchase'], windowDays: 365 },
        clock,
      );
      expect(refresh).toMatchObject({ customers: 4, windowDays: 365, eventTypes: ['purchase'] });
      // c1: 5 days, 2 purchases, 800; c2: 1 day, 1, 50; c4: 5 days, 1, 10; c5: 26 days, 1, 99.99.
      expect(
        await test.store.segments.members(
          query({ type: 'feature', feature: 'rfm_score', op: '=', value: 244 }),
        ),
      ).toEqual(['c1']);
      expect(
        await test.store.segments.members(
          query({ type: 'feature', feature: 'rfm_score', op: 'in', values: [412, 211, 113] }),
        ),
      ).toEqual(['c2', 'c4', 'c5']);
      expect(
        await test.store.segments.members(
          query({ type: 'feature', feature: 'rfm_monetary', op: '=', value: 99.99 }),
        ),
      ).toEqual(['c5']);
      expect(
        await test.store.segments.members(query({ type: 'feature', feature: 'rfm_r', op: 'is null' })),
      ).toEqual(['c3']);
    });

    it('explains how many customers each condition and each branch keeps', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      const explained = await test.store.segments.explain(query({ type: 'and', rules: [gold, purchases90] }));
      expect(explained).toEqual({
        customers: 5,
        matched: 1,
        nodes: [
          { path: '(root)', type: 'and', matched: 1, cumulative: null },
          { path: 'rules[0]', type: 'attribute', matched: 2, cumulative: 2 },
          { path: 'rules[1]', type: 'event', matched: 1, cumulative: 1 },
        ],
      });
    });

    it('previews and exports members with the columns asked for', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      expect(
        await test.store.segments.preview(query(gold), { limit: 1, columns: ['id', 'tier', 'visits'] }),
      ).toEqual([{ id: 'c1', tier: 'gold', visits: 3 }]);
      const exported: NormalizedRow[] = [];
      const total = await test.store.segments.exportMembers(query(gold), {
        columns: ['id', 'city', 'signup_at'],
        onRows: async (rows) => {
          exported.push(...rows);
        },
      });
      expect(total).toBe(2);
      expect(exported).toEqual([
        { id: 'c1', city: 'Berlin', signup_at: '2025-12-01T00:00:00.000Z' },
        { id: 'c5', city: 'Berlin-Mitte', signup_at: null },
      ]);
    });

    it('saves a segment only over the version the writer read', async () => {
      await using test = await adapter.open(schema);
      const segments = test.store.segments;
      const created = await segments.saveSegment({ id: 'gold', name: 'Gold', rule: gold }, NOW, {
        expectedVersion: null,
      });
      expect(created).toMatchObject({ ok: true, value: { version: 1 } });
      expect(
        await segments.saveSegment({ id: 'gold', name: 'Again', rule: gold }, NOW, { expectedVersion: null }),
      ).toEqual({ ok: false, error: { type: 'conflict', expected: null, actual: 1 } });
      const mine = await segments.saveSegment({ id: 'gold', name: 'Mine', rule: gold }, NOW, {
        expectedVersion: 1,
      });
      expect(mine).toMatchObject({ ok: true, value: { version: 2, name: 'Mine' } });
      // A second editor who also read version 1 is refused, and nothing of theirs is written.
      expect(
        await segments.saveSegment({ id: 'gold', name: 'Theirs', rule: gold }, NOW, { expectedVersion: 1 }),
      ).toEqual({ ok: false, error: { type: 'conflict', expected: 1, actual: 2 } });
      expect(await segments.getSegment('gold')).toMatchObject({ version: 2, name: 'Mine' });
      expect((await segments.segmentVersions('gold')).map((v) => [v.version, v.name])).toEqual([
        [2, 'Mine'],
        [1, 'Gold'],
      ]);
      expect(
        await segments.saveSegment({ id: 'silver', name: 'Silver', rule: gold }, NOW, { expectedVersion: 3 }),
      ).toEqual({ ok: false, error: { type: 'conflict', expected: 3, actual: null } });
      expect(await segments.getSegment('silver')).toBeNull();

      // Two editors of version 2 saving at the same moment: one wins, the other writes nothing
      // (a stale answer, or the engine's own write conflict, which the API also answers with 409).
      const outcomes = await Promise.allSettled(
        ['First', 'Second'].map((name) =>
          segments.saveSegment({ id: 'gold', name, rule: gold }, NOW, { expectedVersion: 2 }),
        ),
      );
      const saved = outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.ok);
      expect(saved).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          expect(outcome.reason).toBeInstanceOf(StoreError);
          expect(outcome.reason).toMatchObject({ reason: 'conflict' });
        } else if (!outcome.value.ok)
          expect(outcome.value.error).toMatchObject({ type: 'conflict', expected: 2 });
      }
      expect((await segments.segmentVersions('gold')).map((v) => v.version)).toEqual([3, 2, 1]);
    });

    it('versions definitions, snapshots members and tells who entered and left', async () => {
      await using test = await adapter.open(schema);
      await load(test.store);
      const segments = test.store.segments;
      const first = await segments.saveSegment({ id: 'gold', name: 'Gold', rule: gold }, NOW);
      expect(first).toMatchObject({ ok: true, value: { version: 1 } });
      const second = await segments.saveSegment(
        { id: 'gold', name: 'Gold tier', description: 'Top tier', rule: gold },
        NOW,
      );
      expect(second).toMatchObject({
        ok: true,
        value: { version: 2, name: 'Gold tier', description: 'Top tier', rule: gold },
      });
      expect((await segments.segmentVersions('gold')).map((v) => [v.version, v.name])).toEqual([
        [2, 'Gold tier'],
        [1, 'Gold'],
      ]);
      const snap1 = await segments.snapshot({
        segmentId: 'gold',
        version: 2,
        query: query(gold),
        takenAt: NOW,
      });
      expect(snap1).toMatchObject({ size: 2, entered: null, left: null });
      await test.store.importRows(
        'customers',
        [
          { id: 'c2', tier: 'gold' },
          { id: 'c5', tier: 'silver' },
        ],
        new Set(['id', 'tier']),
      );
      const later = new Date(NOW.getTime() + 3_600_000);
      const snap2 = await segments.snapshot({
        segmentId: 'gold',
        version: 2,
        query: query(gold),
        takenAt: later,
      });
      expect(snap2).toMatchObject({ size: 2, entered: 1, left: 1 });
      expect(await segments.snapshotChanges(snap2.id, { limit: 10 })).toEqual({
        type: 'changes',
        entered: ['c2'],
        left: ['c5'],
      });
      expect(await segments.snapshotChanges('no-such-snapshot', { limit: 10 })).toEqual({
        type: 'unknown_snapshot',
      });
      expect((await segments.listSnapshots('gold', 10)).map((s) => s.size)).toEqual([2, 2]);
      // Taken in the same instant, snapshots keep the order they were taken in; the member lists of
      // all but the latest ten are dropped, and their changes say so rather than guess.
      const more = [];
      for (let i = 0; i < 10; i += 1) {
        more.push(
          await segments.snapshot({ segmentId: 'gold', version: 2, query: query(gold), takenAt: later }),
        );
      }
      expect((await segments.listSnapshots('gold', 3)).map((s) => s.id)).toEqual(
        more
          .slice(-3)
          .reverse()
          .map((s) => s.id),
      );
      expect(await segments.snapshotChanges(snap2.id, { limit: 10 })).toEqual({ type: 'members_pruned' });
      expect(await segments.snapshotChanges(more[1]?.id ?? '', { limit: 10 })).toEqual({
        type: 'changes',
        entered: [],
        left: [],
      });
      expect(await segments.snapshotChanges(more[0]?.id ?? '', { limit: 10 })).toEqual({
        type: 'members_pruned',
      });
      expect(await segments.deleteSegment('gold')).toBe(true);
      expect(await segments.getSegment('gold')).toBeNull();
      expect(await segments.listSnapshots('gold', 10)).toEqual([]);
      expect(await segments.deleteSegment('gold')).toBe(false);
    });
  });
}
