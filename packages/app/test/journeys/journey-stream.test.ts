import { createNatsEventSource } from '@opencvm/channels';
import { natsReachable, openNatsTestStream } from '@opencvm/channels/testing';
import { ContactPolicy } from '@opencvm/core';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/create-app.ts';
import { consumeEventStream } from '../../src/import/import-stream.ts';

/** An event published to a NATS JetStream stream starts a journey as one posted to the API does. */

const reachable = await natsReachable();
if (!reachable && process.env.CI) throw new Error('NATS is not reachable at 127.0.0.1:4222 and CI is set');
const schema = testSchema();
const START = new Date('2026-01-15T10:00:00.000Z');

for (const adapter of ADAPTERS) {
  describe.skipIf(!reachable)(`journeys fed from a NATS stream on ${adapter.name}`, () => {
    it('puts the customer on the journey and queues the message before the event is acked', async () => {
      await using test = await adapter.open(schema, () => START);
      const app = await createApp(
        { store: test.store, schema },
        { clock: () => START, contactPolicy: ContactPolicy.parse({}) },
      );
      await test.store.importRows(
        'customers',
        [{ id: 's1', msisdn: '+491700000001', consent_sms_service: true }],
        new Set(['id', 'msisdn', 'consent_sms_service']),
      );
      const created = await app.journeys.create(
        {
          id: 'streamed',
          name: 'Streamed',
          entry: { type: 'event', eventType: 'visit' },
          start: 'hi',
          nodes: [
            {
              id: 'hi',
              type: 'send',
              channel: 'sms',
              content: { type: 'sms', locales: { en: { text: 'Hi' } } },
              next: 'done',
            },
            { id: 'done', type: 'exit' },
          ],
          holdoutShare: 0,
          goal: { eventType: 'purchase', kpi: 'conversion' },
          priority: 10,
          purpose: 'service',
        },
        { by: 'alice' },
      );
      expect(created.ok).toBe(true);
      for (const [action, by] of [
        ['submit', 'alice'],
        ['approve', 'bob'],
        ['start', 'bob'],
      ] as const) {
        expect((await app.journeys.act('streamed', action, { by })).ok).toBe(true);
      }
      await using nats = await openNatsTestStream();
      const opened = await createNatsEventSource({
        servers: nats.url,
        stream: nats.stream,
        subject: nats.subject,
        durable: 'cvm-journeys',
        createStream: true,
        maxWaitMs: 20,
      });
      if (!opened.ok) throw new Error(opened.error.message);
      await nats.publish({ id: 'v-1', customer_id: 's1', type: 'visit', ts: START.toISOString(), page: '/' });
      const stop = new AbortController();
      let acted = 0;
      await consumeEventStream({ store: test.store, schema, clock: () => START }, opened.value, {
        signal: stop.signal,
        onAccepted: async (rows) => {
          acted += (await app.journeyRuntime.accept(rows)).messages;
          stop.abort();
        },
      });
      await opened.value.close();
      expect(acted).toBe(1);
      const [entry] = await app.journeys.entries('s1');
      expect(entry?.entry).toMatchObject({ status: 'left', exitReason: 'completed', exitNode: 'done' });
    });
  });
}
