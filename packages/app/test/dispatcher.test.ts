import { createWebhookAdapter, WebhookOptions } from '@opencvm/channels';
import { startWebhookPeer, type WebhookPeer } from '@opencvm/channels/testing';
import {
  type NormalizedRow,
  type OutboxRow,
  type Store,
  StoreError,
  UNSUBSCRIBE_URL_PLACEHOLDER,
} from '@opencvm/core';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import {
  type ChannelRoute,
  createDispatcher,
  type Dispatcher,
  retryDelay,
} from '../src/delivery/dispatcher.ts';
import { readUnsubscribeToken, unsubscribeKey, unsubscribeLink } from '../src/delivery/unsubscribe.ts';

/** The dispatcher against a real HTTP receiver, on every adapter. */

const schema = testSchema();
const NOW = new Date();

const customers = (n: number): NormalizedRow[] =>
  Array.from({ length: n }, (_, index) => ({
    id: `c${String(index).padStart(3, '0')}`,
    push_token: `token-${index}`,
    consent_push_marketing: true,
  }));

const message = (customerId: string, overrides: Partial<OutboxRow> = {}): OutboxRow => ({
  customerId,
  step: 'message',
  offerId: null,
  recipient: `token-${Number(customerId.slice(1))}`,
  content: { type: 'push', locale: 'en', title: 'Hi', body: `for ${customerId}` },
  sendAt: NOW.toISOString(),
  priority: 1,
  expectedValue: '1',
  ...overrides,
});

const queue = async (store: Store, rows: readonly OutboxRow[], runId = 'r1') => {
  const base = customers(rows.length);
  await store.importRows('customers', base, new Set(Object.keys(base[0] ?? {})));
  await store.runs.startRun({
    id: runId,
    campaignId: 'app-push',
    campaignVersion: 1,
    startedAt: NOW,
    dryRun: false,
    dueAt: null,
  });
  await store.runs.writeOutcomes({
    runId,
    campaignId: 'app-push',
    channel: 'push',
    purpose: 'marketing',
    at: NOW,
    history: rows.map((row) => ({
      customerId: row.customerId,
      outcome: 'queued',
      offerId: null,
      sendAt: row.sendAt,
    })),
    outbox: rows,
  });
};

const route = (peer: WebhookPeer, overrides: Partial<ChannelRoute> = {}): ChannelRoute => {
  const adapter = createWebhookAdapter(
    WebhookOptions.parse({ url: peer.url, signingSecret: { env: 'PEER_SECRET' }, timeoutMs: 2000 }),
    { PEER_SECRET: peer.secret },
  );
  if (!adapter.ok) throw new Error(adapter.error.message);
  return {
    channel: 'push',
    adapter: adapter.value,
    ratePerSecond: 1000,
    concurrency: 4,
    maxAttempts: 3,
    sendTimeoutMs: 2000,
    retryBaseMs: 20,
    retryMaxMs: 100,
    ...overrides,
  };
};

const dispatcherFor = (store: Store, routes: readonly ChannelRoute[], extra: { unsubscribe?: string } = {}) =>
  createDispatcher({
    store,
    routes,
    clock: () => new Date(),
    random: () => 0.5,
    claimant: 'test-dispatcher',
    flushMs: 20,
    idlePollMs: 50,
    ...(extra.unsubscribe === undefined
      ? {}
      : {
          unsubscribeUrl: unsubscribeLink({ publicUrl: 'https://cvm.example.org/', key: extra.unsubscribe }),
        }),
  });

const using = async <T>(dispatcher: Dispatcher, work: () => Promise<T>): Promise<T> => {
  await dispatcher.start();
  try {
    return await work();
  } finally {
    await dispatcher.stop();
  }
};

describe('retry delays', () => {
  it('double per attempt up to the cap, with half of each random', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) =>
      retryDelay({ attempt, baseMs: 1000, maxMs: 8000, random: 1 }),
    );
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(retryDelay({ attempt: 3, baseMs: 1000, maxMs: 8000, random: 0 })).toBe(2000);
  });
});

