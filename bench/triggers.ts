/**
 * Real-time trigger benchmark over 1,000,000 customers (BENCH_CUSTOMERS), on DuckDB and, when
 * CVM_TEST_POSTGRES_URL is set, PostgreSQL:
 * - HTTP: the real server on an ephemeral port; a client process posts `POST /v1/events:batch` at a
 *   steady 2,000 events a second for BENCH_SECONDS (60) — every 5 ms one request with the events
 *   of those 5 ms, each stamped with its arrival, not waiting for earlier answers. The route
 *   answers once the events are stored and the journey batch with their outbox rows committed, so
 *   answer minus arrival bounds "accepted → outbox row" from above. Only events that must queue a
 *   message (prepaid top-ups above 500 by treated customers) are counted, and the outbox is
 *   checked to hold exactly those rows.
 * - Timers: 100,000 (BENCH_TIMERS) entries whose wait falls due in the same minute; the time
 *   `tick()` takes until none is due, and the funnel checked to show all of them moved on.
 * `BENCH_ENGINES` (`duckdb`, `postgres`, or both, comma-separated) picks the engines.
 * Last line: one JSON object.
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { type App, createApp } from '@opencvm/app';
import {
  bucketOf,
  bucketsOf,
  ContactPolicy,
  isInUcg,
  type NormalizedRow,
  operatorPrincipal,
  ucgInForce,
} from '@opencvm/core';
import { createServer } from '@opencvm/server';
import {
  type BenchEngine,
  benchSchema,
  customersFromEnv,
  openBenchStore,
  outboxCount,
} from './triggers-data.ts';
import { JOURNEY_ID, OFFER_ID, RATE, streamEvent } from './triggers-plan.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const DAY_MS = 86_400_000;
const HOLDOUT = 10;
const TARGET_P99_MS: Record<BenchEngine, number> = { duckdb: 50, postgres: 100 };
const TARGET_TIMERS_S = 5;
const HTTP_OFFSET = 0;

const positive = (name: string, fallback: number): number => {
  const text = process.env[name];
  const value = text === undefined || text === '' ? fallback : Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got '${text}'`);
  return value;
};

const must = <T>(result: { ok: true; value: T } | { ok: false; error: unknown }, what: string): T => {
  if (!result.ok) throw new Error(`${what}: ${JSON.stringify(result.error)}`);
  return result.value;
};

const sms = (text: string) => ({ type: 'sms' as const, locales: { en: { text } } });

/** The offer and the running journey: a top-up above 500 by a prepaid customer → SMS → wait for a purchase → reminder. */
const startJourney = async (app: App, at: Date): Promise<void> => {
  must(
    await app.campaigns.createOffer({
      id: OFFER_ID,
      name: 'Bonus data for your top-up',
      kind: 'bonus',
      validFrom: new Date(at.getTime() - 30 * DAY_MS).toISOString().slice(0, 10),
      value: '5',
      cost: '1',
      expectedValue: '2',
      priority: 500,
      cooldownDays: 0,
      channels: ['sms'],
    }),
    'offer',
  );
  const created = must(
    await app.journeys.create(
      {
        id: JOURNEY_ID,
        name: 'Bench: top-up follow-up',
        entry: {
          type: 'event',
          eventType: 'topup',
          where: [{ attribute: 'amount', op: '>', value: 500 }],
          customer: { type: 'attribute', attribute: 'plan_type', op: '=', value: 'prepaid' },
        },
        start: 'offer',
        nodes: [
          {
            id: 'offer',
            type: 'send',
            channel: 'sms',
            offer: OFFER_ID,
            content: sms('{{ offer.name }}'),
            next: 'wait',
          },
          {
            id: 'wait',
            type: 'wait',
            wait: { type: 'event', eventType: 'purchase', timeout: { days: 1 } },
            next: 'bought',
            timeoutNext: 'remind',
          },
          {
            id: 'remind',
            type: 'send',
            channel: 'sms',
            offer: OFFER_ID,
            content: sms('Still there?'),
            next: 'done',
          },
          { id: 'bought', type: 'exit' },
          { id: 'done', type: 'exit' },
        ],
        reEntry: { mode: 'once' },
        holdoutShare: HOLDOUT,
        goal: { eventType: 'purchase', kpi: 'conversion', attributionDays: 7 },
        priority: 500,
        purpose: 'marketing',
      },
      { by: 'bench-author' },
    ),
    'journey',
  );
  if (created.issues.length > 0) throw new Error(`journey issues: ${JSON.stringify(created.issues)}`);
  for (const [action, by] of [
    ['submit', 'bench-author'],
    ['approve', 'bench-approver'],
    ['start', 'bench-approver'],
  ] as const) {
    must(await app.journeys.act(JOURNEY_ID, action, { by }), action);
  }
};

