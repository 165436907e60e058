import { assignGroup, bucketOf, ContactPolicy, type NormalizedRow, type Store } from '@opencvm/core';
import { ADAPTERS, campaignInput, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/create-app.ts';

/** The campaign run workflow over a fake clock, on every adapter. */

const schema = testSchema();
const ZONES = ['Europe/Berlin', 'Asia/Tokyo', 'America/New_York'] as const;

const customers = (n: number): NormalizedRow[] =>
  Array.from({ length: n }, (_, index) => ({
    id: `c-${String(index).padStart(4, '0')}`,
    city: index % 4 === 0 ? null : 'Berlin',
    msisdn: index % 11 === 0 ? null : `+4917000${String(index).padStart(4, '0')}`,
    consent_sms_marketing: index % 13 !== 0,
    timezone: ZONES[index % ZONES.length] ?? null,
  }));

const EVERYONE = { type: 'not', rule: { type: 'list', list: 'nobody' } } as const;

const policy = ContactPolicy.parse({
  caps: { sms: { day: 1, week: 2 } },
  quietHours: { default: { from: '21:00', to: '09:00' } },
});

const open = async (store: Store, clock: () => Date, withPolicy = true): Promise<App> => {
  let next = 0;
  return createApp(
    { store, schema },
    {
      clock,
      randomId: () => {
        next += 1;
        return `id-${next}`;
      },
      ...(withPolicy ? { contactPolicy: policy } : {}),
    },
  );
};

const setUp = async (app: App, store: Store, campaigns: readonly { id: string; priority: number }[]) => {
  const rows = customers(600);
  await store.importRows('customers', rows, new Set(Object.keys(rows[0] ?? {})));
  const offer = await app.campaigns.createOffer(offerInput({ cooldownDays: 0, channels: ['sms'] }));
  expect(offer.ok ? null : offer.error).toBeNull();
  await app.campaigns.showUcg();
  await store.segments.saveList('nobody', [], new Date('2026-01-01T00:00:00.000Z'));
  for (const { id, priority } of campaigns) {
    const { createdBy: _author, ...definition } = campaignInput({
      id,
      priority,
      audience: { type: 'rule', rule: EVERYONE },
    });
    const created = await app.campaigns.createCampaign(definition, { by: 'alice' });
    expect(created.ok ? null : created.error).toBeNull();
  }
  return rows;
};

const start = async (app: App, id: string) => {
  for (const [action, by] of [
    ['submit', 'alice'],
    ['approve', 'bob'],
    ['start', 'bob'],
  ] as const) {
    const moved = await app.campaigns.act(id, action, { by });
    expect(moved.ok ? null : moved.error).toBeNull();
  }
};

const runOk = async (app: App, options: { campaignId: string; dryRun?: boolean; runId?: string }) => {
  const run = await app.runs.run({ dryRun: false, ...options });
  if (!run.ok) throw new Error(run.error.message);
  return run.value;
};

for (const adapter of ADAPTERS) {
  describe(`campaign runs on ${adapter.name}`, () => {
    it('runs only running campaigns, dry-runs any, and every audience member lands in one outcome', async () => {
      await using test = await adapter.open(schema);
      let now = new Date('2026-01-15T21:30:00.000Z');
      const app = await open(test.store, () => now);
      const rows = await setUp(app, test.store, [{ id: 'spring-sale', priority: 500 }]);

      expect(await app.runs.run({ campaignId: 'spring-sale', dryRun: false })).toMatchObject({
        ok: false,
        error: { type: 'conflict' },
      });
      const dry = await runOk(app, { campaignId: 'spring-sale', dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, status: 'completed' });
      expect(await test.store.runs.history(dry.id)).toEqual([]);
      expect(await test.store.runs.outbox(dry.id)).toEqual([]);

      await start(app, 'spring-sale');
      const run = await runOk(app, { campaignId: 'spring-sale', runId: 'r1' });
      const funnel = run.funnel;
      if (funnel === null) throw new Error('no funnel');
      expect(funnel).toEqual(dry.funnel);
      expect(funnel.audience).toBe(rows.length);
      expect(funnel.steps.reduce((sum, step) => sum + step.left, 0) + funnel.queued).toBe(rows.length);
      for (const step of funnel.steps) {
        expect(Object.values(step.reasons).reduce((sum, n) => sum + n, 0)).toBe(step.left);
      }
      const history = await test.store.runs.history('r1');
      expect(history).toHaveLength(rows.length);
      expect(new Set(history.map((entry) => entry.customerId)).size).toBe(rows.length);
      const outbox = await test.store.runs.outbox('r1');
      expect(outbox).toHaveLength(funnel.queued);
      expect(history.filter((entry) => entry.outcome === 'queued')).toHaveLength(funnel.queued);

      // UCG and holdout follow the core's assignment.
      const ucgSettings = await app.campaigns.showUcg();
      const groups = {
        ucg: { salt: ucgSettings.salt, share: ucgSettings.share },
        holdout: { salt: 'campaign:spring-sale', share: 10 },
      };
      for (const entry of history) {
        const group = assignGroup(entry.customerId, groups);
        if (group !== 'target') expect(entry.outcome).toBe(group);
        else expect(['ucg', 'control']).not.toContain(entry.outcome);
      }
      const byId = new Map(rows.map((row) => [String(row.id), row]));
      for (const entry of history) {
        const row = byId.get(entry.customerId);
        if (assignGroup(entry.customerId, groups) !== 'target') continue;
        if (row?.consent_sms_marketing === false) expect(entry.outcome).toBe('excluded:no_consent');
        else if (row?.msisdn === null) expect(entry.outcome).toBe('excluded:no_contact_point');
        else expect(entry.outcome).toBe('queued');
      }

      // Quiet hours move the message to 09:00 in the customer's own zone.
      const sendAtOf = {
        'Europe/Berlin': '2026-01-16T08:00:00.000Z',
        'Asia/Tokyo': '2026-01-16T00:00:00.000Z',
      };
      for (const message of outbox) {
        const zone = byId.get(message.customerId)?.timezone;
        const expected =
          zone === 'Europe/Berlin' || zone === 'Asia/Tokyo' ? sendAtOf[zone] : now.toISOString();
        expect(message.sendAt).toBe(expected);
        expect(message.content).toMatchObject({ type: 'sms', text: expect.stringContaining('10% off') });
      }

      // Running the same run again adds nothing.
      now = new Date('2026-01-15T22:00:00.000Z');
      const again = await runOk(app, { campaignId: 'spring-sale', runId: 'r1' });
      expect(again).toEqual(run);
      expect(await test.store.runs.history('r1')).toHaveLength(rows.length);
      expect(await test.store.runs.outbox('r1')).toHaveLength(funnel.queued);
    });

    it('keeps caps across days from earlier runs and the groups stable', async () => {
      await using test = await adapter.open(schema);
      let now = new Date('2026-01-15T21:30:00.000Z');
      const app = await open(test.store, () => now);
      const rows = await setUp(app, test.store, [{ id: 'spring-sale', priority: 500 }]);
      await start(app, 'spring-sale');
      const zoneOf = new Map(rows.map((row) => [String(row.id), String(row.timezone)]));
      const outcomes = async (runId: string) =>
        new Map((await test.store.runs.history(runId)).map((entry) => [entry.customerId, entry.outcome]));

      // Thursday 21:30Z: Berlin's and Tokyo's messages wait for Friday 09:00 local; New York's is Thursday's.
      await runOk(app, { campaignId: 'spring-sale', runId: 'thu' });
      now = new Date('2026-01-16T15:00:00.000Z');
      await runOk(app, { campaignId: 'spring-sale', runId: 'fri' });
      now = new Date('2026-01-17T15:00:00.000Z');
      await runOk(app, { campaignId: 'spring-sale', runId: 'sat' });
      const [thu, fri, sat] = [await outcomes('thu'), await outcomes('fri'), await outcomes('sat')];

      for (const [id, outcome] of thu) {
        const zone = zoneOf.get(id);
        if (outcome === 'ucg' || outcome === 'control') {
          expect(fri.get(id)).toBe(outcome);
          expect(sat.get(id)).toBe(outcome);
          continue;
        }
        if (outcome !== 'queued') continue;
        // Friday 15:00Z is Friday in Berlin (already has Friday's), Saturday 00:00 in Tokyo (moved to
        // 09:00 Saturday) and Friday 10:00 in New York (had Thursday's).
        expect(fri.get(id)).toBe(zone === 'Europe/Berlin' ? 'suppressed:cap:sms:day' : 'queued');
        // Saturday: Tokyo and New York have had two this ISO week, Berlin one.
        expect(sat.get(id)).toBe(zone === 'Europe/Berlin' ? 'queued' : 'suppressed:cap:sms:week');
      }
    });

    it('lets the higher priority × expected value win a customer’s day', async () => {
      await using test = await adapter.open(schema);
      const now = new Date('2026-01-15T10:00:00.000Z');
      const app = await open(test.store, () => now, false);
      await setUp(app, test.store, [
        { id: 'big', priority: 900 },
        { id: 'small', priority: 100 },
      ]);
      await start(app, 'big');
      await start(app, 'small');
      const big = await runOk(app, { campaignId: 'big' });
      const small = await runOk(app, { campaignId: 'small' });
      const queuedBig = new Set((await test.store.runs.outbox(big.id)).map((message) => message.customerId));
      for (const entry of await test.store.runs.history(small.id)) {
        if (queuedBig.has(entry.customerId) && !['ucg', 'control'].includes(entry.outcome)) {
          expect(entry.outcome).toBe('suppressed:arbitration');
        }
      }
      expect(small.funnel?.steps.find((step) => step.step === 'arbitration')?.left).toBeGreaterThan(0);
    });

    it('withdraws a weaker campaign’s pending message for the day, but not one already sent', async () => {
      await using test = await adapter.open(schema);
      const now = new Date('2026-01-15T10:00:00.000Z');
      const app = await open(test.store, () => now, false);
      await setUp(app, test.store, [
        { id: 'big', priority: 900 },
        { id: 'small', priority: 100 },
      ]);
      await start(app, 'big');
      await start(app, 'small');
      // The weaker campaign runs first; some of its messages go out before the better one runs.
      const small = await runOk(app, { campaignId: 'small', runId: 'small-1' });
      const smallQueued = (await test.store.runs.outbox(small.id)).map((message) => message.customerId);
      expect(smallQueued.length).toBeGreaterThan(100);
      const alreadySent = new Set(smallQueued.slice(0, 50));
      const claimed = await test.store.delivery.claimDue({
        channel: 'sms',
        now,
        limit: 50,
        claimant: 'worker',
        leaseUntil: new Date(now.getTime() + 60_000),
      });
      alreadySent.clear();
      for (const message of claimed) alreadySent.add(message.customerId);
      await test.store.delivery.recordOutcomes(
        'worker',
        claimed.map((message) => ({
          runId: message.runId,
          customerId: message.customerId,
          step: message.step,
          status: 'sent' as const,
          providerId: null,
          reason: null,
          nextAttemptAt: null,
          at: now,
        })),
      );

      const big = await runOk(app, { campaignId: 'big', runId: 'big-1' });
      const bigOutcomes = new Map(
        (await test.store.runs.history(big.id)).map((row) => [row.customerId, row.outcome]),
      );
      const smallOutbox = new Map(
        (await test.store.runs.outbox(small.id)).map((row) => [row.customerId, row.status]),
      );
      const smallHistory = new Map(
        (await test.store.runs.history(small.id)).map((row) => [row.customerId, row]),
      );
      let withdrawn = 0;
      for (const customerId of smallQueued) {
        const bigOutcome = bigOutcomes.get(customerId);
        if (alreadySent.has(customerId)) {
          // Sent before the better campaign ran: it keeps the customer's day.
          expect(smallOutbox.get(customerId)).toBe('sent');
          if (bigOutcome !== 'ucg' && bigOutcome !== 'control')
            expect(bigOutcome).toBe('suppressed:arbitration');
        } else if (bigOutcome === 'queued') {
          withdrawn += 1;
          expect(smallOutbox.get(customerId)).toBe('cancelled');
          expect(smallHistory.get(customerId)).toMatchObject({
            outcome: 'suppressed:arbitration',
            deliveryStatus: 'cancelled',
          });
        } else {
          expect(smallOutbox.get(customerId)).toBe('pending');
        }
      }
      expect(withdrawn).toBeGreaterThan(50);
      // Nobody has two messages for the day on their way.
      const live = new Map<string, number>();
      for (const runId of [small.id, big.id]) {
        for (const message of await test.store.runs.outbox(runId)) {
          if (message.status !== 'cancelled')
            live.set(message.customerId, (live.get(message.customerId) ?? 0) + 1);
        }
      }
      expect(Math.max(...live.values())).toBe(1);
    });

    it('gives each target the best offer they are eligible for, and none to those eligible for none', async () => {
      await using test = await adapter.open(schema);
      const now = new Date('2026-01-15T10:00:00.000Z');
      const app = await open(test.store, () => now, false);
      const rows = await setUp(app, test.store, []);
      const berlin = { type: 'attribute', attribute: 'city', op: '=', value: 'Berlin' } as const;
      await test.store.segments.saveSegment({ id: 'berliners', name: 'Berliners', rule: berlin }, now);
      for (const offer of [
        // Better than ten-off (500 × 2.5) for those it is open to.
        { id: 'berlin-gift', eligibility: { type: 'rule', rule: berlin } as const },
        { id: 'berlin-saved', eligibility: { type: 'segment', segment: 'berliners' } as const },
      ]) {
        const created = await app.campaigns.createOffer(
          offerInput({ ...offer, expectedValue: '9', cooldownDays: 0, channels: ['sms'] }),
        );
        expect(created.ok ? null : created.error).toBeNull();
      }
      for (const [id, offers, priority] of [
        ['mixed', ['berlin-gift', 'ten-off'], 900],
        ['berlin-only', ['berlin-saved'], 100],
      ] as const) {
        const { createdBy: _author, ...definition } = campaignInput({
          id,
          priority,
          offers: [...offers],
          audience: { type: 'rule', rule: EVERYONE },
        });
        const created = await app.campaigns.createCampaign(definition, { by: 'alice' });
        expect(created.ok ? null : created.error).toBeNull();
        await start(app, id);
      }
      const reachable = new Set(
        rows
          .filter((row) => row.consent_sms_marketing === true && row.msisdn !== null)
          .map((row) => String(row.id)),
      );
      const inBerlin = new Set(rows.filter((row) => row.city === 'Berlin').map((row) => String(row.id)));

      const mixed = await runOk(app, { campaignId: 'mixed', runId: 'mixed-1' });
      const mixedHistory = await test.store.runs.history('mixed-1');
      for (const entry of mixedHistory) {
        if (entry.outcome !== 'queued') continue;
        expect(entry.offerId).toBe(inBerlin.has(entry.customerId) ? 'berlin-gift' : 'ten-off');
      }
      expect(
        new Set(mixedHistory.filter((entry) => entry.outcome === 'queued').map((entry) => entry.offerId)),
      ).toEqual(new Set(['berlin-gift', 'ten-off']));
      expect(mixed.funnel?.queued).toBe(mixedHistory.filter((entry) => entry.outcome === 'queued').length);
      for (const message of await test.store.runs.outbox('mixed-1')) {
        expect(message.offerId).toBe(inBerlin.has(message.customerId) ? 'berlin-gift' : 'ten-off');
      }

      const only = await runOk(app, { campaignId: 'berlin-only', runId: 'only-1' });
      const notEligible = (await test.store.runs.history('only-1')).filter(
        (entry) => reachable.has(entry.customerId) && !inBerlin.has(entry.customerId),
      );
      expect(notEligible.length).toBeGreaterThan(0);
      for (const entry of notEligible) {
        if (entry.outcome === 'ucg' || entry.outcome === 'control') continue;
        expect(entry).toMatchObject({ outcome: 'excluded:not_eligible', offerId: null });
      }
      const consent = only.funnel?.steps.find((step) => step.step === 'consent');
      expect(consent?.reasons['excluded:not_eligible']).toBeGreaterThan(0);
    });

    it('takes the contact policy from the workspace schema when none is given', async () => {
      const noSms = { ...schema, contactPolicy: ContactPolicy.parse({ caps: { sms: { day: 0 } } }) };
      await using test = await adapter.open(noSms);
      const now = new Date('2026-01-15T10:00:00.000Z');
      const app = await createApp(
        { store: test.store, schema: noSms },
        { clock: () => now, randomId: () => 'id-1' },
      );
      await setUp(app, test.store, [{ id: 'spring-sale', priority: 500 }]);
      await start(app, 'spring-sale');
      const run = await runOk(app, { campaignId: 'spring-sale' });
      expect(run.funnel?.queued).toBe(0);
      expect(
        run.funnel?.steps.find((step) => step.step === 'contact_policy')?.reasons['suppressed:cap:sms:day'],
      ).toBeGreaterThan(0);
    });

    it('queues at most the volume cap, holding back the rest in holdout-bucket then id order', async () => {
      await using test = await adapter.open(schema);
      const now = new Date('2026-01-15T10:00:00.000Z');
      const app = await open(test.store, () => now, false);
      await setUp(app, test.store, []);
      const { createdBy: _author, ...definition } = campaignInput({
        id: 'capped',
        volumeCap: 50,
        audience: { type: 'rule', rule: EVERYONE },
      });
      const created = await app.campaigns.createCampaign(definition, { by: 'alice' });
      expect(created.ok ? null : created.error).toBeNull();
      await start(app, 'capped');

      const run = await runOk(app, { campaignId: 'capped', runId: 'capped-1' });
      const history = await test.store.runs.history('capped-1');
      const queued = history.filter((entry) => entry.outcome === 'queued').map((entry) => entry.customerId);
      const capped = history
        .filter((entry) => entry.outcome === 'suppressed:volume_cap')
        .map((entry) => entry.customerId);
      expect(queued).toHaveLength(50);
      expect(capped.length).toBeGreaterThan(0);
      expect(await test.store.runs.outbox('capped-1')).toHaveLength(50);
      expect(run.funnel?.queued).toBe(50);
      expect(run.funnel?.steps.find((step) => step.step === 'volume_cap')).toMatchObject({
        left: capped.length,
        reasons: { 'suppressed:volume_cap': capped.length },
      });

      const rank = (id: string) => [bucketOf('campaign:capped', id), id] as const;
      const before = (a: string, b: string) => {
        const [ra, rb] = [rank(a), rank(b)];
        return ra[0] !== rb[0] ? ra[0] < rb[0] : ra[1] < rb[1];
      };
      const lastQueued = queued.reduce((last, id) => (before(last, id) ? id : last));
      for (const id of capped) expect(before(lastQueued, id)).toBe(true);

      // Running it again writes nothing new and holds back the same customers.
      await runOk(app, { campaignId: 'capped', runId: 'capped-1' });
      expect(await test.store.runs.outbox('capped-1')).toHaveLength(50);
    });
  });
}
