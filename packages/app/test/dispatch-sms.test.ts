import { setTimeout as sleep } from 'node:timers/promises';
import { createAdapter } from '@opencvm/channels';
import { startSmppPeer } from '@opencvm/channels/testing';
import type { NormalizedRow, OutboxRow } from '@opencvm/core';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../src/delivery/dispatcher.ts';

/** SMS through a real SMPP peer: receipts turn `sent` into `delivered`, STOP withdraws consent. */

const schema = testSchema();
const NOW = new Date();

const customers: NormalizedRow[] = Array.from({ length: 5 }, (_, index) => ({
  id: `c${index}`,
  msisdn: `+7900000000${index}`,
  consent_sms_marketing: true,
  consent_sms_service: true,
}));

const sms = (customerId: string, text: string, sendAt = NOW): OutboxRow => ({
  customerId,
  step: 'message',
  offerId: null,
  recipient: `+7900000000${customerId.slice(1)}`,
  content: { type: 'sms', locale: 'ru', text },
  sendAt: sendAt.toISOString(),
  priority: 1,
  expectedValue: '1',
});

const eventually = async (check: () => Promise<boolean>, what: string): Promise<void> => {
  for (let tries = 0; tries < 200; tries += 1) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
};

for (const adapter of ADAPTERS) {
  describe(`SMS delivery on ${adapter.name}`, () => {
    it('marks messages delivered by receipt and withdraws consent on STOP, cancelling what is pending', async () => {
      await using test = await adapter.open(schema);
      const { store } = test;
      await store.importRows('customers', customers, new Set(Object.keys(customers[0] ?? {})));
      await store.runs.startRun({
        id: 'r1',
        campaignId: 'c',
        campaignVersion: 1,
        startedAt: NOW,
        dryRun: false,
        dueAt: null,
      });
      const later = new Date(NOW.getTime() + 3_600_000);
      const outbox = [
        sms('c0', 'Скидка 20% на тариф «Смарт»: ответьте СТОП, чтобы отписаться'),
        sms('c1', 'Hello @ 5€'),
        sms('c2', 'Tomorrow', later),
      ];
      await store.runs.writeOutcomes({
        runId: 'r1',
        campaignId: 'c',
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
      await using peer = await startSmppPeer({ systemId: 'cvm', password: 'pw', receipts: true });
      const smpp = createAdapter(
        'smpp',
        {
          host: '127.0.0.1',
          port: peer.port,
          systemId: 'cvm',
          password: { env: 'SMPP_PW' },
          sourceAddr: 'Shop',
          tps: 100,
        },
        { SMPP_PW: 'pw' },
      );
      if (!smpp.ok) throw new Error(JSON.stringify(smpp.error));
      const dispatcher = createDispatcher({
        store,
        routes: [
          {
            channel: 'sms',
            adapter: smpp.value,
            ratePerSecond: 100,
            concurrency: 2,
            maxAttempts: 3,
            sendTimeoutMs: 5000,
            retryBaseMs: 50,
            retryMaxMs: 200,
          },
        ],
        clock: () => new Date(),
        random: () => 0.5,
        claimant: 'sms-test',
        flushMs: 20,
        idlePollMs: 50,
      });
      await dispatcher.start();
      try {
        await dispatcher.drain();
        expect(peer.messages.map((message) => message.text).sort()).toEqual([
          'Hello @ 5€',
          'Скидка 20% на тариф «Смарт»: ответьте СТОП, чтобы отписаться',
        ]);
        const statuses = async () =>
          new Map((await store.runs.outbox('r1')).map((row) => [row.customerId, row.status]));
        await eventually(async () => (await statuses()).get('c0') === 'delivered', 'receipts');
        expect(await statuses()).toEqual(
          new Map([
            ['c0', 'delivered'],
            ['c1', 'delivered'],
            ['c2', 'pending'],
          ]),
        );
        expect((await store.runs.history('r1')).map((row) => row.deliveryStatus)).toEqual([
          'delivered',
          'delivered',
          null,
        ]);

        await peer.sendMo('+79000000002', 'стоп');
        await peer.sendMo('+79000000001', 'hello');
        await eventually(
          async () =>
            (await store.getCustomer('c2', { events: 0 }))?.customer.consent_sms_marketing === false,
          'the opt-out',
        );
        expect((await store.getCustomer('c2', { events: 0 }))?.customer.consent_sms_service).toBe(true);
        expect((await store.getCustomer('c1', { events: 0 }))?.customer.consent_sms_marketing).toBe(true);
        expect((await statuses()).get('c2')).toBe('cancelled');
        expect(dispatcher.totals()).toMatchObject({ sent: 2, receipts: 2, optOuts: 1 });
        const report = await store.delivery.runDelivery('r1');
        expect(report.statuses).toEqual({ delivered: 2, cancelled: 1 });
      } finally {
        await dispatcher.stop();
      }
    });
  });
}
