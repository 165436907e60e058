import { createNatsEventSource } from '@opencvm/channels';
import { type NatsTestStream, natsReachable, openNatsTestStream } from '@opencvm/channels/testing';
import type { EventStreamSource, NormalizedRow, Store } from '@opencvm/core';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/create-app.ts';
import { consumeEventStream, type StreamRejection } from '../../src/import/import-stream.ts';

const reachable = await natsReachable();
const schema = testSchema();
const clock = () => new Date('2026-01-15T10:00:00.000Z');

const openSource = async (nats: NatsTestStream): Promise<EventStreamSource> => {
  const opened = await createNatsEventSource({
    servers: nats.url,
    stream: nats.stream,
    subject: nats.subject,
    durable: 'cvm-import',
    createStream: true,
    maxWaitMs: 20,
  });
  if (!opened.ok) throw new Error(`${opened.error.setting}: ${opened.error.message}`);
  return opened.value;
};

const event = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  customer_id: 'c1',
  type: 'purchase',
  ts: '2026-01-14T09:30:00Z',
  amount: '12.50',
  currency: 'EUR',
  sku: 'A-1',
  ...extra,
});

/** Resolves once `done()` holds after a call of `poke`. */
const until = (done: () => boolean) => {
  let resolve = (): void => {};
  const reached = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { reached, poke: () => done() && resolve() };
};

for (const adapter of ADAPTERS) {
  describe.skipIf(!reachable)(`events from a NATS stream into ${adapter.name}`, () => {
    it('stores each event once, rejects invalid messages with their reason and stores the rest', async () => {
      await using test = await adapter.open(schema);
      const app = await createApp({ store: test.store, schema }, { clock });
      await test.store.importRows('customers', [{ id: 'c1' }], new Set(['id']));
      await using nats = await openNatsTestStream();
      const source = await openSource(nats);
      await nats.publish(event('e1'));
      await nats.publish([
        event('e2'),
        event('e3', { type: 'visit', amount: undefined, currency: undefined, sku: undefined, page: '/home' }),
      ]);
      await nats.publish(event('e1'));
      await nats.publish(event('e4', { ts: 'yesterday' }));
      await nats.publish([event('e6'), event('e7', { qty: 'two' })]);
      await nats.publish('{"id": "e8",');
      await nats.publish(event('e5'));

      const accepted: NormalizedRow[] = [];
      const rejected: StreamRejection[] = [];
      const stop = new AbortController();
      const progress = until(() => accepted.length >= 5 && rejected.length >= 3);
      const totals = await Promise.all([
        consumeEventStream({ store: test.store, schema, clock }, source, {
          signal: stop.signal,
          onAccepted: async (rows) => {
            accepted.push(...rows);
            progress.poke();
          },
          onRejected: (rejection) => {
            rejected.push(rejection);
            progress.poke();
          },
        }),
        progress.reached.then(() => stop.abort()),
      ]);

      expect(accepted.map((row) => row.id)).toEqual(['e1', 'e2', 'e3', 'e1', 'e5']);
      expect((await app.summary()).events).toBe(4);
      const details = await test.store.getCustomer('c1', { events: 10 });
      expect(details === null ? [] : details.lastEvents.map((row) => row.id).sort()).toEqual([
        'e1',
        'e2',
        'e3',
        'e5',
      ]);

      expect(rejected.map((rejection) => rejection.reason)).toEqual([
        'event: ts: expected a timestamp (ISO 8601), got "yesterday"',
        'row 1: qty: expected an integer, got "two"',
        expect.stringMatching(/^not JSON text: /),
      ]);
      expect(rejected[1]?.errors).toEqual([
        { index: 1, issues: [{ column: 'qty', value: 'two', reason: 'expected an integer' }] },
      ]);
      // A message is all or nothing: e6 came with the invalid e7 and is not stored either.
      expect(accepted.some((row) => row.id === 'e6')).toBe(false);
      expect(totals[0]).toEqual({ messages: 7, rows: 5, rejected: 3 });
      // Everything was answered: nothing waits to come back.
      expect(await nats.consumerState('cvm-import')).toEqual({ pending: 0, unanswered: 0 });

      const runs = await test.store.listImportRuns(5);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({
        kind: 'events',
        source: 'nats',
        format: 'stream',
        status: 'succeeded',
        inserted: 4,
        rejected: 4,
      });
    });

    it('delivers a batch the store could not write again, and stores it once the store can', async () => {
      await using test = await adapter.open(schema);
      const app = await createApp({ store: test.store, schema }, { clock });
      // The store's first write fails, as one would on a full disk or a lost database connection.
      let failures = 1;
      const store = new Proxy<Store>(test.store, {
        get: (target, name) => {
          if (name === 'importRows' && failures > 0) {
            failures -= 1;
            return async () => {
              throw new Error('could not write: no space left on device');
            };
          }
          const value: unknown = Reflect.get(target, name, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      await using nats = await openNatsTestStream();
      const source = await openSource(nats);
      await nats.publish(event('e1'));

      const accepted: NormalizedRow[] = [];
      const errors: unknown[] = [];
      const stop = new AbortController();
      const progress = until(() => accepted.length >= 1);
      await Promise.all([
        consumeEventStream({ store, schema, clock }, source, {
          signal: stop.signal,
          retryDelayMs: 0,
          onAccepted: async (rows) => {
            accepted.push(...rows);
            progress.poke();
          },
          onError: (error) => {
            errors.push(error);
          },
        }),
        progress.reached.then(() => stop.abort()),
      ]);

      expect(errors).toEqual([new Error('could not write: no space left on device')]);
      expect(accepted.map((row) => row.id)).toEqual(['e1']);
      expect((await app.summary()).events).toBe(1);
      expect(await nats.consumerState('cvm-import')).toEqual({ pending: 0, unanswered: 0 });
      const [run] = await store.listImportRuns(1);
      expect(run).toMatchObject({ source: 'nats', status: 'succeeded', inserted: 1 });
    });
  });
}