/** Whether a customer entering now is treated (neither UCG nor holdout): their entry queues a message. */
const treatedTest = async (app: App, at: Date): Promise<(customerId: string) => boolean> => {
  const settings = await app.campaigns.showUcg();
  const ucg = settings === null ? null : ucgInForce(settings, at);
  return (id) =>
    !(ucg !== null && isInUcg(id, ucg)) && bucketOf(`journey:${JOURNEY_ID}`, id) >= bucketsOf(HOLDOUT);
};

const percentile = (sorted: readonly number[], share: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] ?? Number.NaN;

interface HttpFigures {
  readonly events: number;
  readonly counted: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** The HTTP half: server, client process, latencies of the counted events. */
const runHttp = async (app: App, seconds: number, treated: (id: string) => boolean): Promise<HttpFigures> => {
  const created = must(
    await app.accounts.createApiKey({ name: 'bench-ingest', scope: 'ingest' }, operatorPrincipal('bench')),
    'api key',
  );
  const { server } = createServer(app, {
    version: 'bench',
    rateLimits: {
      login: { limit: 10, windowSeconds: 60 },
      ingest: { limit: 1_000_000_000, windowSeconds: 60 },
    },
  });
  const http = serve({ fetch: server.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((done) => http.once('listening', () => done()));
  const { port } = http.address() as AddressInfo;
  const prefix = `h${Date.now()}`;
  try {
    log(`  http: ${RATE} events/s for ${seconds} s to 127.0.0.1:${port}…`);
    const output = await new Promise<string>((done, fail) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', resolve(import.meta.dirname, 'triggers-client.ts')],
        {
          env: {
            ...process.env,
            BENCH_URL: `http://127.0.0.1:${port}/v1/events:batch`,
            BENCH_AUTH: `Bearer ${created.secret}`,
            BENCH_SECONDS: String(seconds),
            BENCH_OFFSET: String(HTTP_OFFSET),
            BENCH_PREFIX: prefix,
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.on('error', fail);
      child.on('exit', (code) =>
        code === 0 ? done(text) : fail(new Error(`the HTTP client exited with ${code}`)),
      );
    });
    const { latencies, failure } = JSON.parse(output) as {
      latencies: (number | null)[];
      failure: string | null;
    };
    if (failure !== null) throw new Error(`a request failed: ${failure}`);
    const counted: number[] = [];
    latencies.forEach((latency, index) => {
      const { row, enters } = streamEvent(prefix, HTTP_OFFSET, index, new Date());
      if (enters && treated(String(row.customer_id))) counted.push(latency ?? Number.POSITIVE_INFINITY);
    });
    counted.sort((a, b) => a - b);
    return {
      events: latencies.length,
      counted: counted.length,
      p50: percentile(counted, 0.5),
      p99: percentile(counted, 0.99),
      max: counted[counted.length - 1] ?? Number.NaN,
    };
  } finally {
    await new Promise<void>((done) => http.close(() => done()));
  }
};

interface TimerFigures {
  readonly timers: number;
  readonly seconds: number;
  /** Outbox rows the phase queued: each treated entry's first message and reminder. */
  readonly messages: number;
}

/**
 * 100,000 entries made in the past through the events route's use case, their wait due within
 * one minute; then the clock moves past it and `tick` runs until nothing is due.
 */
const runTimers = async (
  app: App,
  timers: number,
  setClock: (at: Date | null) => void,
  treated: (id: string) => boolean,
  offset: number,
): Promise<TimerFigures> => {
  const base = new Date(Math.floor((Date.now() - 3 * DAY_MS) / 60_000) * 60_000);
  const prefix = `t${Date.now()}`;
  const chunk = 10_000;
  let entrants = 0;
  log(
    `  timers: ${timers} entries waiting, due in the minute after ${new Date(base.getTime() + DAY_MS).toISOString()}…`,
  );
  const started = performance.now();
  // Top-ups above 500 (eight in every ten events of the stream), of prepaid and postpaid
  // customers, until `timers` of them enter treated (the others send nothing and do not wait).
  for (let index = 0; entrants < timers; ) {
    const at = new Date(base.getTime() + Math.floor((entrants / timers) * 59_000));
    setClock(at);
    const rows: NormalizedRow[] = [];
    for (; rows.length < chunk && entrants < timers; index += 1) {
      const event = streamEvent(prefix, offset, Math.floor(index / 8) * 10 + (index % 8), at);
      rows.push(event.row);
      if (event.enters && treated(String(event.row.customer_id))) entrants += 1;
    }
    must(await app.importBatch({ kind: 'events', body: rows, atomic: true }), 'timer events');
  }
  log(`  timers: entries made in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const before = await app.journeys.funnel(JOURNEY_ID);
  const waiting = must(before, 'funnel').nodes.find((node) => node.node === 'wait')?.here ?? 0;
  setClock(new Date(base.getTime() + DAY_MS + 60_000));
  const ticked = performance.now();
  await app.journeyRuntime.tick();
  const seconds = (performance.now() - ticked) / 1000;
  const after = must(await app.journeys.funnel(JOURNEY_ID), 'funnel');
  const still = after.nodes.find((node) => node.node === 'wait')?.here ?? 0;
  const reminded = after.nodes.find((node) => node.node === 'remind')?.reached ?? 0;
  if (waiting !== timers) throw new Error(`${waiting} entries wait, ${timers} expected`);
  if (still !== 0 || reminded !== waiting)
    throw new Error(
      `after the tick ${still} entries still wait; ${reminded} of ${waiting} reached the reminder`,
    );
  log(`  timers: ${waiting} waiting entries moved on in ${seconds.toFixed(2)} s`);
  setClock(null);
  return { timers: waiting, seconds, messages: 2 * entrants };
};

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

const runEngine = async (engine: BenchEngine) => {
  const customers = customersFromEnv();
  const seconds = positive('BENCH_SECONDS', 60);
  const timers = positive('BENCH_TIMERS', 100_000);
  if (RATE * seconds > customers / 2 || timers * 2 > customers / 2)
    throw new Error(`${customers} customers are too few for ${seconds} s of events and ${timers} timers`);
  const schema = benchSchema();
  let fixed: Date | null = null;
  const clock = () => fixed ?? new Date();
  const store = await openBenchStore({ engine, schema, customers, clock });
  const app = await createApp({ store, schema }, { clock, contactPolicy: ContactPolicy.parse({}) });
  let figures: { http: HttpFigures; timers: TimerFigures };
  try {
    fixed = new Date(Date.now() - 4 * DAY_MS);
    await startJourney(app, fixed);
    const treated = await treatedTest(app, new Date());
    const timerFigures = await runTimers(
      app,
      timers,
      (at) => {
        fixed = at;
      },
      treated,
      Math.floor(customers / 2),
    );
    const httpFigures = await runHttp(app, seconds, treated);
    figures = { http: httpFigures, timers: timerFigures };
  } finally {
    await app.close();
  }
  const outbox = await outboxCount({ engine, customers, campaignId: JOURNEY_ID });
  const expected = figures.http.counted + figures.timers.messages;
  if (outbox !== expected)
    throw new Error(`${engine}: the outbox holds ${outbox} rows of the journey, expected ${expected}`);
  const { http } = figures;
  const target = TARGET_P99_MS[engine];
  log(`${engine}: ${customers} customers; outbox holds the ${expected} rows expected`);
  log(`  http ${http.events} events at ${RATE}/s, ${http.counted} queue a message, accepted → outbox row:`);
  log(
    `    p50 ${http.p50.toFixed(1)} ms, p99 ${http.p99.toFixed(1)} ms (target < ${target} ms), max ${http.max.toFixed(1)} ms`,
  );
  log(
    `  timers: ${figures.timers.timers} due in one minute, all moved on in ${figures.timers.seconds.toFixed(2)} s (target < ${TARGET_TIMERS_S} s)`,
  );
  return {
    customers,
    http_events: http.events,
    http_counted: http.counted,
    http_p50_ms: round(http.p50),
    http_p99_ms: round(http.p99),
    http_max_ms: round(http.max),
    http_p99_target_ms: target,
    timers: figures.timers.timers,
    timers_seconds: round(figures.timers.seconds, 2),
    timers_target_seconds: TARGET_TIMERS_S,
  };
};

/** The engines to run (`BENCH_ENGINES`, comma-separated; both by default). */
const enginesFromEnv = (): ReadonlySet<BenchEngine> => {
  const text = process.env.BENCH_ENGINES;
  if (text === undefined || text === '') return new Set(['duckdb', 'postgres']);
  const names = text.split(',').map((name) => name.trim());
  for (const name of names)
    if (name !== 'duckdb' && name !== 'postgres')
      throw new Error(`BENCH_ENGINES names duckdb and postgres only, got '${name}'`);
  return new Set(names as BenchEngine[]);
};

const main = async (): Promise<void> => {
  const engines = enginesFromEnv();
  const duckdb = engines.has('duckdb') ? await runEngine('duckdb') : null;
  let postgres: Awaited<ReturnType<typeof runEngine>> | null = null;
  if (!engines.has('postgres')) log('BENCH_ENGINES leaves PostgreSQL out');
  else if (process.env.CVM_TEST_POSTGRES_URL) postgres = await runEngine('postgres');
  else log('CVM_TEST_POSTGRES_URL is not set: PostgreSQL skipped');
  console.log(JSON.stringify({ bench: 'triggers', rate: RATE, duckdb, postgres, nats: null }));
};

await main();
