import type { NormalizedRow, OutboxRow, SendOutcome } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';

/** Contact pressure: sent messages per week of the workspace calendar and channel, on every adapter. */

const NOW = new Date('2026-03-02T10:00:00.000Z');
const schema = testSchema();

const customers: NormalizedRow[] = Array.from({ length: 6 }, (_, index) => ({
  id: `c${index}`,
  msisdn: `+4917000000${index}`,
  email: `c${index}@example.org`,
  consent_sms_marketing: true,
  consent_email_marketing: true,
}));

const message = (customerId: string, sendAt = NOW): OutboxRow => ({
  customerId,
  step: 'message',
  offerId: null,
  recipient: `${customerId}@example.org`,
  content: { type: 'sms', locale: 'en', text: `hello ${customerId}` },
  sendAt: sendAt.toISOString(),
  priority: 1,
  expectedValue: '1',
});

const sent = (runId: string, customerId: string, at: string): SendOutcome => ({
  runId,
  customerId,
  step: 'message',
  status: 'sent',
  providerId: `${runId}-${customerId}`,
  reason: null,
  nextAttemptAt: null,
  at: new Date(at),
});

for (const adapter of ADAPTERS) {
  describe(`contact pressure on ${adapter.name}`, () => {
    const setUp = async () => {
      const test = await adapter.open(schema);
      await test.store.importRows('customers', customers, new Set(Object.keys(customers[0] ?? {})));
      const runs: readonly { id: string; channel: string; outbox: OutboxRow[] }[] = [
        // c3's message is due in a month: queued, never sent, so not counted.
        {
          id: 'r1',
          channel: 'sms',
          outbox: [
            message('c0'),
            message('c1'),
            message('c2'),
            message('c3', new Date('2026-04-02T10:00:00Z')),
          ],
        },
        { id: 'r2', channel: 'sms', outbox: [message('c0')] },
        { id: 'r3', channel: 'email', outbox: [message('c0'), message('c4')] },
      ];
      for (const run of runs) {
        await test.store.runs.startRun({
          id: run.id,
          campaignId: `campaign-${run.id}`,
          campaignVersion: 1,
          startedAt: NOW,
          dryRun: false,
          dueAt: null,
        });
        await test.store.runs.writeOutcomes({
          runId: run.id,
          campaignId: `campaign-${run.id}`,
          channel: run.channel,
          purpose: 'marketing',
          at: NOW,
          history: run.outbox.map((row) => ({
            customerId: row.customerId,
            outcome: 'queued',
            offerId: null,
            sendAt: row.sendAt,
          })),
          outbox: run.outbox,
        });
      }
      for (const channel of ['sms', 'email']) {
        await test.store.delivery.claimDue({
          channel,
          now: NOW,
          limit: 100,
          claimant: 'd',
          leaseUntil: new Date(NOW.getTime() + 60_000),
        });
      }
      await test.store.delivery.recordOutcomes('d', [
        sent('r1', 'c0', '2026-03-02T10:00:01Z'),
        sent('r1', 'c1', '2026-03-02T10:00:01Z'),
        sent('r1', 'c2', '2026-03-02T10:00:01Z'),
        // Sunday 23:30 UTC is Monday 00:30 in Berlin: the workspace's next week.
        sent('r2', 'c0', '2026-03-08T23:30:00Z'),
        sent('r3', 'c0', '2026-03-04T12:00:00Z'),
        sent('r3', 'c4', '2026-03-04T12:00:00Z'),
      ]);
      return test;
    };

    it('counts sent messages and distinct customers per week of the workspace calendar and channel', async () => {
      await using test = await setUp();
      const pressure = await test.store.results.contactPressure({
        from: new Date('2026-02-23T00:00:00Z'),
        to: new Date('2026-04-30T00:00:00Z'),
      });
      expect(pressure.base).toBe(6);
      expect(pressure.weeks).toEqual([
        { weekStart: '2026-03-02', channel: 'email', messages: 2, customers: 2 },
        { weekStart: '2026-03-02', channel: 'sms', messages: 3, customers: 3 },
        { weekStart: '2026-03-09', channel: 'sms', messages: 1, customers: 1 },
      ]);
    });

    it('counts a customer once per week however many messages they got', async () => {
      await using test = await setUp();
      await test.store.runs.startRun({
        id: 'r4',
        campaignId: 'campaign-r4',
        campaignVersion: 1,
        startedAt: NOW,
        dryRun: false,
        dueAt: null,
      });
      await test.store.runs.writeOutcomes({
        runId: 'r4',
        campaignId: 'campaign-r4',
        channel: 'sms',
        purpose: 'marketing',
        at: NOW,
        history: [{ customerId: 'c1', outcome: 'queued', offerId: null, sendAt: NOW.toISOString() }],
        outbox: [message('c1')],
      });
      await test.store.delivery.claimDue({
        channel: 'sms',
        now: NOW,
        limit: 100,
        claimant: 'e',
        leaseUntil: new Date(NOW.getTime() + 60_000),
      });
      await test.store.delivery.recordOutcomes('e', [sent('r4', 'c1', '2026-03-05T09:00:00Z')]);
      const pressure = await test.store.results.contactPressure({
        from: new Date('2026-03-02T00:00:00Z'),
        to: new Date('2026-03-08T00:00:00Z'),
      });
      expect(pressure.weeks.filter((week) => week.channel === 'sms')).toEqual([
        { weekStart: '2026-03-02', channel: 'sms', messages: 4, customers: 3 },
      ]);
    });

    it('keeps to the period, by sent time', async () => {
      await using test = await setUp();
      const pressure = await test.store.results.contactPressure({
        from: new Date('2026-03-08T00:00:00Z'),
        to: new Date('2026-03-15T00:00:00Z'),
      });
      expect(pressure.weeks).toEqual([
        { weekStart: '2026-03-09', channel: 'sms', messages: 1, customers: 1 },
      ]);
      const none = await test.store.results.contactPressure({
        from: new Date('2025-01-01T00:00:00Z'),
        to: new Date('2025-02-01T00:00:00Z'),
      });
      expect(none).toEqual({ base: 6, weeks: [] });
    });
  });
}
