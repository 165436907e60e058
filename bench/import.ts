/**
 * Bulk import benchmark: 1,000,000 customers and ~20,000,000 events (generated once, cached),
 * imported into a fresh DuckDB store and, when CVM_TEST_POSTGRES_URL is set, a fresh PostgreSQL
 * schema. Last line: one JSON object with the figures.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createApp, loadWorkspaceSchema } from '@opencvm/app';
import type { ImportKind, Store, WorkspaceSchema } from '@opencvm/core';
import { generateDemo } from '@opencvm/demo';
import { DuckDbStore, PostgresStore } from '@opencvm/storage';
import pg from 'pg';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const SEED = 7;
const root = resolve(import.meta.dirname, '..');
const cacheDir = join(root, '.cache', 'bench', `demo-${CUSTOMERS}-${SEED}`);
const clock = () => new Date();
const log = (line: string) => process.stderr.write(`${line}\n`);

const ensureData = async (): Promise<void> => {
  if (existsSync(join(cacheDir, 'events.csv'))) return;
  log(`generating ${CUSTOMERS.toLocaleString('en')} customers into ${cacheDir} (cached for next runs)…`);
  const partial = `${cacheDir}.partial`;
  await rm(partial, { recursive: true, force: true });
  const started = performance.now();
  await generateDemo({ customers: CUSTOMERS, seed: SEED, outDir: partial });
  await rename(partial, cacheDir);
  log(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
};

interface Figures {
  readonly events: number;
  readonly customers: number;
  readonly eventsSeconds: number;
  readonly customersSeconds: number;
  readonly relationsSeconds: number;
}

const importAll = async (store: Store, schema: WorkspaceSchema, label: string): Promise<Figures> => {
  const app = await createApp({ store, schema }, { clock });
  try {
    const seconds: Record<ImportKind, number> = { customers: 0, relations: 0, events: 0 };
    const inserted: Record<ImportKind, number> = { customers: 0, relations: 0, events: 0 };
    for (const kind of ['customers', 'relations', 'events'] as const) {
      const started = performance.now();
      const result = await app.importFile({ kind, path: join(cacheDir, `${kind}.csv`) });
      if (!result.ok) throw new Error(`${label} ${kind}: ${result.error.message}`);
      seconds[kind] = (performance.now() - started) / 1000;
      inserted[kind] = result.value.run.inserted;
      log(
        `${label} ${kind}: ${inserted[kind].toLocaleString('en')} rows in ${seconds[kind].toFixed(2)} s = ${Math.round(inserted[kind] / seconds[kind]).toLocaleString('en')} rows/s`,
      );
    }
    return {
      events: inserted.events,
      customers: inserted.customers,
      eventsSeconds: seconds.events,
      customersSeconds: seconds.customers,
      relationsSeconds: seconds.relations,
    };
  } finally {
    await app.close();
  }
};

/** The engine's own COPY of the same file, with no checks: the ceiling to compare with. */
const rawDuckDbCopy = async (): Promise<number> => {
  const dir = mkdtempSync(join(tmpdir(), 'cvm-bench-raw-'));
  try {
    const instance = await DuckDBInstance.create(join(dir, 'raw.duckdb'));
    const connection = await instance.connect();
    await connection.run(
      `CREATE TABLE events (id VARCHAR, customer_id VARCHAR, type VARCHAR, ts TIMESTAMPTZ, amount DECIMAL(18,4), currency VARCHAR, topup_channel VARCHAR, product VARCHAR, mb DOUBLE, duration_s BIGINT, callee_id VARCHAR, from_tariff VARCHAR, to_tariff VARCHAR)`,
    );
    const started = performance.now();
    await connection.run(`COPY events FROM '${join(cacheDir, 'events.csv')}' (HEADER true)`);
    const seconds = (performance.now() - started) / 1000;
    connection.closeSync();
    instance.closeSync();
    return seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const main = async (): Promise<void> => {
  const schema = await loadWorkspaceSchema(join(root, 'cvm.config.yaml'));
  if (!schema.ok) throw new Error(JSON.stringify(schema.error.issues));
  await ensureData();

  const dir = mkdtempSync(join(tmpdir(), 'cvm-bench-'));
  let duck: Figures;
  try {
    const store = await DuckDbStore.open({ path: join(dir, 'cvm.duckdb'), clock });
    duck = await importAll(store, schema.value, 'duckdb');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rawSeconds = await rawDuckDbCopy();
  log(
    `duckdb raw COPY of events.csv: ${rawSeconds.toFixed(2)} s = ${Math.round(duck.events / rawSeconds).toLocaleString('en')} rows/s`,
  );

  let postgres: Figures | null = null;
  const url = process.env.CVM_TEST_POSTGRES_URL;
  if (url) {
    const schemaName = `cvm_bench_${Date.now()}`;
    try {
      const store = await PostgresStore.open({ url, clock, schemaName });
      postgres = await importAll(store, schema.value, 'postgres');
    } finally {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schemaName} CASCADE`);
      await client.end();
    }
  } else {
    log('CVM_TEST_POSTGRES_URL is not set: PostgreSQL skipped');
  }

  const rate = (count: number, seconds: number) => Math.round(count / seconds);
  console.log(
    JSON.stringify({
      bench: 'import',
      customers: duck.customers,
      events: duck.events,
      duckdb_events_per_s: rate(duck.events, duck.eventsSeconds),
      duckdb_events_seconds: Number(duck.eventsSeconds.toFixed(2)),
      duckdb_customers_per_s: rate(duck.customers, duck.customersSeconds),
      duckdb_raw_copy_events_per_s: rate(duck.events, rawSeconds),
      postgres_events_per_s: postgres ? rate(postgres.events, postgres.eventsSeconds) : null,
      postgres_events_seconds: postgres ? Number(postgres.eventsSeconds.toFixed(2)) : null,
      postgres_customers_per_s: postgres ? rate(postgres.customers, postgres.customersSeconds) : null,
    }),
  );
};

await main();
