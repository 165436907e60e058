/**
 * Campaign run benchmark: one run of a campaign whose audience is ~1,000,000 of the 3,000,000
 * cached customers (segments-data.ts), from the audience snapshot to the outbox with its funnel,
 * on DuckDB and, when CVM_TEST_POSTGRES_URL is set, PostgreSQL. The campaign, its offer, its runs,
 * history and outbox rows are removed afterwards, so the cache stays as it was (the workspace's
 * UCG settings, drawn on first use, stay: they are the workspace's, not the campaign's).
 * Last line: one JSON object.
 */
import { createApp } from '@opencvm/app';
import type { SegmentRule } from '@opencvm/core';
import { type BenchEngine, prepareSegmentsData } from './segments-data.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** About a third of the base (1,040,980 of the 3,000,000 generated customers): two tariffs. */
const AUDIENCE: SegmentRule = {
  type: 'attribute',
  attribute: 'tariff',
  op: 'in',
  values: ['smart', 'business'],
};
const CAMPAIGN_ID = 'bench-campaign';
const OFFER_ID = 'bench-offer';

const must = <T>(result: { ok: true; value: T } | { ok: false; error: unknown }, what: string): T => {
  if (!result.ok) throw new Error(`${what}: ${JSON.stringify(result.error)}`);
  return result.value;
};

const runEngine = async (
  engine: BenchEngine,
): Promise<{ seconds: number; audience: number; queued: number }> => {
  const data = await prepareSegmentsData({ engine });
  let ids = 0;
  const app = await createApp(
    { store: data.store, schema: data.schema },
    {
      clock: () => data.asOf,
      randomId: () => {
        ids += 1;
        return `bench-${Date.now()}-${ids}`;
      },
    },
  );
  const { campaigns } = app;
  try {
    // Leftovers of an interrupted earlier bench.
    await data.store.runs.deleteRuns(CAMPAIGN_ID);
    const old = await data.store.campaigns.getCampaign(CAMPAIGN_ID);
    if (old !== null)
      await data.store.campaigns.deleteCampaign(CAMPAIGN_ID, { expectedVersion: old.version });
    await data.store.campaigns.deleteOffer(OFFER_ID);

    const today = data.asOf.toISOString().slice(0, 10);
    must(
      await campaigns.createOffer({
        id: OFFER_ID,
        name: 'Double data for a month',
        kind: 'bonus',
        validFrom: today,
        value: '300',
        cost: '20',
        expectedValue: '45.5',
        priority: 500,
        cooldownDays: 7,
        channels: ['sms'],
      }),
      'offer',
    );
    must(
      await campaigns.createCampaign(
        {
          id: CAMPAIGN_ID,
          name: 'Bench: up-sell',
          audience: { type: 'rule', rule: AUDIENCE },
          offers: [OFFER_ID],
          channel: 'sms',
          content: {
            type: 'sms',
            locales: {
              en: { text: 'Hi! {{ offer.name }} on your {{ customer.tariff }} plan: reply YES.' },
              ru: { text: 'Привет! {{ offer.name }} на тарифе {{ customer.tariff }}: ответьте ДА.' },
            },
          },
          schedule: { type: 'once', at: data.asOf.toISOString() },
          goal: { eventType: 'topup', kpi: 'conversion' },
          priority: 500,
          purpose: 'marketing',
        },
        { by: 'bench-author' },
      ),
      'campaign',
    );
    for (const [action, by] of [
      ['submit', 'bench-author'],
      ['approve', 'bench-approver'],
      ['start', 'bench-approver'],
    ] satisfies ['submit' | 'approve' | 'start', string][]) {
      must(await campaigns.act(CAMPAIGN_ID, action, { by }), action);
    }
    await campaigns.showUcg();

    const started = performance.now();
    const run = must(await app.runs.run({ campaignId: CAMPAIGN_ID, dryRun: false }), 'run');
    const seconds = (performance.now() - started) / 1000;
    const funnel = run.funnel;
    if (funnel === null) throw new Error('the run has no funnel');
    log(`${engine}: run of ${funnel.audience} customers in ${seconds.toFixed(2)} s`);
    for (const step of funnel.steps) log(`  ${step.step}: -${step.left} ${JSON.stringify(step.reasons)}`);
    log(`  queued: ${funnel.queued}`);
    const outboxRows = await data.store.runs.outbox(run.id);
    if (outboxRows.length !== funnel.queued)
      throw new Error(`outbox has ${outboxRows.length} rows, funnel ${funnel.queued}`);
    return { seconds, audience: funnel.audience, queued: funnel.queued };
  } finally {
    await data.store.runs.deleteRuns(CAMPAIGN_ID);
    const stored = await data.store.campaigns.getCampaign(CAMPAIGN_ID);
    if (stored !== null)
      await data.store.campaigns.deleteCampaign(CAMPAIGN_ID, { expectedVersion: stored.version });
    await data.store.campaigns.deleteOffer(OFFER_ID);
    await data.close();
  }
};

const main = async (): Promise<void> => {
  const duck = await runEngine('duckdb');
  let postgres: Awaited<ReturnType<typeof runEngine>> | null = null;
  if (process.env.CVM_TEST_POSTGRES_URL) postgres = await runEngine('postgres');
  else log('CVM_TEST_POSTGRES_URL is not set: PostgreSQL skipped');
  const round = (seconds: number | undefined) =>
    seconds === undefined ? null : Math.round(seconds * 100) / 100;
  console.log(
    JSON.stringify({
      bench: 'campaign',
      audience: duck.audience,
      queued: duck.queued,
      duckdb_seconds: round(duck.seconds),
      postgres_seconds: round(postgres?.seconds),
    }),
  );
};

await main();
