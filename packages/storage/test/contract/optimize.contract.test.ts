import type { NormalizedRow } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';

/** Rewriting the events in time order loses and changes nothing, on every adapter. */

const NOW = new Date('2026-03-02T10:00:00.000Z');
const schema = testSchema();
const customers: NormalizedRow[] = Array.from({ length: 6 }, (_, index) => ({ id: `c${index}` }));

for (const adapter of ADAPTERS) {
  describe(`optimize on ${adapter.name}`, () => {
    it('keeps every event and every answer while storing them in time order', async () => {
      await using test = await adapter.open(schema);
      const events: NormalizedRow[] = Array.from({ length: 500 }, (_, index) => ({
        id: `e${index}`,
        customer_id: `c${index % 6}`,
        type: 'purchase',
        // Out of time order, as history loaded customer by customer is.
        ts: new Date(NOW.getTime() - ((index * 7919) % 500) * 3_600_000).toISOString(),
        amount: (index % 50) + 0.25,
      }));
      await test.store.importRows('customers', customers, new Set(Object.keys(customers[0] ?? {})));
      await test.store.importRows('events', events, new Set(['id', 'customer_id', 'type', 'ts', 'amount']));
      const before = await test.store.getCustomer('c1', { events: 500 });
      const summary = await test.store.summary();
      const { events: rewritten } = await test.store.optimize();
      expect(rewritten).toBe(adapter.name === 'duckdb' ? 500 : 0);
      expect(await test.store.summary()).toEqual(summary);
      expect(await test.store.getCustomer('c1', { events: 500 })).toEqual(before);
    });
  });
}
