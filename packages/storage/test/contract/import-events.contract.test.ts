import type { NormalizedRow } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';

/**
 * `importEvents` stores events like `importRows` and says which of them it stored: what callers
 * sharing one write (the event intake) split their counts by, and hand on to journeys.
 */

const schema = testSchema();
const PRESENT = new Set(['id', 'customer_id', 'type', 'ts', 'page']);

const visit = (id: string, customerId: string, page = 'home'): NormalizedRow => ({
  id,
  customer_id: customerId,
  type: 'visit',
  ts: '2026-01-15T09:00:00.000Z',
  page,
});

const sorted = (keys: readonly { customerId: string; id: string }[]) =>
  [...keys].sort((a, b) => `${a.customerId}/${a.id}`.localeCompare(`${b.customerId}/${b.id}`));

for (const adapter of ADAPTERS) {
  describe(`importEvents on ${adapter.name}`, () => {
    it('reports every event of a first import into an empty store', async () => {
      await using test = await adapter.open(schema);
      const result = await test.store.importEvents([visit('e1', 'c1'), visit('e1', 'c2')], PRESENT);
      expect(result.counts).toMatchObject({ read: 2, inserted: 2, duplicates: 0 });
      expect(sorted(result.inserted)).toEqual([
        { customerId: 'c1', id: 'e1' },
        { customerId: 'c2', id: 'e1' },
      ]);
    });

    it('leaves out events already stored and repeats within the rows, and stores each once', async () => {
      await using test = await adapter.open(schema);
      await test.store.importEvents([visit('e1', 'c1'), visit('e2', 'c1')], PRESENT);
      const result = await test.store.importEvents(
        [visit('e2', 'c1', 'again'), visit('e3', 'c1'), visit('e3', 'c1', 'twice'), visit('e1', 'c2')],
        PRESENT,
      );
      expect(result.counts).toMatchObject({ read: 4, inserted: 2, duplicates: 2 });
      expect(sorted(result.inserted)).toEqual([
        { customerId: 'c1', id: 'e3' },
        { customerId: 'c2', id: 'e1' },
      ]);
      expect((await test.store.summary()).events).toBe(4);
      const again = await test.store.importEvents([visit('e3', 'c1')], PRESENT);
      expect(again).toEqual({
        counts: expect.objectContaining({ read: 1, inserted: 0, duplicates: 1 }),
        inserted: [],
      });
    });

    it('stores nothing and reports nothing when a row fails the checks', async () => {
      await using test = await adapter.open(schema);
      await test.store.importEvents([visit('e1', 'c1')], PRESENT);
      const bad = { ...visit('e2', 'c1'), type: 'no-such-type' };
      await expect(test.store.importEvents([visit('e3', 'c1'), bad], PRESENT)).rejects.toThrow();
      expect((await test.store.summary()).events).toBe(1);
    });
  });
}
