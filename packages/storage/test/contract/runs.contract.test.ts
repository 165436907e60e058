import {
  assignGroup,
  bucketOf,
  bucketsOf,
  type NormalizedRow,
  type RunCandidate,
  type SegmentRule,
} from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';

/** Campaign runs, contact history and the outbox on every adapter. */

const NOW = new Date('2026-01-15T10:00:00.000Z');
const schema = testSchema();
const everyone: SegmentRule = { type: 'not', rule: { type: 'list', list: 'nobody' } };
const query = {
  rule: everyone,
  clock: { now: NOW, timezone: 'Europe/Berlin' },
  segmentRule: () => undefined,
};

const customers = (n: number): NormalizedRow[] =>
  Array.from({ length: n }, (_, index) => ({
    id: `cust-${String(index).padStart(5, '0')}`,
    city: index % 2 === 0 ? 'Berlin' : null,
    msisdn: index % 3 === 0 ? null : `+4917000${index}`,
    consent_sms_marketing: index % 5 !== 0,
    timezone: index % 7 === 0 ? 'Asia/Tokyo' : null,
  }));

const start = (id: string) => ({
  id,
  campaignId: 'spring-sale',
  campaignVersion: 3,
  startedAt: NOW,
  dryRun: false,
  dueAt: null,
});

