import { assignGroup } from '@opencvm/core';
import { ADAPTERS } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { drawControlGroups } from '../../../src/campaigns/run/draw-control-groups.ts';
import { selectAudience } from '../../../src/campaigns/run/select-audience.ts';
import { campaignOf, customers, importCustomers, NOW, schema, startRun } from './run-fixtures.ts';

const rows = customers(1000);
const EVERYONE = { type: 'attribute', attribute: 'city', op: '=', value: 'Berlin' } as const;
const campaign = campaignOf({
  id: 'spring-sale',
  audience: { type: 'rule', rule: EVERYONE },
  controlShare: 20,
});

for (const adapter of ADAPTERS) {
  describe(`the UCG and holdout steps on ${adapter.name}`, () => {
    const open = async () => {
      const test = await adapter.open(schema);
      await importCustomers(test.store, rows);
      const audience = await selectAudience({
        store: test.store,
        campaign,
        now: NOW,
        timezone: 'Europe/Berlin',
        dryRun: false,
      });
      if (audience === null) throw new Error('no audience');
      return { test, query: audience.query };
    };
    let draws = 0;
    const randomId = () => {
      draws += 1;
      return `salt-${draws}`;
    };

    it("splits the audience by core's assignment and records the UCG and holdout members' history", async () => {
      const { test, query } = await open();
      await using _test = test;
      const { store } = test;
      await startRun(store, { runId: 'r1', campaign });
      const groups = await drawControlGroups({
        store,
        randomId,
        runId: 'r1',
        campaign,
        query,
        now: NOW,
        dryRun: false,
      });

      // The workspace's UCG is drawn on first use, with the default share.
      const ucg = await store.campaigns.getUcgSettings();
      if (ucg === null) throw new Error('no UCG drawn');
      const split = {
        ucg: { salt: ucg.salt, share: ucg.share },
        holdout: { salt: 'campaign:spring-sale', share: 20 },
      };
      const expected = { ucg: 0, control: 0, target: 0 };
      for (const row of rows) expected[assignGroup(String(row.id), split)] += 1;
      expect(groups).toEqual(expected);
      expect(expected.ucg).toBeGreaterThan(0);
      expect(expected.control).toBeGreaterThan(expected.ucg);

      const history = await store.runs.history('r1');
      expect(history).toHaveLength(expected.ucg + expected.control);
      for (const entry of history) expect(entry.outcome).toBe(assignGroup(entry.customerId, split));

      // Again (a resumed run): the same split, with the same UCG, and no history row twice.
      const drawn = draws;
      const again = await drawControlGroups({
        store,
        randomId,
        runId: 'r1',
        campaign,
        query,
        now: NOW,
        dryRun: false,
      });
      expect(again).toEqual(groups);
      expect(draws).toBe(drawn);
      expect(await store.runs.history('r1')).toHaveLength(history.length);
    });

    it('counts the groups of a dry run without recording anyone', async () => {
      const { test, query } = await open();
      await using _test = test;
      const { store } = test;
      await startRun(store, { runId: 'dry', campaign, dryRun: true });
      const groups = await drawControlGroups({
        store,
        randomId,
        runId: 'dry',
        campaign,
        query,
        now: NOW,
        dryRun: true,
      });
      expect(groups.ucg + groups.control + groups.target).toBe(rows.length);
      expect(groups.control).toBeGreaterThan(0);
      expect(await store.runs.history('dry')).toEqual([]);
    });
  });
}