for (const adapter of ADAPTERS) {
  describe(`dispatcher on ${adapter.name}`, () => {
    it('sends every due message once, signed, with its unsubscribe link, and records it', async () => {
      await using test = await adapter.open(schema);
      await using peer = await startWebhookPeer();
      const rows = Array.from({ length: 40 }, (_, index) => message(`c${String(index).padStart(3, '0')}`));
      await queue(test.store, [
        ...rows,
        message('c040', { sendAt: new Date(NOW.getTime() + 3_600_000).toISOString() }),
      ]);
      const key = await unsubscribeKey(test.store);
      const dispatcher = dispatcherFor(test.store, [route(peer)], { unsubscribe: key });
      const totals = await using(dispatcher, () => dispatcher.drain());
      expect(totals).toMatchObject({ sent: 40, failed: 0, retried: 0, inDoubt: 0 });
      expect(peer.deliveries).toHaveLength(40);
      expect(peer.duplicates()).toBe(0);
      const first = peer.deliveries.find((delivery) => delivery.key === 'r1:c007:message');
      expect(first?.body).toMatchObject({
        customerId: 'c007',
        recipient: 'token-7',
        content: { title: 'Hi', body: 'for c007' },
      });
      // The link names this customer, channel and purpose, signed with the workspace key.
      const link = JSON.stringify(first?.body).match(
        /https:\/\/cvm\.example\.org\/unsubscribe\/([A-Za-z0-9_.-]+)/,
      );
      const claim = readUnsubscribeToken(key, link?.[1] ?? '');
      expect(claim).toEqual({
        ok: true,
        value: { customerId: 'c007', channel: 'push', purpose: 'marketing', runId: 'r1' },
      });
      expect(readUnsubscribeToken('another key', link?.[1] ?? '').ok).toBe(false);

      const outbox = await test.store.runs.outbox('r1');
      expect(outbox.filter((row) => row.status === 'sent')).toHaveLength(40);
      expect(outbox.find((row) => row.customerId === 'c040')?.status).toBe('pending');
      const history = await test.store.runs.history('r1');
      expect(history.filter((row) => row.deliveryStatus === 'sent')).toHaveLength(40);
    });

    it('claims again after a write conflict or serialization failure instead of stopping the channel', async () => {
      await using test = await adapter.open(schema);
      await using peer = await startWebhookPeer();
      await queue(test.store, [message('c000'), message('c001'), message('c002')]);
      // The store refuses the first claims as the engine refuses one of two colliding transactions.
      const refusals = [
        new StoreError('conflict', 'Conflict on update!'),
        new StoreError('retryable', 'could not serialize access'),
      ];
      const delivery = new Proxy(test.store.delivery, {
        get: (target, key, receiver) => {
          const refusal = key === 'claimDue' ? refusals.shift() : undefined;
          if (refusal !== undefined) return () => Promise.reject(refusal);
          return Reflect.get(target, key, receiver);
        },
      });
      const store = new Proxy(test.store, {
        get: (target, key, receiver) => (key === 'delivery' ? delivery : Reflect.get(target, key, receiver)),
      });
      const dispatcher = dispatcherFor(store, [route(peer)]);
      const totals = await using(dispatcher, () => dispatcher.drain());
      expect(refusals).toEqual([]);
      expect(totals).toMatchObject({ sent: 3, failed: 0 });
      expect(peer.deliveries).toHaveLength(3);
    });

    it('stops the channel on a store failure that claiming again would not mend', async () => {
      await using test = await adapter.open(schema);
      await using peer = await startWebhookPeer();
      await queue(test.store, [message('c000')]);
      const delivery = new Proxy(test.store.delivery, {
        get: (target, key, receiver) =>
          key === 'claimDue'
            ? () => Promise.reject(new StoreError('invalid_data', 'the outbox is damaged'))
            : Reflect.get(target, key, receiver),
      });
      const store = new Proxy(test.store, {
        get: (target, key, receiver) => (key === 'delivery' ? delivery : Reflect.get(target, key, receiver)),
      });
      const dispatcher = dispatcherFor(store, [route(peer)]);
      await dispatcher.start();
      await expect(dispatcher.drain()).rejects.toThrow('the outbox is damaged');
      await dispatcher.stop();
      expect(peer.deliveries).toHaveLength(0);
    });

    it('puts each customer’s own unsubscribe link where the content names it', async () => {
      await using test = await adapter.open(schema);
      await using peer = await startWebhookPeer();
      const body = `Stop: ${UNSUBSCRIBE_URL_PLACEHOLDER}`;
      await queue(test.store, [
        message('c000', { content: { type: 'push', locale: 'en', title: 'Hi', body } }),
        message('c001', { content: { type: 'push', locale: 'en', title: 'Hi', body } }),
      ]);
      const key = await unsubscribeKey(test.store);
      const dispatcher = dispatcherFor(test.store, [route(peer)], { unsubscribe: key });
      await using(dispatcher, () => dispatcher.drain());
      const bodies = new Map(
        peer.deliveries.map((delivery) => {
          const content = JSON.stringify(delivery.body);
          return [
            delivery.key,
            /Stop: https:\/\/cvm\.example\.org\/unsubscribe\/([A-Za-z0-9_.-]+)/.exec(content)?.[1],
          ];
        }),
      );
      const token = bodies.get('r1:c001:message') ?? '';
      expect(readUnsubscribeToken(key, token)).toMatchObject({ ok: true, value: { customerId: 'c001' } });
      expect(bodies.get('r1:c000:message')).not.toBe(token);
    });

    it('retries temporary failures with backoff and honours Retry-After', async () => {
      await using test = await adapter.open(schema);
      await using peer = await startWebhookPeer({ failNext: { status: 503, retryAfter: '1', count: 2 } });
      await queue(test.store, [message('c000'), message('c001')]);
      const dispatcher = dispatcherFor(test.store, [route(peer, { concurrency: 1 })]);
      const started = Date.now();
      const totals = await using(dispatcher, () => dispatcher.drain({ withinMs: 5_000 }));
      // Both first tries met the 503 and waited the second the receiver asked for.
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(totals).toMatchObject({ sent: 2, retried: 2, failed: 0 });
      expect(peer.requests()).toBe(4);
      expect(peer.deliveries.map((delivery) => delivery.key).sort()).toEqual([
        'r1:c000:message',
        'r1:c001:message',
      ]);
    });

    it('gives up after the last attempt and on permanent refusals: dead letters, requeued on demand', async () => {
      await using test = await adapter.open(schema);
      await using peer = await startWebhookPeer({ failNext: { status: 500, count: 3 } });
      await queue(test.store, [message('c000')]);
      const dispatcher = dispatcherFor(test.store, [route(peer, { maxAttempts: 3 })]);
      const totals = await using(dispatcher, () => dispatcher.drain({ withinMs: 2_000 }));
      expect(totals).toMatchObject({ sent: 0, retried: 2, failed: 1 });
      const [dead] = await test.store.delivery.deadLetters({ limit: 10 });
      expect(dead).toMatchObject({ customerId: 'c000', status: 'failed', attempts: 3 });
      expect(dead?.reason).toMatch(/^gave up after 3 attempts: .*500/);

      peer.failNext({ status: 400, count: 1 });
      await test.store.delivery.requeue({ runId: 'r1', now: new Date() });
      const again = dispatcherFor(test.store, [route(peer)]);
      expect(await using(again, () => again.drain())).toMatchObject({ failed: 1, retried: 0 });
      const [refused] = await test.store.delivery.deadLetters({ limit: 10 });
      expect(refused).toMatchObject({ attempts: 1 });
      expect(refused?.reason).toMatch(/400/);

      await test.store.delivery.requeue({ runId: 'r1', now: new Date() });
      const last = dispatcherFor(test.store, [route(peer)]);
      expect(await using(last, () => last.drain())).toMatchObject({ sent: 1 });
      expect(peer.deliveries).toHaveLength(1);
    });

    it('fails a message whose stored content is not a rendered message, without sending it', async () => {
      await using test = await adapter.open(schema);
      await using peer = await startWebhookPeer();
      await queue(test.store, [message('c000', { content: { type: 'fax', text: 'x' } })]);
      const dispatcher = dispatcherFor(test.store, [route(peer)]);
      expect(await using(dispatcher, () => dispatcher.drain())).toMatchObject({ failed: 1 });
      expect(peer.requests()).toBe(0);
      const [dead] = await test.store.delivery.deadLetters({ limit: 1 });
      expect(dead?.reason).toMatch(/not a rendered message/);
    });

    it('keeps to the channel rate', async () => {
      await using test = await adapter.open(schema);
      await using peer = await startWebhookPeer();
      await queue(
        test.store,
        Array.from({ length: 30 }, (_, index) => message(`c${String(index).padStart(3, '0')}`)),
      );
      const dispatcher = dispatcherFor(test.store, [route(peer, { ratePerSecond: 40, concurrency: 8 })]);
      const started = Date.now();
      await using(dispatcher, () => dispatcher.drain());
      // 30 starts at 40 a second: the last may start 29/40 s after the first.
      expect(Date.now() - started).toBeGreaterThanOrEqual(650);
      expect(peer.deliveries).toHaveLength(30);
    });
  });
}
