/**
 * Segmentation benchmark on 3,000,000 customers, ~60M events and ~30M relations (generated once
 * and cached by segments-data.ts), on DuckDB and, when CVM_TEST_POSTGRES_URL is set, PostgreSQL:
 * the live count of a typical rule, its explain, a snapshot of a ~1M-member segment, a one-hop
 * graph expansion of a 10,000-customer list and an RFM refresh. Each timed figure is the median
 * of several runs after a warm-up, as a user typing a rule repeats it. Last line: one JSON object.
 */
import { resolve } from 'node:path';
import { type RuleClock, rfmConfig, type SegmentQuery, type SegmentRule } from '@opencvm/core';
import { type BenchEngine, prepareSegmentsData } from './segments-data.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const log = (line: string) => process.stderr.write(`${line}\n`);

const YEAR_DAYS = 365.25;

/**
 * "Prepaid customers in Siberia, 25–45, who topped up over 500 ₽ in the last 90 days but nothing
 * in the last 30, with marketing consent": six conditions.
 */
export const TYPICAL_RULE: SegmentRule = {
  type: 'and',
  rules: [
    { type: 'attribute', attribute: 'plan_type', op: '=', value: 'prepaid' },
    {
      type: 'attribute',
      attribute: 'region',
      op: 'in',
      values: ['omsk', 'novosibirsk', 'krasnoyarsk', 'irkutsk'],
    },
    {
      type: 'attribute',
      attribute: 'birth_date',
      op: 'between',
      from: { daysAgo: Math.round(46 * YEAR_DAYS) },
      to: { daysAgo: Math.round(25 * YEAR_DAYS) },
    },
    {
      type: 'event',
      eventType: 'topup',
      aggregate: 'sum',
      field: 'amount',
      window: { days: 90 },
      op: '>',
      value: 500,
    },
    {
      type: 'event',
      eventType: 'topup',
      aggregate: 'sum',
      field: 'amount',
      window: { days: 30 },
      op: '=',
      value: 0,
    },
    { type: 'attribute', attribute: 'consent_sms_marketing', op: '=', value: true },
  ],
};

/** About a third of the base (1,040,980 of the 3,000,000 generated customers): two tariffs. */
const LARGE_RULE: SegmentRule = {
  type: 'attribute',
  attribute: 'tariff',
  op: 'in',
  values: ['smart', 'business'],
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
};

const medianOf = async <T>(label: string, work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const warm = await timed(work);
  const times: number[] = [];
  let value = warm.value;
  for (let run = 0; run < RUNS; run += 1) {
    const result = await timed(work);
    times.push(result.ms);
    value = result.value;
  }
  const ms = median(times);
  log(`  ${label}: median ${ms.toFixed(0)} ms of ${RUNS} (first ${warm.ms.toFixed(0)} ms)`);
  return { value, ms };
};

interface EngineFigures {
  readonly countMs: number;
  readonly countMembers: number;
  readonly explainMs: number;
  readonly snapshotMs: number;
  readonly snapshotMembers: number;
  readonly graphMs: number;
  readonly graphMembers: number;
  readonly rfmMs: number;
  readonly rfmCustomers: number;
}

const runEngine = async (engine: BenchEngine): Promise<{ figures: EngineFigures; counts: object }> => {
  const data = await prepareSegmentsData({ engine });
  try {
    const segments = data.store.segments;
    const clock: RuleClock = { now: data.asOf, timezone: data.schema.workspace.timezone };
    const query = (rule: SegmentRule): SegmentQuery => ({ rule, clock, segmentRule: () => undefined });
    log(`${engine}: ${JSON.stringify(data.counts)}`);

    const count = await medianOf('count of the typical rule', () => segments.count(query(TYPICAL_RULE)));
    const explain = await medianOf('explain of the typical rule (6 conditions)', () =>
      segments.explain(query(TYPICAL_RULE)),
    );
    if (explain.value.matched !== count.value) throw new Error('explain and count disagree');

    // A 10,000-customer base, uploaded as a list, as a campaign's seed audience would be.
    const base = await segments.members(query({ type: 'sample', count: 10_000, seed: 'graph-base' }));
    await segments.saveList('bench-graph-base', base, data.asOf);
    const graphRule: SegmentRule = {
      type: 'graph',
      base: { type: 'list', list: 'bench-graph-base' },
      hops: 1,
    };
    const graph = await medianOf(`1-hop graph expansion of ${base.length} customers`, () =>
      segments.count(query(graphRule)),
    );

    await segments.saveSegment({ id: 'bench-large', name: 'Bench: large', rule: LARGE_RULE }, data.asOf);
    const snapshot = await medianOf('snapshot of the large segment', () =>
      segments.snapshot({
        segmentId: 'bench-large',
        version: 1,
        query: query(LARGE_RULE),
        takenAt: data.asOf,
      }),
    );
    await segments.deleteSegment('bench-large');
    await segments.deleteList('bench-graph-base');

    const rfmRuns = Math.min(RUNS, 3);
    const rfmTimes: number[] = [];
    let rfmCustomers = 0;
    for (let run = 0; run < rfmRuns; run += 1) {
      const result = await timed(() => segments.refreshFeatures(rfmConfig(data.schema), clock));
      rfmTimes.push(result.ms);
      rfmCustomers = result.value.customers;
    }
    log(
      `  RFM refresh: median ${median(rfmTimes).toFixed(0)} ms of ${rfmRuns} (${rfmCustomers} customers scored)`,
    );
    return {
      counts: data.counts,
      figures: {
        countMs: count.ms,
        countMembers: count.value,
        explainMs: explain.ms,
        snapshotMs: snapshot.ms,
        snapshotMembers: snapshot.value.size,
        graphMs: graph.ms,
        graphMembers: graph.value,
        rfmMs: median(rfmTimes),
        rfmCustomers,
      },
    };
  } finally {
    await data.close();
  }
};

const main = async (): Promise<void> => {
  const duck = await runEngine('duckdb');
  let postgres: EngineFigures | null = null;
  if (process.env.CVM_TEST_POSTGRES_URL) postgres = (await runEngine('postgres')).figures;
  else log('CVM_TEST_POSTGRES_URL is not set: PostgreSQL skipped');
  const round = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms));
  const d = duck.figures;
  console.log(
    JSON.stringify({
      bench: 'segments',
      ...duck.counts,
      typical_rule_members: d.countMembers,
      duckdb_count_ms: round(d.countMs),
      duckdb_explain_ms: round(d.explainMs),
      duckdb_snapshot_ms: round(d.snapshotMs),
      snapshot_members: d.snapshotMembers,
      duckdb_graph_1hop_ms: round(d.graphMs),
      graph_members: d.graphMembers,
      duckdb_rfm_refresh_ms: round(d.rfmMs),
      rfm_customers: d.rfmCustomers,
      postgres_count_ms: round(postgres?.countMs),
      postgres_explain_ms: round(postgres?.explainMs),
      postgres_snapshot_ms: round(postgres?.snapshotMs),
      postgres_graph_1hop_ms: round(postgres?.graphMs),
      postgres_rfm_refresh_ms: round(postgres?.rfmMs),
    }),
  );
};

if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) await main();
