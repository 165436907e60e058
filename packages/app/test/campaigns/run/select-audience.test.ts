import { ADAPTERS } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { selectAudience } from '../../../src/campaigns/run/select-audience.ts';
import { campaignOf, customers, GOLD, importCustomers, NOW, schema } from './run-fixtures.ts';

const rows = customers(40);
const gold = rows.filter((row) => row.tier === 'gold').map((row) => String(row.id));
const timezone = 'Europe/Berlin';

for (const adapter of ADAPTERS) {
  describe(`the audience step on ${adapter.name}`, () => {
    it("selects the customers of the campaign's own rule", async () => {
      await using test = await adapter.open(schema);
      const { store } = test;
      await importCustomers(store, rows);
      const campaign = campaignOf({ audience: { type: 'rule', rule: GOLD } });
      const audience = await selectAudience({ store, campaign, now: NOW, timezone, dryRun: false });
      if (audience === null) throw new Error('no audience');
      expect([...(await store.segments.members(audience.query))].sort()).toEqual(gold);
    });

    it('selects a saved segment and keeps a snapshot of it, unless the run is a dry run', async () => {
      await using test = await adapter.open(schema);
      const { store } = test;
      await importCustomers(store, rows);
      const saved = await store.segments.saveSegment({ id: 'gold', name: 'Gold', rule: GOLD }, NOW);
      expect(saved.ok).toBe(true);
      const campaign = campaignOf({ audience: { type: 'segment', segment: 'gold' } });

      const dry = await selectAudience({ store, campaign, now: NOW, timezone, dryRun: true });
      if (dry === null) throw new Error('no audience');
      expect([...(await store.segments.members(dry.query))].sort()).toEqual(gold);
      expect(await store.segments.listSnapshots('gold', 10)).toEqual([]);

      const real = await selectAudience({ store, campaign, now: NOW, timezone, dryRun: false });
      expect(real?.saved.has('gold')).toBe(true);
      expect(await store.segments.listSnapshots('gold', 10)).toMatchObject([
        { segmentId: 'gold', version: 1, size: gold.length, takenAt: NOW.toISOString() },
      ]);
    });

    it('finds no audience when the campaign names a segment that no longer exists', async () => {
      await using test = await adapter.open(schema);
      const campaign = campaignOf({ audience: { type: 'segment', segment: 'deleted' } });
      expect(
        await selectAudience({ store: test.store, campaign, now: NOW, timezone, dryRun: false }),
      ).toBeNull();
    });
  });
}
