import { ADAPTERS, campaignInput, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createScheduler } from '../src/campaigns/scheduler.ts';
import { createApp } from '../src/create-app.ts';

/** The embedded scheduler over a fake clock and a fake timer. */

const schema = testSchema();

for (const adapter of ADAPTERS) {
  describe(`campaign scheduler on ${adapter.name}`, () => {
    it('starts one-off and recurring runs when due, once per due time, and catches up once', async () => {
      await using test = await adapter.open(schema);
      let now = new Date('2026-01-15T10:00:00.000Z');
      let ids = 0;
      const app = await createApp(
        { store: test.store, schema },
        {
          clock: () => now,
          randomId: () => {
            ids += 1;
            return `id-${ids}`;
          },
        },
      );
      expect((await app.campaigns.createOffer(offerInput())).ok).toBe(true);
      const schedules = {
        once: { type: 'once', at: '2026-01-15T12:00:00Z' },
        daily: { type: 'recurring', cron: '0 9 * * *' },
      } as const;
      for (const [id, schedule] of Object.entries(schedules)) {
        const { createdBy: _author, ...definition } = campaignInput({ id, schedule });
        expect((await app.campaigns.createCampaign(definition, { by: 'alice' })).ok).toBe(true);
        for (const [action, by] of [
          ['submit', 'alice'],
          ['approve', 'bob'],
          ['start', 'bob'],
        ] as const) {
          expect((await app.campaigns.act(id, action, { by })).ok).toBe(true);
        }
      }

      const pending: (() => void)[] = [];
      let cancelled = 0;
      const scheduler = createScheduler({
        store: test.store,
        schema,
        clock: () => now,
        run: (options) => app.runs.run(options),
        timer: (callback) => {
          pending.push(callback);
          return () => {
            cancelled += 1;
          };
        },
      });
      const dueOf = async () => (await scheduler.tick()).map((run) => [run.campaignId, run.dueAt]);

      expect(await dueOf()).toEqual([]);
      now = new Date('2026-01-15T12:00:30.000Z');
      expect(await dueOf()).toEqual([['once', '2026-01-15T12:00:00.000Z']]);
      expect(await dueOf()).toEqual([]);
      // 09:00 in Berlin is 08:00 UTC in winter.
      now = new Date('2026-01-16T08:00:10.000Z');
      expect(await dueOf()).toEqual([['daily', '2026-01-16T08:00:00.000Z']]);
      expect(await dueOf()).toEqual([]);
      // Down over the 17th: one run, for the latest due time.
      now = new Date('2026-01-18T08:30:00.000Z');
      expect(await dueOf()).toEqual([['daily', '2026-01-18T08:00:00.000Z']]);
      expect((await test.store.runs.listRuns('daily', 10)).map((run) => run.dueAt)).toEqual([
        '2026-01-18T08:00:00.000Z',
        '2026-01-16T08:00:00.000Z',
      ]);

      // The timer: each tick schedules the next until stopped.
      scheduler.start();
      expect(pending).toHaveLength(1);
      now = new Date('2026-01-19T08:00:05.000Z');
      pending[0]?.();
      await expect.poll(async () => (await test.store.runs.listRuns('daily', 10)).length).toBe(3);
      await expect.poll(() => pending.length).toBe(2);
      scheduler.stop();
      expect(cancelled).toBe(1);
    });
  });
}
