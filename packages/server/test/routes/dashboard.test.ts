import { createApp } from '@opencvm/app';
import type { NormalizedRow } from '@opencvm/core';
import { ADAPTERS, campaignInput, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/create-server.ts';
import { sessionHeaders } from '../test-server.ts';

/** What the home and results pages read as a viewer: contact pressure, run funnels, breakdowns. */

const schema = testSchema();
const RUN_AT = new Date('2026-03-02T10:00:00.000Z');
const DAY = 86_400_000;

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();

const customers: NormalizedRow[] = Array.from({ length: 400 }, (_, index) => ({
  id: `c${String(index).padStart(4, '0')}`,
  city: index % 2 === 0 ? 'Berlin' : 'Hamburg',
  msisdn: `+4917${String(index).padStart(7, '0')}`,
  consent_sms_marketing: true,
  timezone: 'UTC',
}));

for (const adapter of ADAPTERS) {
  describe(`dashboard API on ${adapter.name}`, () => {
    it('gives a viewer contact pressure, the funnels of real runs and what results break down by', async () => {
      await using test = await adapter.open(schema);
      let now = RUN_AT;
      const app = await createApp({ store: test.store, schema }, { clock: () => now });
      await test.store.importRows('customers', customers, new Set(Object.keys(customers[0] ?? {})));
      await test.store.segments.saveList('nobody', [], RUN_AT);
      const segment = await app.segments.save(
        {
          id: 'berliners',
          name: 'Berliners',
          rule: { type: 'attribute', attribute: 'city', op: '=', value: 'Berlin' },
        },
        'create',
      );
      if (!segment.ok) throw new Error(JSON.stringify(segment.error));
      await app.campaigns.createOffer(offerInput({ cooldownDays: 0, channels: ['sms'] }));
      const { createdBy: _author, ...definition } = campaignInput({
        audience: { type: 'rule', rule: { type: 'not', rule: { type: 'list', list: 'nobody' } } },
      });
      await app.campaigns.createCampaign(definition, { by: 'alice' });
      const dry = await app.runs.run({ campaignId: 'spring-sale', dryRun: true });
      if (!dry.ok) throw new Error(dry.error.message);
      await app.campaigns.act('spring-sale', 'submit', { by: 'alice' });
      await app.campaigns.act('spring-sale', 'approve', { by: 'bob' });
      await app.campaigns.act('spring-sale', 'start', { by: 'bob' });
      const run = await app.runs.run({ campaignId: 'spring-sale', dryRun: false });
      if (!run.ok) throw new Error(run.error.message);
      // The gateway accepts every queued message a minute after the run.
      const claimed = await test.store.delivery.claimDue({
        channel: 'sms',
        now: RUN_AT,
        limit: 1000,
        claimant: 'test',
        leaseUntil: new Date(RUN_AT.getTime() + 60_000),
      });
      expect(claimed.length).toBeGreaterThan(0);
      await test.store.delivery.recordOutcomes(
        'test',
        claimed.map((message) => ({
          runId: message.runId,
          customerId: message.customerId,
          step: message.step,
          status: 'sent' as const,
          providerId: `p-${message.customerId}`,
          reason: null,
          nextAttemptAt: null,
          at: new Date(RUN_AT.getTime() + 60_000),
        })),
      );
      now = new Date(RUN_AT.getTime() + 10 * DAY);
      const { server } = createServer(app, { version: '0.0.0-test' });
      const viewer = await sessionHeaders(app, 'vera', 'viewer');
      const get = (path: string) => server.request(path, { headers: viewer });

      const pressure = await get('/v1/contact-pressure?from=2026-03-02&to=2026-03-16');
      expect(pressure.status).toBe(200);
      const body = await json(pressure);
      const sent = claimed.length;
      expect(body).toMatchObject({ counted: 'sent', base: 400, weeks: 2, timezone: 'Europe/Berlin' });
      expect(body.byWeek).toEqual([
        {
          weekStart: '2026-03-02',
          channel: 'sms',
          messages: sent,
          customers: sent,
          perContacted: 1,
          perBase: sent / 400,
        },
      ]);
      expect(body.byChannel).toEqual([
        {
          channel: 'sms',
          messages: sent,
          activeWeeks: 1,
          perContactedWeekly: 1,
          perBaseWeekly: sent / 400 / 2,
          peakPerContacted: 1,
        },
      ]);
      const badFrom = await get('/v1/contact-pressure?from=March&to=2026-03-16');
      expect(badFrom.status).toBe(400);
      expect((await json(badFrom)).error.path).toBe('from');
      const backwards = await get('/v1/contact-pressure?from=2026-03-16&to=2026-03-02');
      expect(backwards.status).toBe(400);
      expect((await json(backwards)).error.path).toBe('from');
      const tooLong = await get('/v1/contact-pressure?from=2020-01-01&to=2026-03-02');
      expect(tooLong.status).toBe(400);
      expect((await json(tooLong)).error.path).toBe('to');

      // A viewer may not list runs (data.read), but may see the funnels of the runs results cover.
      expect((await get('/v1/campaigns/spring-sale/runs')).status).toBe(403);
      const runs = await get('/v1/campaigns/spring-sale/results/runs');
      expect(runs.status).toBe(200);
      const page = await json(runs);
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({ id: run.value.id, status: 'completed' });
      expect(page.items[0]).not.toHaveProperty('dryRun');
      expect(page.items[0].funnel.audience).toBe(400);
      expect((await get('/v1/campaigns/nope/results/runs')).status).toBe(404);

      // A campaign's definition is no customer data: a viewer opens its page. Customer rows, the
      // segment's members and delivery failures (which may quote a recipient) stay closed.
      const shown = await get('/v1/campaigns/spring-sale');
      expect(shown.status).toBe(200);
      expect(await json(shown)).toMatchObject({
        campaign: { id: 'spring-sale', status: 'running', createdBy: 'alice', offers: ['ten-off'] },
      });
      expect((await get('/v1/campaigns/nope')).status).toBe(404);
      for (const closed of [
        '/v1/customers?q=c0001',
        '/v1/customers/c0001',
        '/v1/segments/berliners/preview',
        `/v1/runs/${run.value.id}/delivery`,
        `/v1/runs/${run.value.id}`,
      ])
        expect((await get(closed)).status, closed).toBe(403);

      const dimensions = await json(get('/v1/results/context'));
      expect(dimensions).toMatchObject({ currency: 'EUR', timezone: 'Europe/Berlin' });
      expect(dimensions.attributes.map((attribute: { name: string }) => attribute.name)).toContain('city');
      expect(dimensions.segments).toEqual([{ id: 'berliners', name: 'Berliners' }]);
    });
  });
}
