import type { NormalizedRow, SegmentRule } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';

/**
 * What the segment store keeps besides evaluating rules, on every adapter: the saved segments
 * as a list, uploaded lists read back by name, and the last feature refresh.
 */

const NOW = new Date('2026-01-15T10:00:00.000Z');
const LATER = new Date('2026-01-16T08:30:00.000Z');
const clock = { now: NOW, timezone: 'Europe/Berlin' };
const schema = testSchema();

const customers: NormalizedRow[] = [{ id: 'c1' }, { id: 'c2' }, { id: 'c3' }];

/** c1 bought five days before NOW, c2 two weeks before; c3 returned something the day before. */
const events: NormalizedRow[] = [
  { id: 'e1', customer_id: 'c1', type: 'purchase', ts: '2026-01-10T10:00:00Z', amount: '10' },
  { id: 'e2', customer_id: 'c2', type: 'purchase', ts: '2026-01-01T10:00:00Z', amount: '5' },
  { id: 'e3', customer_id: 'c3', type: 'refund', ts: '2026-01-14T10:00:00Z', amount: '3' },
];

const gold: SegmentRule = { type: 'attribute', attribute: 'tier', op: '=', value: 'gold' };
const silver: SegmentRule = { type: 'attribute', attribute: 'tier', op: '=', value: 'silver' };

for (const adapter of ADAPTERS) {
  describe(`segment catalogue on ${adapter.name}`, () => {
    it('lists the saved segments in id order, each at its latest version', async () => {
      await using test = await adapter.open(schema);
      const { segments } = test.store;
      expect(await segments.listSegments()).toEqual([]);
      await segments.saveSegment({ id: 'silver', name: 'Silver', rule: silver }, NOW);
      await segments.saveSegment({ id: 'gold', name: 'Gold', rule: gold }, NOW);
      await segments.saveSegment(
        { id: 'gold', name: 'Gold buyers', description: 'tier gold', rule: gold },
        LATER,
      );
      expect(await segments.listSegments()).toEqual([
        {
          id: 'gold',
          name: 'Gold buyers',
          description: 'tier gold',
          rule: gold,
          version: 2,
          createdAt: NOW.toISOString(),
          updatedAt: LATER.toISOString(),
        },
        {
          id: 'silver',
          name: 'Silver',
          description: null,
          rule: silver,
          version: 1,
          createdAt: NOW.toISOString(),
          updatedAt: NOW.toISOString(),
        },
      ]);
      expect(await segments.deleteSegment('gold')).toBe(true);
      expect((await segments.listSegments()).map((segment) => segment.id)).toEqual(['silver']);
    });

    it('reads an uploaded list back by name, and nothing for a name never saved', async () => {
      await using test = await adapter.open(schema);
      await test.store.importRows('customers', customers, new Set(['id']));
      const { segments } = test.store;
      expect(await segments.getList('call-list')).toBeNull();
      // A repeated id counts once; zz is not a customer, so it is not matched.
      await segments.saveList('call-list', ['c1', 'c2', 'c2', 'zz'], NOW);
      await segments.saveList('a-list', ['c3'], LATER);
      expect(await segments.getList('call-list')).toEqual({
        name: 'call-list',
        size: 3,
        matched: 2,
        updatedAt: NOW.toISOString(),
      });
      expect(await segments.listLists()).toEqual([
        { name: 'a-list', size: 1, matched: 1, updatedAt: LATER.toISOString() },
        { name: 'call-list', size: 3, matched: 2, updatedAt: NOW.toISOString() },
      ]);
    });

    it('remembers the last feature refresh only', async () => {
      await using test = await adapter.open(schema);
      await test.store.importRows('customers', customers, new Set(['id']));
      await test.store.importRows('events', events, new Set(['id', 'customer_id', 'type', 'ts', 'amount']));
      const { segments } = test.store;
      expect(await segments.lastFeatureRefresh()).toBeNull();
      const first = await segments.refreshFeatures({ eventTypes: ['purchase'], windowDays: 30 }, clock);
      // The store's clock (the adapters' fixed 2026-01-15T10:00:00Z) stamps the refresh.
      const expected = {
        customers: 2,
        asOf: NOW.toISOString(),
        refreshedAt: '2026-01-15T10:00:00.000Z',
        windowDays: 30,
        eventTypes: ['purchase'],
      };
      expect(first).toEqual(expected);
      expect(await segments.lastFeatureRefresh()).toEqual(expected);
      // Three days of purchases and refunds: only c3's refund.
      await segments.refreshFeatures({ eventTypes: ['purchase', 'refund'], windowDays: 3 }, clock);
      expect(await segments.lastFeatureRefresh()).toEqual({
        ...expected,
        customers: 1,
        windowDays: 3,
        eventTypes: ['purchase', 'refund'],
      });
    });
  });
}
