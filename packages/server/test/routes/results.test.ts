import { createApp } from '@opencvm/app';
import type { NormalizedRow } from '@opencvm/core';
import { ADAPTERS, campaignInput, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/create-server.ts';
import { signedInClient } from '../test-server.ts';

/** Results, programme, revenue share and planning over HTTP. */

const schema = testSchema();
const RUN_AT = new Date('2026-03-02T10:00:00.000Z');
const DAY = 86_400_000;

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();

const customers: NormalizedRow[] = Array.from({ length: 800 }, (_, index) => ({
  id: `c${String(index).padStart(4, '0')}`,
  city: index % 2 === 0 ? 'Berlin' : 'Hamburg',
  msisdn: `+4917${String(index).padStart(7, '0')}`,
  consent_sms_marketing: true,
  timezone: 'UTC',
}));

for (const adapter of ADAPTERS) {
  describe(`results API on ${adapter.name}`, () => {
    it('serves a campaign’s results, the programme, the revenue-share CSV and planning', async () => {
      await using test = await adapter.open(schema);
      let now = RUN_AT;
      const app = await createApp({ store: test.store, schema }, { clock: () => now });
      await test.store.importRows('customers', customers, new Set(Object.keys(customers[0] ?? {})));
      await test.store.segments.saveList('nobody', [], RUN_AT);
      await app.campaigns.createOffer(offerInput({ cooldownDays: 0, channels: ['sms'] }));
      const { createdBy: _author, ...definition } = campaignInput({
        audience: { type: 'rule', rule: { type: 'not', rule: { type: 'list', list: 'nobody' } } },
        goal: { eventType: 'purchase', kpi: 'conversion', attributionDays: 7 },
      });
      await app.campaigns.createCampaign(definition, { by: 'alice' });
      await app.campaigns.act('spring-sale', 'submit', { by: 'alice' });
      await app.campaigns.act('spring-sale', 'approve', { by: 'bob' });
      await app.campaigns.act('spring-sale', 'start', { by: 'bob' });
      const run = await app.runs.run({ campaignId: 'spring-sale', dryRun: false });
      if (!run.ok) throw new Error(run.error.message);
      const events = customers
        .filter((_, index) => index % 5 === 0)
        .map((row, index) => ({
          id: `p${index}`,
          customer_id: String(row.id),
          type: 'purchase',
          ts: new Date(RUN_AT.getTime() + DAY).toISOString(),
          amount: 20,
        }));
      await test.store.importRows('events', events, new Set(['id', 'customer_id', 'type', 'ts', 'amount']));
      now = new Date(RUN_AT.getTime() + 10 * DAY);
      const server = signedInClient(createServer(app, { version: '0.0.0-test' }).server, app);

      const results = await json(server.request('/v1/campaigns/spring-sale/results?by=city'));
      expect(results).toMatchObject({ campaignId: 'spring-sale', kpi: 'conversion', comparison: 'control' });
      expect(results.metrics.conversion.test.ci).toHaveLength(2);
      expect(results.breakdown.slices.map((slice: { value: string }) => slice.value)).toEqual([
        'Berlin',
        'Hamburg',
      ]);
      expect((await server.request('/v1/campaigns/nope/results')).status).toBe(404);
      const badBy = await server.request('/v1/campaigns/spring-sale/results?by=shoe_size');
      expect(badBy.status).toBe(400);
      expect((await json(badBy)).error.path).toBe('by');
      const daily = await json(server.request('/v1/campaigns/spring-sale/results/daily'));
      expect(daily.items.length).toBeGreaterThan(0);

      const programme = await server.request('/v1/programme?from=2026-03-01&to=2026-04-01');
      expect(programme.status).toBe(200);
      expect((await json(programme)).comparison).toBe('ucg');
      expect((await server.request('/v1/programme?from=March&to=2026-04-01')).status).toBe(400);

      const csv = await server.request('/v1/revenue-share?from=2026-03-01&to=2026-04-01&share=15&format=csv');
      expect(csv.headers.get('content-type')).toContain('text/csv');
      const lines = (await csv.text()).trim().split('\n');
      expect(lines[0]).toBe(
        'campaign_id,campaign_name,channel,offer_id,incremental_revenue,ci_low,ci_high,p_value,share_percent,share_amount',
      );
      expect(lines[1]).toMatch(/^spring-sale,Spring sale,sms,ten-off,/);
      expect(lines[1]).toContain(',15,');
      expect((await server.request('/v1/revenue-share?from=2026-03-01&to=2026-04-01&share=150')).status).toBe(
        400,
      );

      const plan = await server.request('/v1/planning', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ baseRate: 0.05, audience: 100000, controlShare: 10, mde: 0.005 }),
      });
      expect(plan.status).toBe(200);
      expect((await json(plan)).mde.absolute).toBeCloseTo(0.006436, 5);
      const badPlan = await server.request('/v1/planning', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ baseRate: 'high', audience: 100000 }),
      });
      expect(badPlan.status).toBe(400);
      expect((await json(badPlan)).error.path).toBe('baseRate');
    });
  });
}
