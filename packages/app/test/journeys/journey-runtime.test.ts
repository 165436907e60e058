import {
  bucketOf,
  bucketsOf,
  ContactPolicy,
  isInUcg,
  type JourneyInput,
  journeyMessageRunId,
  type NormalizedRow,
  ucgInForce,
} from '@opencvm/core';
import { ADAPTERS, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/create-app.ts';

/**
 * Journeys end to end over a real store: events in through the HTTP batch use case, entries by
 * the trigger's rules and groups, sends through consent, the contact policy and arbitration into
 * the shared outbox, waits for events with their timeouts, timers as the clock passes them, goal
 * exits, the funnel and the lifecycle.
 */

const schema = testSchema();
const START = new Date('2026-01-15T10:00:00.000Z');
const HOUR = 3_600_000;

const customers: NormalizedRow[] = Array.from({ length: 60 }, (_, index) => ({
  id: `c-${String(index).padStart(3, '0')}`,
  tier: index % 3 === 0 ? 'silver' : 'gold',
  city: 'Berlin',
  msisdn: `+4917000${String(index).padStart(4, '0')}`,
  consent_sms_marketing: true,
}));

const sms = (text: string) => ({ type: 'sms' as const, locales: { en: { text } } });

type Definition = Omit<JourneyInput, 'createdBy'>;

const followUp = (overrides: Partial<Definition> = {}): Definition => ({
  id: 'pricing-follow-up',
  name: 'Pricing page follow-up',
  entry: {
    type: 'event',
    eventType: 'visit',
    where: [{ attribute: 'page', op: '=', value: 'pricing' }],
    customer: { type: 'attribute', attribute: 'tier', op: '=', value: 'gold' },
  },
  start: 'offer',
  nodes: [
    {
      id: 'offer',
      type: 'send',
      channel: 'sms',
      offer: 'ten-off',
      content: sms('{{ offer.name }}, {{ customer.city }}'),
      next: 'wait',
    },
    {
      id: 'wait',
      type: 'wait',
      wait: {
        type: 'event',
        eventType: 'visit',
        where: [{ attribute: 'page', op: '=', value: 'cart' }],
        timeout: { days: 2 },
      },
      next: 'cart',
      timeoutNext: 'remind',
    },
    {
      id: 'remind',
      type: 'send',
      channel: 'sms',
      offer: 'ten-off',
      content: sms('Still thinking?'),
      next: 'done',
    },
    { id: 'cart', type: 'exit' },
    { id: 'done', type: 'exit' },
  ],
  reEntry: { mode: 'once' },
  holdoutShare: 20,
  goal: { eventType: 'purchase', kpi: 'conversion', attributionDays: 7 },
  priority: 300,
  purpose: 'marketing',
  ...overrides,
});

const visit = (
  customerId: string,
  page: string,
  at: Date,
  id = `${customerId}-${page}-${at.getTime()}`,
): NormalizedRow => ({
  id,
  customer_id: customerId,
  type: 'visit',
  ts: at.toISOString(),
  page,
});

for (const adapter of ADAPTERS) {
  describe(`journeys on ${adapter.name}`, () => {
    const setUp = async (journey: Definition, policy: unknown = {}) => {
      let now = START;
      const test = await adapter.open(schema, () => now);
      let seq = 0;
      const randomId = () => {
        seq += 1;
        return `id-${seq}`;
      };
      const app = await createApp(
        { store: test.store, schema },
        { clock: () => now, randomId, contactPolicy: ContactPolicy.parse(policy) },
      );
      await test.store.importRows('customers', customers, new Set(Object.keys(customers[0] ?? {})));
      const offer = await app.campaigns.createOffer(offerInput({ cooldownDays: 0 }));
      if (!offer.ok) throw new Error(JSON.stringify(offer.error));
      const created = await app.journeys.create(journey, { by: 'alice' });
      if (!created.ok) throw new Error(JSON.stringify(created.error));
      expect(created.value.issues).toEqual([]);
      for (const [action, by] of [
        ['submit', 'alice'],
        ['approve', 'bob'],
        ['start', 'bob'],
      ] as const) {
        const moved = await app.journeys.act(journey.id, action, { by });
        if (!moved.ok) throw new Error(JSON.stringify(moved.error));
      }
      const ucg = ucgInForce(
        (await test.store.campaigns.getUcgSettings()) ?? {
          salt: 'x',
          share: 0,
          rotatedAt: START.toISOString(),
          history: [],
        },
        START,
      );
      return {
        app,
        store: test.store,
        ucg,
        setNow: (at: Date) => {
          now = at;
        },
        send: async (rows: NormalizedRow[]) => {
          const result = await app.importBatch({ kind: 'events', body: rows, atomic: true });
          if (!result.ok) throw new Error(JSON.stringify(result.error));
        },
        // Disposing the test store closes it (the app's store): closed once.
        [Symbol.asyncDispose]: () => test[Symbol.asyncDispose](),
      };
    };

    const groupOf = (customerId: string, ucg: ReturnType<typeof ucgInForce>) => {
      if (ucg !== null && isInUcg(customerId, ucg)) return 'ucg';
      return bucketOf('journey:pricing-follow-up', customerId) < bucketsOf(20) ? 'holdout' : 'treated';
    };

    it('enters gold customers on the event, draws the holdout and UCG, and queues the first message at once', async () => {
      await using world = await setUp(followUp());
      const at = new Date(START.getTime() + HOUR);
      world.setNow(at);
      await world.send(customers.map((row) => visit(String(row.id), 'pricing', at)));
      const gold = customers.filter((row) => row.tier === 'gold').map((row) => String(row.id));
      const funnel = await world.store.journeys.funnel('pricing-follow-up');
      const expected = { treated: 0, holdout: 0, ucg: 0 };
      for (const id of gold) expected[groupOf(id, world.ucg)] += 1;
      expect(expected.treated).toBeGreaterThan(10);
      expect(expected.holdout).toBeGreaterThan(0);
      expect(funnel.entered).toEqual(expected);
      expect(funnel.active).toBe(expected.treated);
      const treated = gold.filter((id) => groupOf(id, world.ucg) === 'treated');
      const [first] = treated;
      if (first === undefined) throw new Error('no treated customer');
      const [entry] = (await world.app.journeys.entries(first)).map((item) => item.entry);
      expect(entry).toMatchObject({
        group: 'treated',
        status: 'active',
        position: { node: 'wait', awaiting: 'visit' },
      });
      const claimed = await world.store.delivery.claimDue({
        channel: 'sms',
        now: at,
        limit: 1000,
        claimant: 't',
        leaseUntil: new Date(at.getTime() + 60_000),
      });
      expect(claimed.map((message) => message.customerId).sort()).toEqual([...treated].sort());
      const mine = claimed.find((message) => message.customerId === first);
      expect(mine).toMatchObject({
        runId: journeyMessageRunId(entry?.id ?? '', 'offer'),
        campaignId: 'pricing-follow-up',
      });
      expect(mine?.content).toMatchObject({ text: '10% off the next purchase, Berlin' });

      // The same event again (a retried request) and a second visit change nothing: entry once.
      await world.send([
        visit(first, 'pricing', at),
        visit(first, 'pricing', new Date(at.getTime() + 60_000)),
      ]);
      expect((await world.store.journeys.funnel('pricing-follow-up')).entered).toEqual(expected);
    });

    it('moves on by the awaited event, times out into the reminder, and exits on the goal', async () => {
      await using world = await setUp(followUp({ holdoutShare: 0 }));
      const at = new Date(START.getTime() + HOUR);
      world.setNow(at);
      const treated = customers
        .filter((row) => row.tier === 'gold' && (world.ucg === null || !isInUcg(String(row.id), world.ucg)))
        .map((row) => String(row.id));
      const [toCart, toGoal, ...silent] = treated;
      if (toCart === undefined || toGoal === undefined) throw new Error('too few customers');
      await world.send(treated.map((id) => visit(id, 'pricing', at)));

      const later = new Date(at.getTime() + 2 * HOUR);
      world.setNow(later);
      await world.send([
        visit(toCart, 'cart', later),
        {
          id: 'p-1',
          customer_id: toGoal,
          type: 'purchase',
          ts: later.toISOString(),
          amount: '25.00',
          currency: 'EUR',
          sku: 'x',
          qty: 1,
        },
      ]);
      const stateOf = async (id: string) => (await world.app.journeys.entries(id))[0]?.entry;
      expect(await stateOf(toCart)).toMatchObject({
        status: 'left',
        exitReason: 'completed',
        exitNode: 'cart',
      });
      expect(await stateOf(toGoal)).toMatchObject({ status: 'left', exitReason: 'goal' });

      // Before the timeout nothing moves; after it every silent customer gets the reminder once.
      expect((await world.app.journeyRuntime.tick()).moved).toBe(0);
      const timeout = new Date(at.getTime() + 48 * HOUR + 1);
      world.setNow(timeout);
      const ticked = await world.app.journeyRuntime.tick();
      expect(ticked).toMatchObject({ moved: silent.length, messages: silent.length });
      expect((await world.app.journeyRuntime.tick()).moved).toBe(0);
      const funnel = await world.store.journeys.funnel('pricing-follow-up');
      expect(funnel.active).toBe(0);
      expect(funnel.left).toEqual({ completed: silent.length + 1, goal: 1 });
      const remind = funnel.nodes.find((node) => node.node === 'remind');
      expect(remind).toMatchObject({ reached: silent.length, here: 0, outcomes: { queued: silent.length } });
      expect(funnel.nodes.find((node) => node.node === 'wait')?.outcomes).toEqual({
        reached: treated.length,
        event: 1,
        timeout: silent.length,
      });
    });

    it('applies the contact policy at every send: quiet hours defer, caps suppress and the customer leaves with the rule', async () => {
      await using world = await setUp(followUp({ holdoutShare: 0 }), {
        caps: { sms: { day: 1 } },
        quietHours: { default: { from: '21:00', to: '09:00' } },
      });
      const treated = customers
        .filter((row) => row.tier === 'gold' && (world.ucg === null || !isInUcg(String(row.id), world.ucg)))
        .map((row) => String(row.id));
      const [late, capped] = treated;
      if (late === undefined || capped === undefined) throw new Error('too few customers');
      // 22:30 in Berlin: quiet hours move the message to 09:00 the next morning.
      const night = new Date('2026-01-15T21:30:00.000Z');
      world.setNow(night);
      await world.send([visit(late, 'pricing', night)]);
      const due = await world.store.delivery.claimDue({
        channel: 'sms',
        now: new Date('2026-01-16T07:59:59Z'),
        limit: 10,
        claimant: 't',
        leaseUntil: new Date('2026-01-16T09:00:00Z'),
      });
      expect(due).toEqual([]);
      const morning = await world.store.delivery.claimDue({
        channel: 'sms',
        now: new Date('2026-01-16T08:00:00.000Z'),
        limit: 10,
        claimant: 't2',
        leaseUntil: new Date('2026-01-16T09:00:00Z'),
      });
      expect(morning.map((message) => message.customerId)).toEqual([late]);

      // A campaign message already queued today for `capped`: the journey's send is over the cap.
      const noon = new Date('2026-01-16T11:00:00.000Z');
      world.setNow(noon);
      await world.store.runs.startRun({
        id: 'other',
        campaignId: 'other',
        campaignVersion: 1,
        startedAt: noon,
        dryRun: false,
        dueAt: null,
      });
      await world.store.runs.writeOutcomes({
        runId: 'other',
        campaignId: 'other',
        channel: 'sms',
        purpose: 'marketing',
        at: noon,
        history: [{ customerId: capped, outcome: 'queued', offerId: 'ten-off', sendAt: noon.toISOString() }],
        outbox: [
          {
            customerId: capped,
            step: 'message',
            offerId: 'ten-off',
            recipient: 'x',
            content: {},
            sendAt: noon.toISOString(),
            priority: 900,
            expectedValue: '9',
          },
        ],
      });
      await world.send([visit(capped, 'pricing', noon)]);
      const [entry] = (await world.app.journeys.entries(capped)).map((item) => item.entry);
      expect(entry).toMatchObject({ status: 'left', exitReason: 'policy', exitNode: 'offer' });
      expect(entry?.exitDetail).toMatch(/^suppressed:/);
    });

    it('stops: nobody enters and everyone on it leaves; an edit is a new version the customers inside do not see', async () => {
      await using world = await setUp(followUp({ holdoutShare: 0 }));
      const at = new Date(START.getTime() + HOUR);
      world.setNow(at);
      const treated = customers
        .filter((row) => row.tier === 'gold' && (world.ucg === null || !isInUcg(String(row.id), world.ucg)))
        .map((row) => String(row.id));
      const [a, b, c] = treated;
      if (a === undefined || b === undefined || c === undefined) throw new Error('too few customers');
      await world.send([visit(a, 'pricing', at), visit(b, 'pricing', at)]);
      const edited = await world.app.journeys.update(
        'pricing-follow-up',
        { ...followUp({ holdoutShare: 0 }), name: 'Follow-up v2' },
        { by: 'alice' },
      );
      expect(edited.ok && edited.value.journey.status).toBe('draft');
      // Not running while the new version waits for approval: nobody new enters.
      await world.send([visit(c, 'pricing', at)]);
      expect(await world.app.journeys.entries(c)).toEqual([]);
      // Those inside still move on their version's timers.
      world.setNow(new Date(at.getTime() + 49 * HOUR));
      expect((await world.app.journeyRuntime.tick()).moved).toBe(2);
      for (const [action, by] of [
        ['submit', 'alice'],
        ['approve', 'bob'],
        ['start', 'bob'],
      ] as const) {
        expect((await world.app.journeys.act('pricing-follow-up', action, { by })).ok).toBe(true);
      }
      await world.send([visit(c, 'pricing', new Date(at.getTime() + 49 * HOUR))]);
      const [entry] = (await world.app.journeys.entries(c)).map((item) => item.entry);
      expect(entry?.version).toBeGreaterThan(1);
      expect((await world.app.journeys.act('pricing-follow-up', 'stop', { by: 'bob' })).ok).toBe(true);
      expect((await world.app.journeys.entries(c))[0]?.entry).toMatchObject({
        status: 'left',
        exitReason: 'stopped',
      });
    });

    it('lets no event from before the start put anyone on the journey, nor an older event end a wait', async () => {
      await using world = await setUp(followUp({ holdoutShare: 0 }));
      const treated = customers
        .filter((row) => row.tier === 'gold' && (world.ucg === null || !isInUcg(String(row.id), world.ucg)))
        .map((row) => String(row.id));
      const [backfilled, waiting] = treated;
      if (backfilled === undefined || waiting === undefined) throw new Error('too few customers');
      const at = new Date(START.getTime() + HOUR);
      world.setNow(at);
      // A history file loaded now carries a visit from before the journey started.
      await world.send([
        visit(backfilled, 'pricing', new Date(START.getTime() - HOUR)),
        visit(waiting, 'pricing', at),
      ]);
      expect(await world.app.journeys.entries(backfilled)).toEqual([]);
      // A cart visit from before the customer started waiting arrives late: the wait goes on.
      await world.send([visit(waiting, 'cart', new Date(at.getTime() - 60_000))]);
      expect((await world.app.journeys.entries(waiting))[0]?.entry).toMatchObject({
        status: 'active',
        position: { node: 'wait' },
      });
    });

    it('refuses to submit a journey with issues, naming them', async () => {
      await using test = await adapter.open(schema, () => START);
      const app = await createApp({ store: test.store, schema }, { clock: () => START });
      const draft = await app.journeys.create({ ...followUp(), start: undefined }, { by: 'alice' });
      expect(draft.ok && draft.value.issues.map((issue) => issue.path)).toEqual(
        expect.arrayContaining(['start']),
      );
      const submitted = await app.journeys.act('pricing-follow-up', 'submit', { by: 'alice' });
      expect(submitted.ok).toBe(false);
      if (!submitted.ok)
        expect(submitted.error).toMatchObject({ type: 'conflict', reason: 'invalid_transition' });
    });
  });
}
