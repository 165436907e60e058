/**
 * Campaign run benchmark: one run of a campaign whose audience is ~1,000,000 of the 3,000,000
 * cached customers (segments-data.ts), from the audience snapshot to the outbox with its funnel,
 * on DuckDB and, when CVM_TEST_POSTGRES_URL is set, PostgreSQL. The campaign, its offer, its runs,
 * history and outbox rows are removed afterwards, so the cache stays as it was (the workspace's
 * UCG settings, drawn on first use, stay: they are the workspace's, not the campaign's).
 * Last line: one JSON object.
 */
import { must, withBenchCampaign } from './bench-campaign.ts';
import { type BenchEngine, prepareSegmentsData } from './segments-data.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const CAMPAIGN_ID = 'bench-campaign';

const runEngine = async (
  engine: BenchEngine,
): Promise<{ seconds: number; audience: number; queued: number }> => {
  const data = await prepareSegmentsData({ engine });
  try {
    return await withBenchCampaign({ data, campaignId: CAMPAIGN_ID, clock: () => data.asOf }, async (app) => {
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
    });
  } finally {
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