for (const adapter of ADAPTERS) {
  describe(`run store on ${adapter.name}`, () => {
    it('starts a run once per id and once per campaign due time', async () => {
      await using test = await adapter.open(schema);
      const runs = test.store.runs;
      const first = await runs.startRun(start('r1'));
      expect(first.created).toBe(true);
      expect(first.run).toEqual({
        id: 'r1',
        campaignId: 'spring-sale',
        campaignVersion: 3,
        startedAt: NOW.toISOString(),
        finishedAt: null,
        status: 'running',
        dryRun: false,
        dueAt: null,
        funnel: null,
      });
      expect((await runs.startRun(start('r1'))).created).toBe(false);
      const due = new Date('2026-01-15T09:00:00.000Z');
      expect((await runs.startRun({ ...start('r2'), dueAt: due })).created).toBe(true);
      const again = await runs.startRun({ ...start('r3'), dueAt: due });
      expect(again).toMatchObject({ created: false, run: { id: 'r2', dueAt: due.toISOString() } });
      expect(await runs.getRun('r3')).toBeNull();
      expect((await runs.listRuns('spring-sale', 10)).map((run) => run.id).sort()).toEqual(['r1', 'r2']);
    });

    it('splits the audience in SQL exactly as the core assigns groups', async () => {
      await using test = await adapter.open(schema);
      const rows = customers(3000);
      await test.store.importRows('customers', rows, new Set(Object.keys(rows[0] ?? {})));
      const ucg = { salt: 'ucg-salt', share: 5 };
      const holdout = { salt: 'campaign:spring-sale', share: 10 };
      await test.store.runs.startRun(start('r1'));
      const groups = await test.store.runs.snapshotAudience({
        runId: 'r1',
        query,
        ucg: { salt: ucg.salt, buckets: bucketsOf(ucg.share) },
        holdout: { salt: holdout.salt, buckets: bucketsOf(holdout.share) },
      });
      const expected = { ucg: 0, control: 0, target: 0 };
      for (const row of rows) expected[assignGroup(String(row.id), { ucg, holdout })] += 1;
      expect(groups).toEqual(expected);

      await test.store.runs.recordGroups({ runId: 'r1', campaignId: 'spring-sale', channel: 'sms', at: NOW });
      await test.store.runs.recordGroups({ runId: 'r1', campaignId: 'spring-sale', channel: 'sms', at: NOW });
      const history = await test.store.runs.history('r1');
      expect(history).toHaveLength(expected.ucg + expected.control);
      for (const entry of history) {
        expect(entry.outcome).toBe(assignGroup(entry.customerId, { ucg, holdout }));
      }

      const targets: RunCandidate[] = [];
      await test.store.runs.readTargets({
        runId: 'r1',
        channel: 'sms',
        purpose: 'marketing',
        columns: ['city'],
        historySince: new Date('2025-12-01T00:00:00Z'),
        stopList: 'stop_list',
        pageSize: 700,
        onPage: async (page) => {
          targets.push(...page);
        },
      });
      expect(targets).toHaveLength(expected.target);
      expect(new Set(targets.map((target) => target.customerId)).size).toBe(expected.target);
      const byId = new Map(rows.map((row) => [String(row.id), row]));
      for (const target of targets.slice(0, 50)) {
        const row = byId.get(target.customerId);
        expect(target).toEqual({
          customerId: target.customerId,
          consent: row?.consent_sms_marketing,
          contactPoint: row?.msisdn,
          timezone: row?.timezone,
          locale: null,
          stopListed: false,
          attributes: { city: row?.city },
          history: [],
        });
      }
      // Targets come in the order they are decided (and a volume cap counts): holdout bucket, then id.
      const rank = (id: string) => [bucketOf(holdout.salt, id), id] as const;
      const ids = targets.map((target) => target.customerId);
      const sorted = [...ids].sort((a, b) => {
        const [ra, rb] = [rank(a), rank(b)];
        return ra[0] !== rb[0] ? ra[0] - rb[0] : a < b ? -1 : 1;
      });
      expect(ids).toEqual(sorted);

      // Eligibility: the rule's customers among the run's targets, never the UCG or control.
      const eligible = await test.store.runs.eligibleTargets({
        runId: 'r1',
        query: { ...query, rule: { type: 'attribute', attribute: 'city', op: '=', value: 'Berlin' } },
      });
      expect([...eligible].sort()).toEqual(ids.filter((id) => byId.get(id)?.city === 'Berlin').sort());
    });

    it('writes history and outbox rows once, whatever the retries, and shows them as history', async () => {
      await using test = await adapter.open(schema);
      const rows = customers(10);
      await test.store.importRows('customers', rows, new Set(Object.keys(rows[0] ?? {})));
      await test.store.segments.saveList('stop_list', ['cust-00002'], NOW);
      const runs = test.store.runs;
      await runs.startRun(start('r1'));
      const outcomes = {
        runId: 'r1',
        campaignId: 'spring-sale',
        channel: 'sms',
        purpose: 'marketing',
        at: NOW,
        history: [
          {
            customerId: 'cust-00001',
            outcome: 'queued',
            offerId: 'ten-off',
            sendAt: '2026-01-15T10:00:00.000Z',
          },
          { customerId: 'cust-00002', outcome: 'excluded:stop_list', offerId: 'ten-off', sendAt: null },
        ],
        outbox: [
          {
            customerId: 'cust-00001',
            step: 'message',
            offerId: 'ten-off',
            recipient: '+41',
            content: { type: 'sms', text: 'Привет' },
            sendAt: '2026-01-15T10:00:00.000Z',
            priority: 5,
            expectedValue: '2.5',
          },
        ],
      };
      await runs.writeOutcomes(outcomes);
      await runs.writeOutcomes(outcomes);
      expect(await runs.history('r1')).toEqual(
        outcomes.history.map((row) => ({ ...row, deliveryStatus: null })),
      );
      expect(await runs.outbox('r1')).toEqual([
        {
          ...outcomes.outbox[0],
          runId: 'r1',
          campaignId: 'spring-sale',
          channel: 'sms',
          purpose: 'marketing',
          status: 'pending',
        },
      ]);

      // Another run sees the queued message as history, and the stop list.
      await runs.startRun(start('r2'));
      await runs.snapshotAudience({
        runId: 'r2',
        query,
        ucg: { salt: 'u', buckets: 0 },
        holdout: { salt: 'h', buckets: 0 },
      });
      const seen: RunCandidate[] = [];
      await runs.readTargets({
        runId: 'r2',
        channel: 'sms',
        purpose: 'marketing',
        columns: [],
        historySince: new Date('2026-01-01T00:00:00Z'),
        stopList: 'stop_list',
        pageSize: 100,
        onPage: async (page) => {
          seen.push(...page);
        },
      });
      expect(seen.find((c) => c.customerId === 'cust-00001')?.history).toEqual([
        {
          at: new Date('2026-01-15T10:00:00.000Z'),
          channel: 'sms',
          offerId: 'ten-off',
          campaignId: 'spring-sale',
          priority: 5,
          expectedValue: '2.5',
          runId: 'r1',
          step: 'message',
          pending: true,
        },
      ]);
      expect(seen.filter((c) => c.stopListed).map((c) => c.customerId)).toEqual(['cust-00002']);

      const funnel = { audience: 10, steps: [], queued: 10 };
      await runs.finishRun({ runId: 'r2', funnel, finishedAt: NOW });
      expect(await runs.getRun('r2')).toMatchObject({
        status: 'completed',
        funnel,
        finishedAt: NOW.toISOString(),
      });

      expect(await runs.deleteRuns('spring-sale')).toBe(2);
      expect(await runs.history('r1')).toEqual([]);
      expect(await runs.outbox('r1')).toEqual([]);
      expect(await runs.listRuns('spring-sale', 10)).toEqual([]);
    });
  });
}
