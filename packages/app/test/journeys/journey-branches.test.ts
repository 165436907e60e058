import { ContactPolicy, type JourneyInput, type NormalizedRow } from '@opencvm/core';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/create-app.ts';

/**
 * Branches read the world as it is when the customer reaches them: what became of an earlier
 * message (the gateway took it; an event came after it; the goal came after it), a saved segment,
 * the customer's attributes — over a real store, with the dispatcher's outcome recorded as the
 * dispatcher records it.
 */

const schema = testSchema();
const START = new Date('2026-01-15T10:00:00.000Z');
const HOUR = 3_600_000;

const sms = (text: string) => ({ type: 'sms' as const, locales: { en: { text } } });

const journey: Omit<JourneyInput, 'createdBy'> = {
  id: 'branchy',
  name: 'Branches',
  entry: { type: 'event', eventType: 'visit', where: [{ attribute: 'page', op: '=', value: 'home' }] },
  start: 'hello',
  nodes: [
    { id: 'hello', type: 'send', channel: 'sms', content: sms('Hello'), next: 'pause' },
    { id: 'pause', type: 'wait', wait: { type: 'duration', duration: { hours: 1 } }, next: 'which' },
    {
      id: 'which',
      type: 'branch',
      branches: [
        { name: 'bought', when: { type: 'message', node: 'hello', outcome: 'converted' }, next: 'x-bought' },
        {
          name: 'clicked',
          when: { type: 'message', node: 'hello', outcome: 'event', eventType: 'visit' },
          next: 'x-clicked',
        },
        {
          name: 'delivered',
          when: { type: 'message', node: 'hello', outcome: 'delivered' },
          next: 'x-delivered',
        },
        {
          name: 'gold',
          when: { type: 'attributes', where: [{ attribute: 'tier', op: '=', value: 'gold' }] },
          next: 'x-gold',
        },
        { name: 'vip', when: { type: 'segment', segment: 'vips' }, next: 'x-vip' },
      ],
      defaultNext: 'x-none',
    },
    ...['x-bought', 'x-clicked', 'x-delivered', 'x-gold', 'x-vip', 'x-none'].map((id) => ({
      id,
      type: 'exit' as const,
    })),
  ],
  reEntry: { mode: 'once' },
  holdoutShare: 0,
  goal: { eventType: 'refund', kpi: 'conversion' },
  priority: 100,
  purpose: 'service',
};

const customer = (id: string, extra: Record<string, unknown> = {}): NormalizedRow => ({
  id,
  tier: 'silver',
  vip: false,
  msisdn: `+49170000${id.replace(/\D/g, '')}`,
  consent_sms_service: true,
  ...extra,
});

for (const adapter of ADAPTERS) {
  describe(`journey branches on ${adapter.name}`, () => {
    it('takes the first branch that holds for each customer', async () => {
      let now = START;
      await using test = await adapter.open(schema, () => now);
      const app = await createApp(
        { store: test.store, schema },
        { clock: () => now, contactPolicy: ContactPolicy.parse({}) },
      );
      const rows = [
        customer('c1'),
        customer('c2'),
        customer('c3'),
        customer('c4', { tier: 'gold' }),
        customer('c5', { vip: true }),
        customer('c6'),
      ];
      await test.store.importRows('customers', rows, new Set(Object.keys(rows[0] ?? {})));
      expect(
        (
          await test.store.segments.saveSegment(
            { id: 'vips', name: 'VIPs', rule: { type: 'attribute', attribute: 'vip', op: '=', value: true } },
            START,
          )
        ).ok,
      ).toBe(true);
      const created = await app.journeys.create(journey, { by: 'alice' });
      expect(created.ok && created.value.issues).toEqual([]);
      for (const [action, by] of [
        ['submit', 'alice'],
        ['approve', 'bob'],
        ['start', 'bob'],
      ] as const) {
        expect((await app.journeys.act('branchy', action, { by })).ok).toBe(true);
      }
      const send = async (events: NormalizedRow[]) => {
        const result = await app.importBatch({ kind: 'events', body: events, atomic: true });
        if (!result.ok) throw new Error(JSON.stringify(result.error));
      };
      now = new Date(START.getTime() + 60_000);
      await send(
        rows.map((row) => ({
          id: `home-${row.id}`,
          customer_id: String(row.id),
          type: 'visit',
          ts: now.toISOString(),
          page: 'home',
        })),
      );

      // The gateway takes c3's message (as the dispatcher records it); c2 visits again after it; c1 refunds (the goal).
      const claimed = await test.store.delivery.claimDue({
        channel: 'sms',
        now,
        limit: 10,
        claimant: 'd',
        leaseUntil: new Date(now.getTime() + 60_000),
      });
      const c3 = claimed.find((message) => message.customerId === 'c3');
      if (c3 === undefined) throw new Error('no message for c3');
      await test.store.delivery.recordOutcomes('d', [
        {
          runId: c3.runId,
          customerId: 'c3',
          step: c3.step,
          status: 'sent',
          providerId: 'p-1',
          reason: null,
          nextAttemptAt: null,
          at: now,
        },
      ]);
      now = new Date(START.getTime() + 20 * 60_000);
      // c1's goal arrives while it waits: it leaves on the goal there and then.
      await send([
        {
          id: 'r-1',
          customer_id: 'c1',
          type: 'refund',
          ts: now.toISOString(),
          amount: '5.00',
          currency: 'EUR',
        },
        { id: 'again-2', customer_id: 'c2', type: 'visit', ts: now.toISOString(), page: 'pricing' },
      ]);
      now = new Date(START.getTime() + 2 * HOUR);
      await app.journeyRuntime.tick();
      const exitOf = async (id: string) => {
        const [entry] = (await app.journeys.entries(id)).map((item) => item.entry);
        return `${entry?.exitReason}:${entry?.exitNode}`;
      };
      expect(await Promise.all(rows.map((row) => exitOf(String(row.id))))).toEqual([
        'goal:pause',
        'completed:x-clicked',
        'completed:x-delivered',
        'completed:x-gold',
        'completed:x-vip',
        'completed:x-none',
      ]);
      const which = (await test.store.journeys.funnel('branchy')).nodes.find((node) => node.node === 'which');
      expect(which?.outcomes).toEqual({ clicked: 1, delivered: 1, gold: 1, vip: 1, default: 1 });
    });
  });
}
