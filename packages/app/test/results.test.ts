import { type NormalizedRow, twoProportionTest, welchTest } from '@opencvm/core';
import { ADAPTERS, campaignInput, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/create-app.ts';
import { planCampaign } from '../src/results/results-service.ts';

/** Campaign results, the programme against the UCG and the revenue-share report, on every adapter. */

const schema = testSchema({
  ...JSON.parse(JSON.stringify(testSchema())),
  measurement: { revenueSharePercent: 10 },
});
const RUN_AT = new Date('2026-03-02T10:00:00.000Z');
const DAY = 86_400_000;
const CUSTOMERS = 3000;

const customers: NormalizedRow[] = Array.from({ length: CUSTOMERS }, (_, index) => ({
  id: `c${String(index).padStart(5, '0')}`,
  city: index % 3 === 0 ? 'Berlin' : null,
  msisdn: `+4917${String(index).padStart(7, '0')}`,
  consent_sms_marketing: true,
  timezone: 'UTC',
}));

const EVERYONE = { type: 'not', rule: { type: 'list', list: 'nobody' } } as const;

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const variance = (values: readonly number[]) => {
  const m = mean(values);
  return values.reduce((sum, value) => sum + (value - m) ** 2, 0) / (values.length - 1);
};

for (const adapter of ADAPTERS) {
  describe(`campaign results on ${adapter.name}`, () => {
    it('compares every target with every holdout member over the attribution window, exactly', async () => {
      await using test = await adapter.open(schema);
      let now = RUN_AT;
      const app = await createApp({ store: test.store, schema }, { clock: () => now });
      await test.store.importRows('customers', customers, new Set(Object.keys(customers[0] ?? {})));
      await test.store.segments.saveList('nobody', [], RUN_AT);
      const offer = await app.campaigns.createOffer(offerInput({ cooldownDays: 0, channels: ['sms'] }));
      expect(offer.ok ? null : offer.error).toBeNull();
      const { createdBy: _author, ...definition } = campaignInput({
        audience: { type: 'rule', rule: EVERYONE },
        controlShare: 20,
        goal: { eventType: 'purchase', kpi: 'revenue', attributionDays: 14, expectedLiftPercent: 5 },
      });
      expect((await app.campaigns.createCampaign(definition, { by: 'alice' })).ok).toBe(true);
      for (const [action, by] of [
        ['submit', 'alice'],
        ['approve', 'bob'],
        ['start', 'bob'],
      ] as const) {
        const acted = await app.campaigns.act('spring-sale', action, { by });
        expect(acted.ok ? null : acted.error).toBeNull();
      }
      const run = await app.runs.run({ campaignId: 'spring-sale', dryRun: false });
      if (!run.ok) throw new Error(run.error.message);
      const history = await test.store.runs.history(run.value.id);
      const armOf = new Map(
        history.map((row) => [
          row.customerId,
          row.outcome === 'ucg' || row.outcome === 'control' ? row.outcome : 'target',
        ]),
      );

      // Targets buy more often than the holdout; some buy twice. Purchases before the run or after
      // the window, and visits, are not goal events in the window.
      const events: NormalizedRow[] = [];
      const revenue = new Map<string, number>();
      customers.forEach((customer, index) => {
        const id = String(customer.id);
        const arm = armOf.get(id);
        const buys = arm === 'target' ? index % 10 < 3 : index % 10 < 2;
        const ts = (days: number) => new Date(RUN_AT.getTime() + days * DAY).toISOString();
        if (buys) {
          const amount = 10 + (index % 7);
          events.push({
            id: `p${index}`,
            customer_id: id,
            type: 'purchase',
            ts: ts(1 + (index % 12)),
            amount,
          });
          revenue.set(id, amount);
          if (index % 4 === 0) {
            events.push({ id: `q${index}`, customer_id: id, type: 'purchase', ts: ts(13.5), amount: 5.5 });
            revenue.set(id, amount + 5.5);
          }
        }
        if (index % 5 === 0)
          events.push({ id: `v${index}`, customer_id: id, type: 'visit', ts: ts(2), amount: null });
        events.push({ id: `old${index}`, customer_id: id, type: 'purchase', ts: ts(-1), amount: 99 });
        events.push({ id: `late${index}`, customer_id: id, type: 'purchase', ts: ts(15), amount: 99 });
      });
      await test.store.importRows('events', events, new Set(['id', 'customer_id', 'type', 'ts', 'amount']));
      now = new Date(RUN_AT.getTime() + 30 * DAY);

      const result = await app.results.campaignResults('spring-sale');
      if (!result.ok) throw new Error(result.error.message);
      const value = result.value;
      const membersOf = (arm: string) =>
        customers.map((row) => String(row.id)).filter((id) => armOf.get(id) === arm);
      const target = membersOf('target');
      const control = membersOf('control');
      expect(value.comparison).toBe('control');
      expect(value.arms.target?.n).toBe(target.length);
      expect(value.arms.control?.n).toBe(control.length);
      expect(value.arms.ucg?.n).toBe(membersOf('ucg').length);
      const converters = (ids: readonly string[]) => ids.filter((id) => revenue.has(id)).length;
      expect(value.arms.target?.converters).toBe(converters(target));
      const exactRevenue = target.reduce((sum, id) => sum + Math.round((revenue.get(id) ?? 0) * 100), 0);
      expect(Number(value.arms.target?.revenue)).toBeCloseTo(exactRevenue / 100, 10);

      const conversion = twoProportionTest(
        { n: target.length, successes: converters(target) },
        { n: control.length, successes: converters(control) },
      );
      expect(value.metrics.conversion?.test.lift).toBeCloseTo(conversion.lift ?? Number.NaN, 12);
      expect(value.metrics.conversion?.test.pValue).toBeCloseTo(conversion.pValue ?? Number.NaN, 12);
      const spend = (ids: readonly string[]) => ids.map((id) => revenue.get(id) ?? 0);
      const money = welchTest(
        { n: target.length, mean: mean(spend(target)), variance: variance(spend(target)) },
        { n: control.length, mean: mean(spend(control)), variance: variance(spend(control)) },
      );
      expect(value.metrics.revenue?.test.lift).toBeCloseTo(money.lift ?? Number.NaN, 9);
      expect(value.metrics.revenue?.test.ci?.[0]).toBeCloseTo(money.ci?.[0] ?? Number.NaN, 9);
      expect(value.metrics.revenue?.test.pValue).toBeCloseTo(money.pValue ?? Number.NaN, 9);
      expect(value.metrics.revenue?.incremental.value).toBeCloseTo((money.lift ?? 0) * target.length, 6);
      expect(value.metrics.conversion?.incremental.value).toBeCloseTo(
        (conversion.lift ?? 0) * target.length,
        6,
      );
      // Visits count for retention, not for conversion.
      expect(value.arms.target?.active).toBeGreaterThan(value.arms.target?.converters ?? 0);
      expect(value.warnings.map((warning) => warning.type)).toEqual(['underpowered']);

      const byCity = await app.results.campaignResults('spring-sale', { by: 'city' });
      if (!byCity.ok) throw new Error(byCity.error.message);
      const slices = byCity.value.breakdown?.slices ?? [];
      expect(slices.map((slice) => slice.value)).toEqual(['Berlin', null]);
      expect(slices.reduce((sum, slice) => sum + (slice.arms.target?.n ?? 0), 0)).toBe(target.length);
      expect((await app.results.campaignResults('spring-sale', { by: 'shoe_size' })).ok).toBe(false);

      const series = await app.results.dailySeries('spring-sale');
      if (!series.ok) throw new Error('series');
      const targetDays = series.value.filter((point) => point.group === 'target');
      expect(targetDays.at(-1)?.converters).toBe(converters(target));
      for (let index = 1; index < targetDays.length; index += 1) {
        expect(targetDays[index]?.converters).toBeGreaterThanOrEqual(targetDays[index - 1]?.converters ?? 0);
      }

      const programme = await app.results.programme({ from: new Date(RUN_AT.getTime() - DAY), to: now });
      if (!programme.ok) throw new Error('programme');
      expect(programme.value.comparison).toBe('ucg');
      expect((programme.value.arms.target?.n ?? 0) + (programme.value.arms.ucg?.n ?? 0)).toBe(CUSTOMERS);

      const share = await app.results.revenueShare({ from: new Date(RUN_AT.getTime() - DAY), to: now });
      if (!share.ok) throw new Error('share');
      expect(share.value).toHaveLength(1);
      expect(share.value[0]).toMatchObject({
        campaignId: 'spring-sale',
        channel: 'sms',
        offerId: 'ten-off',
        sharePercent: 10,
      });
      expect(share.value[0]?.incrementalRevenue).toBeCloseTo((money.lift ?? 0) * target.length, 1);
      expect(share.value[0]?.shareAmount).toBeCloseTo(Math.max(0, (money.lift ?? 0) * target.length) / 10, 1);

      expect((await app.results.campaignResults('nope')).ok).toBe(false);
    });
  });
}

describe('planning', () => {
  it('gives the detectable effect of a design and what a wanted one needs', () => {
    const plan = planCampaign({ baseRate: 0.05, audience: 100_000, controlSharePercent: 10, mde: 0.005 });
    if (!plan.ok) throw new Error(plan.error.message);
    // (z₀.₉₇₅ + z₀.₈) × √(p(1 − p)(1/n_t + 1/n_c)) with 90,000 targets and 10,000 held out.
    const expected = (1.959963985 + 0.841621234) * Math.sqrt(0.05 * 0.95 * (1 / 90_000 + 1 / 10_000));
    expect(plan.value.mde.absolute).toBeCloseTo(expected, 8);
    expect(plan.value.mde.relative).toBeCloseTo(expected / 0.05, 7);
    // Half a point needs a larger holdout than 10% of 100,000.
    expect(plan.value.forWantedMde?.controlSharePercent).toBeGreaterThan(10);
    expect(plan.value.forWantedMde?.audience).toBeGreaterThan(0);
    expect(planCampaign({ baseRate: 2, audience: 10, controlSharePercent: 10 })).toMatchObject({
      ok: false,
      error: { path: 'baseRate' },
    });
  });
});
