/**
 * Results benchmark: the full results of a campaign run whose audience is ~1,000,000 of the
 * 3,000,000 cached customers (segments-data.ts) — every arm's conversion, revenue, orders and
 * retention over a 14-day attribution window with intervals, sample-ratio and power checks — on
 * DuckDB and, when CVM_TEST_POSTGRES_URL is set, PostgreSQL. The run is made 20 days before the
 * end of the generated history, so its window holds real events. Each figure is the median of
 * several runs after a warm-up. The campaign and its run are removed afterwards.
 * Last line: one JSON object.
 */
import { must, withBenchCampaign } from './bench-campaign.ts';
import { type BenchEngine, prepareSegmentsData } from './segments-data.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const log = (line: string) => process.stderr.write(`${line}\n`);
const CAMPAIGN_ID = 'bench-results';
const DAY = 86_400_000;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const runEngine = async (engine: BenchEngine): Promise<{ ms: number; members: number }> => {
  const data = await prepareSegmentsData({ engine });
  try {
    // The run is made 20 days before the end of the history; its results are read at the end.
    let now = new Date(data.asOf.getTime() - 20 * DAY);
    return await withBenchCampaign({ data, campaignId: CAMPAIGN_ID, clock: () => now }, async (app) => {
      const run = must(await app.runs.run({ campaignId: CAMPAIGN_ID, dryRun: false }), 'run');
      now = data.asOf;
      log(`${engine}: run of ${run.funnel?.audience ?? 0} customers made`);
      const times: number[] = [];
      let members = 0;
      for (let index = 0; index <= RUNS; index += 1) {
        const started = performance.now();
        const results = must(await app.results.campaignResults(CAMPAIGN_ID), 'results');
        const ms = performance.now() - started;
        members = (results.arms.target?.n ?? 0) + (results.arms.control?.n ?? 0) + (results.arms.ucg?.n ?? 0);
        if (index === 0) {
          const revenue = results.metrics.revenue;
          log(
            `  target ${results.arms.target?.n}, control ${results.arms.control?.n}, ucg ${results.arms.ucg?.n}; revenue lift ${revenue?.test.lift?.toFixed(2)} per customer, p ${revenue?.test.pValue?.toFixed(3)}; warnings ${results.warnings.length}`,
          );
          log(`  first: ${ms.toFixed(0)} ms`);
        } else {
          times.push(ms);
        }
      }
      const ms = median(times);
      log(`  results: median ${ms.toFixed(0)} ms of ${RUNS}`);
      return { ms, members };
    });
  } finally {
    await data.close();
  }
};

const duck = await runEngine('duckdb');
let postgres: Awaited<ReturnType<typeof runEngine>> | null = null;
if (process.env.CVM_TEST_POSTGRES_URL) postgres = await runEngine('postgres');
else log('CVM_TEST_POSTGRES_URL is not set: PostgreSQL skipped');
console.log(
  JSON.stringify({
    bench: 'results',
    members: duck.members,
    duckdb_ms: Math.round(duck.ms),
    postgres_ms: postgres === null ? null : Math.round(postgres.ms),
  }),
);
