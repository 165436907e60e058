import { createApp, unsubscribeKey, unsubscribeToken } from '@opencvm/app';
import type { NormalizedRow } from '@opencvm/core';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/create-server.ts';
import { signedInClient } from '../test-server.ts';

/** Dead letters, requeueing, a run's delivery report and the unsubscribe page over HTTP. */

const schema = testSchema();
const NOW = new Date('2026-02-10T09:00:00.000Z');

const customers: NormalizedRow[] = [
  { id: 'anna', email: 'anna@example.org', consent_email_marketing: true },
  { id: 'boris', email: 'boris@example.org', consent_email_marketing: true },
];

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();

const openServer = async (adapter: (typeof ADAPTERS)[number]) => {
  const test = await adapter.open(schema);
  const app = await createApp({ store: test.store, schema }, { clock: () => NOW });
  await test.store.importRows('customers', customers, new Set(Object.keys(customers[0] ?? {})));
  await test.store.runs.startRun({
    id: 'run-1',
    campaignId: 'spring',
    campaignVersion: 1,
    startedAt: NOW,
    dryRun: false,
    dueAt: null,
  });
  await test.store.runs.writeOutcomes({
    runId: 'run-1',
    campaignId: 'spring',
    channel: 'email',
    purpose: 'marketing',
    at: NOW,
    history: customers.map((row) => ({
      customerId: String(row.id),
      outcome: 'queued',
      offerId: null,
      sendAt: NOW.toISOString(),
    })),
    outbox: customers.map((row) => ({
      customerId: String(row.id),
      step: 'message',
      offerId: null,
      recipient: String(row.email),
      content: { type: 'email', locale: 'en', subject: 'Spring', html: '<p>Hi</p>', text: 'Hi' },
      sendAt: NOW.toISOString(),
      priority: 1,
      expectedValue: '5',
    })),
  });
  const server = signedInClient(createServer(app, { version: '0.0.0-test' }).server, app);
  return { app, store: test.store, server, [Symbol.asyncDispose]: () => test[Symbol.asyncDispose]() };
};

for (const adapter of ADAPTERS) {
  describe(`delivery API on ${adapter.name}`, () => {
    it('lists dead letters, requeues a run’s failures and reports its delivery', async () => {
      await using api = await openServer(adapter);
      const { store } = api;
      await store.delivery.claimDue({
        channel: 'email',
        now: NOW,
        limit: 10,
        claimant: 'w',
        leaseUntil: new Date(NOW.getTime() + 60_000),
      });
      await store.delivery.recordOutcomes('w', [
        {
          runId: 'run-1',
          customerId: 'anna',
          step: 'message',
          status: 'sent',
          providerId: 'q1',
          reason: null,
          nextAttemptAt: null,
          at: NOW,
        },
        {
          runId: 'run-1',
          customerId: 'boris',
          step: 'message',
          status: 'failed',
          providerId: null,
          reason: '554 5.7.1 message refused',
          nextAttemptAt: null,
          at: NOW,
        },
      ]);
      const dead = await api.server.request('/v1/dead-letters?run=run-1');
      expect(dead.status).toBe(200);
      expect((await json(dead)).items).toMatchObject([
        {
          customerId: 'boris',
          recipient: 'boris@example.org',
          status: 'failed',
          reason: '554 5.7.1 message refused',
        },
      ]);
      const badLimit = await api.server.request('/v1/dead-letters?limit=0');
      expect(badLimit.status).toBe(400);
      expect((await json(badLimit)).error.path).toBe('limit');

      const report = await json(api.server.request('/v1/runs/run-1/delivery'));
      expect(report).toMatchObject({
        statuses: { sent: 1, failed: 1 },
        failures: [{ reason: '554 5.7.1 message refused', count: 1 }],
        channels: [{ channel: 'email', sent: 1 }],
      });
      expect((await api.server.request('/v1/runs/nope/delivery')).status).toBe(404);

      const requeue = (body: string) =>
        api.server.request('/v1/dead-letters:requeue', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      expect((await requeue('{"runId": 7}')).status).toBe(400);
      expect((await requeue('{"runId": "nope"}')).status).toBe(404);
      const requeued = await requeue('{"runId": "run-1"}');
      expect(await json(requeued)).toEqual({ requeued: 1 });
      expect((await json(api.server.request('/v1/dead-letters'))).items).toEqual([]);
    });

    it('asks before unsubscribing, in the reader’s language, then withdraws consent', async () => {
      await using api = await openServer(adapter);
      const key = await unsubscribeKey(api.store);
      const token = unsubscribeToken(key, {
        customerId: 'anna',
        channel: 'email',
        purpose: 'marketing',
        runId: 'run-1',
      });
      const page = await api.server.request(`/unsubscribe/${token}`, {
        headers: { 'accept-language': 'ru-RU,ru;q=0.9' },
      });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Больше не получать рекламные сообщения');
      expect(html).toContain('<form method="post">');
      // Opening the link (as a mail scanner does) changes nothing.
      expect((await api.app.customer('anna'))?.customer.consent_email_marketing).toBe(true);

      const done = await api.server.request(`/unsubscribe/${token}`, { method: 'POST' });
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('You will no longer receive marketing messages by e-mail.');
      expect((await api.app.customer('anna'))?.customer.consent_email_marketing).toBe(false);
      expect((await api.app.customer('boris'))?.customer.consent_email_marketing).toBe(true);
      // Anna's message not yet sent is withdrawn; Boris's stays.
      const outbox = await api.store.runs.outbox('run-1');
      expect(outbox.map((row) => [row.customerId, row.status])).toEqual([
        ['anna', 'cancelled'],
        ['boris', 'pending'],
      ]);
    });

    it('unsubscribes with one click from the mail client and refuses forged links', async () => {
      await using api = await openServer(adapter);
      const key = await unsubscribeKey(api.store);
      const token = unsubscribeToken(key, {
        customerId: 'boris',
        channel: 'email',
        purpose: 'marketing',
        runId: 'run-1',
      });
      const oneClick = await api.server.request(`/unsubscribe/${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(oneClick.status).toBe(200);
      expect((await api.app.customer('boris'))?.customer.consent_email_marketing).toBe(false);

      const forged = unsubscribeToken('not the workspace key', {
        customerId: 'anna',
        channel: 'email',
        purpose: 'marketing',
        runId: 'run-1',
      });
      expect((await api.server.request(`/unsubscribe/${forged}`)).status).toBe(400);
      const refused = await api.server.request(`/unsubscribe/${forged}`, { method: 'POST' });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('not valid');
      expect((await api.app.customer('anna'))?.customer.consent_email_marketing).toBe(true);
      expect((await api.server.request('/unsubscribe/garbage')).status).toBe(400);
    });
  });
}
