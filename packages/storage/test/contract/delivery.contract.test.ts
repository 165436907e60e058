import type { NormalizedRow, OutboxRow, SendOutcome } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';

/** The outbox as dispatchers see it — claims, leases, outcomes, receipts, opt-outs — on every adapter. */

const NOW = new Date('2026-03-02T10:00:00.000Z');
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const schema = testSchema();

const customers: NormalizedRow[] = Array.from({ length: 6 }, (_, index) => ({
  id: `c${index}`,
  msisdn: `+4917000000${index}`,
  email: `c${index}@example.org`,
  consent_sms_marketing: true,
}));

const message = (customerId: string, overrides: Partial<OutboxRow> = {}): OutboxRow => ({
  customerId,
  step: 'message',
  offerId: null,
  recipient: `+49170000000${customerId.slice(1)}`,
  content: { type: 'sms', locale: 'en', text: `hello ${customerId}` },
  sendAt: NOW.toISOString(),
  priority: 1,
  expectedValue: '10',
  ...overrides,
});

const sent = (customerId: string, providerId: string, runId = 'r1'): SendOutcome => ({
  runId,
  customerId,
  step: 'message',
  status: 'sent',
  providerId,
  reason: null,
  nextAttemptAt: null,
  at: later(1),
});

for (const adapter of ADAPTERS) {
  describe(`delivery store on ${adapter.name}`, () => {
    const setUp = async (outbox: readonly OutboxRow[], runId = 'r1') => {
      const test = await adapter.open(schema);
      await test.store.importRows('customers', customers, new Set(Object.keys(customers[0] ?? {})));
      await test.store.runs.startRun({
        id: runId,
        campaignId: 'spring',
        campaignVersion: 1,
        startedAt: NOW,
        dryRun: false,
        dueAt: null,
      });
      await test.store.runs.writeOutcomes({
        runId,
        campaignId: 'spring',
        channel: 'sms',
        purpose: 'marketing',
        at: NOW,
        history: outbox.map((row) => ({
          customerId: row.customerId,
          outcome: 'queued',
          offerId: null,
          sendAt: row.sendAt,
        })),
        outbox,
      });
      return test;
    };

    it('claims due messages best first, once, and gives them back when the lease ends', async () => {
      await using test = await setUp([
        message('c0', { priority: 1 }),
        message('c1', { priority: 5 }),
        message('c2', { sendAt: later(3600).toISOString() }),
      ]);
      const delivery = test.store.delivery;
      const claim = (claimant: string, now: Date) =>
        delivery.claimDue({
          channel: 'sms',
          now,
          limit: 10,
          claimant,
          leaseUntil: new Date(now.getTime() + 30_000),
        });
      const first = await claim('a', NOW);
      expect(first.map((row) => row.customerId)).toEqual(['c1', 'c0']);
      expect(first[0]).toMatchObject({ attempt: 1, inDoubt: false, purpose: 'marketing', channel: 'sms' });
      expect(first[0]?.content).toEqual({ type: 'sms', locale: 'en', text: 'hello c1' });
      // Held under the lease: nobody else gets them; the one due in an hour is not due yet.
      expect(await claim('b', later(10))).toEqual([]);
      expect(
        await delivery.claimDue({
          channel: 'email',
          now: later(10),
          limit: 10,
          claimant: 'b',
          leaseUntil: later(40),
        }),
      ).toEqual([]);
      // The lease ended without an outcome: the dispatcher stopped mid-send. Sent again, in doubt.
      const again = await claim('b', later(31));
      expect(again.map((row) => [row.customerId, row.attempt, row.inDoubt])).toEqual([
        ['c1', 2, true],
        ['c0', 2, true],
      ]);
      // The first claimant's late answer is not written over the second's claim.
      expect(await delivery.recordOutcomes('a', [sent('c1', 'p-a')])).toBe(0);
      expect(await delivery.recordOutcomes('b', [sent('c1', 'p-b'), sent('c0', 'p-c')])).toBe(2);
      const rows = await test.store.runs.outbox('r1');
      expect(rows.map((row) => [row.customerId, row.status])).toEqual([
        ['c0', 'sent'],
        ['c1', 'sent'],
        ['c2', 'pending'],
      ]);
      expect(await delivery.nextDue(['sms'])).toEqual(later(3600));
      expect(await delivery.nextDue(['email'])).toBeNull();
    });

    it('expires every claim at once when no other dispatcher can hold one', async () => {
      await using test = await setUp([message('c0')]);
      const delivery = test.store.delivery;
      await delivery.claimDue({ channel: 'sms', now: NOW, limit: 5, claimant: 'a', leaseUntil: later(600) });
      expect(await delivery.expireClaims(later(1))).toBe(1);
      const again = await delivery.claimDue({
        channel: 'sms',
        now: later(1),
        limit: 5,
        claimant: 'b',
        leaseUntil: later(60),
      });
      expect(again.map((row) => row.inDoubt)).toEqual([true]);
    });

    it('schedules retries, ends in failure or bounce, lists dead letters and requeues failures', async () => {
      await using test = await setUp([message('c0'), message('c1'), message('c2')]);
      const delivery = test.store.delivery;
      await delivery.claimDue({ channel: 'sms', now: NOW, limit: 5, claimant: 'a', leaseUntil: later(60) });
      await delivery.recordOutcomes('a', [
        {
          ...sent('c0', 'x'),
          status: 'retry',
          providerId: null,
          reason: 'throttled',
          nextAttemptAt: later(120),
        },
        { ...sent('c1', 'x'), status: 'failed', providerId: null, reason: 'message rejected (0x0045)' },
        { ...sent('c2', 'x'), status: 'bounced', providerId: null, reason: 'invalid destination' },
      ]);
      expect(
        await delivery.claimDue({
          channel: 'sms',
          now: later(60),
          limit: 5,
          claimant: 'b',
          leaseUntil: later(90),
        }),
      ).toEqual([]);
      const retried = await delivery.claimDue({
        channel: 'sms',
        now: later(121),
        limit: 5,
        claimant: 'b',
        leaseUntil: later(180),
      });
      expect(retried.map((row) => [row.customerId, row.attempt, row.inDoubt])).toEqual([['c0', 2, false]]);
      await delivery.recordOutcomes('b', [sent('c0', 'p0')]);

      const dead = await delivery.deadLetters({ limit: 10 });
      expect(dead.map((row) => [row.customerId, row.status, row.reason, row.attempts])).toEqual(
        expect.arrayContaining([
          ['c1', 'failed', 'message rejected (0x0045)', 1],
          ['c2', 'bounced', 'invalid destination', 1],
        ]),
      );
      expect(dead).toHaveLength(2);
      expect(await delivery.deadLetters({ runId: 'other', limit: 10 })).toEqual([]);
      const history = await test.store.runs.history('r1');
      expect(history.map((row) => [row.customerId, row.deliveryStatus])).toEqual([
        ['c0', 'sent'],
        ['c1', 'failed'],
        ['c2', 'bounced'],
      ]);

      // Bounced addresses do not exist: only the failure goes back to the queue.
      expect(await delivery.requeue({ runId: 'r1', now: later(200) })).toBe(1);
      const requeued = await delivery.claimDue({
        channel: 'sms',
        now: later(200),
        limit: 5,
        claimant: 'c',
        leaseUntil: later(260),
      });
      expect(requeued.map((row) => [row.customerId, row.attempt])).toEqual([['c1', 1]]);
      expect((await delivery.deadLetters({ limit: 10 })).map((row) => row.customerId)).toEqual(['c2']);
    });

    it('applies receipts by the gateway message id, also when they come before the answer is written', async () => {
      await using test = await setUp([message('c0'), message('c1')]);
      const delivery = test.store.delivery;
      await delivery.claimDue({ channel: 'sms', now: NOW, limit: 5, claimant: 'a', leaseUntil: later(60) });
      await delivery.recordOutcomes('a', [sent('c0', 'smsc-1')]);
      // c1's receipt arrives first; it waits for the message it names.
      expect(
        await delivery.recordReceipts([
          { channel: 'sms', providerId: 'smsc-1', status: 'delivered', reason: null, at: later(5) },
          { channel: 'sms', providerId: 'smsc-2', status: 'failed', reason: 'UNDELIV', at: later(5) },
        ]),
      ).toBe(1);
      await delivery.recordOutcomes('a', [sent('c1', 'smsc-2')]);
      const rows = await test.store.runs.outbox('r1');
      expect(rows.map((row) => [row.customerId, row.status])).toEqual([
        ['c0', 'delivered'],
        ['c1', 'failed'],
      ]);
      expect((await test.store.runs.history('r1')).map((row) => row.deliveryStatus)).toEqual([
        'delivered',
        'failed',
      ]);
      const report = await delivery.runDelivery('r1');
      expect(report.statuses).toEqual({ delivered: 1, failed: 1 });
      expect(report.failures).toEqual([{ reason: 'UNDELIV', count: 1 }]);
      expect(report.channels).toMatchObject([{ channel: 'sms', sent: 2 }]);
      // A receipt for nothing we sent is kept, not applied to anything.
      expect(
        await delivery.recordReceipts([
          { channel: 'sms', providerId: 'nope', status: 'delivered', reason: null, at: later(6) },
        ]),
      ).toBe(0);
    });

    it('withdraws consent by contact point, cancels pending messages and counts the unsubscribed', async () => {
      await using test = await setUp([
        message('c0'),
        message('c1'),
        message('c2', { sendAt: later(3600).toISOString() }),
      ]);
      const delivery = test.store.delivery;
      await delivery.claimDue({ channel: 'sms', now: NOW, limit: 5, claimant: 'a', leaseUntil: later(60) });
      await delivery.recordOutcomes('a', [sent('c0', 'p0'), sent('c1', 'p1')]);
      const stop = await delivery.changeConsent(
        { channel: 'sms', contactPoint: '+49170000000' },
        {
          channel: 'sms',
          purpose: 'marketing',
          consent: false,
          source: 'sms_stop',
          detail: 'STOP',
          at: later(30),
        },
      );
      expect(stop).toEqual({ customers: 1, cancelled: 0 });
      const link = await delivery.changeConsent(
        { customerId: 'c2' },
        {
          channel: 'sms',
          purpose: 'marketing',
          consent: false,
          source: 'unsubscribe_link',
          detail: null,
          at: later(40),
        },
      );
      expect(link).toEqual({ customers: 1, cancelled: 1 });
      expect(
        await delivery.changeConsent(
          { channel: 'sms', contactPoint: '+0000' },
          {
            channel: 'sms',
            purpose: 'marketing',
            consent: false,
            source: 'sms_stop',
            detail: 'STOP',
            at: later(40),
          },
        ),
      ).toEqual({ customers: 0, cancelled: 0 });
      const c0 = await test.store.getCustomer('c0', { events: 0 });
      expect(c0?.customer.consent_sms_marketing).toBe(false);
      expect((await test.store.getCustomer('c1', { events: 0 }))?.customer.consent_sms_marketing).toBe(true);
      const rows = await test.store.runs.outbox('r1');
      expect(rows.map((row) => [row.customerId, row.status])).toEqual([
        ['c0', 'sent'],
        ['c1', 'sent'],
        ['c2', 'cancelled'],
      ]);
      const report = await delivery.runDelivery('r1');
      expect(report.unsubscribed).toBe(1);
      expect(report.statuses).toEqual({ sent: 2, cancelled: 1 });
    });

    it('creates a setting once and returns the stored value after', async () => {
      await using test = await adapter.open(schema);
      expect(await test.store.delivery.setting('unsubscribe_key', () => 'first')).toBe('first');
      expect(await test.store.delivery.setting('unsubscribe_key', () => 'second')).toBe('first');
    });

    it('counts the outbox by channel and status over every run', async () => {
      await using test = await setUp([message('c0'), message('c1'), message('c2')]);
      const delivery = test.store.delivery;
      expect(await delivery.outboxStatuses()).toEqual([{ channel: 'sms', status: 'pending', count: 3 }]);
      // c0 and c1 are claimed (same priority and time: by customer), c0's answer comes back.
      const claimed = await delivery.claimDue({
        channel: 'sms',
        now: NOW,
        limit: 2,
        claimant: 'a',
        leaseUntil: later(30),
      });
      expect(claimed.map((row) => row.customerId)).toEqual(['c0', 'c1']);
      expect(await delivery.recordOutcomes('a', [sent('c0', 'p0')])).toBe(1);
      await test.store.runs.startRun({
        id: 'r2',
        campaignId: 'autumn',
        campaignVersion: 1,
        startedAt: NOW,
        dryRun: false,
        dueAt: null,
      });
      await test.store.runs.writeOutcomes({
        runId: 'r2',
        campaignId: 'autumn',
        channel: 'email',
        purpose: 'marketing',
        at: NOW,
        history: [{ customerId: 'c3', outcome: 'queued', offerId: null, sendAt: NOW.toISOString() }],
        outbox: [message('c3', { recipient: 'c3@example.org' })],
      });
      expect(await delivery.outboxStatuses()).toEqual([
        { channel: 'email', status: 'pending', count: 1 },
        { channel: 'sms', status: 'pending', count: 1 },
        { channel: 'sms', status: 'sending', count: 1 },
        { channel: 'sms', status: 'sent', count: 1 },
      ]);
    });
  });
}
