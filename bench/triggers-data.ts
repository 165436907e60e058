/**
 * The trigger benchmark's store: 1,000,000 customers (BENCH_CUSTOMERS) of the bench workspace,
 * imported once per engine and kept — a DuckDB file under `.cache/bench/triggers-<N>/`, a
 * PostgreSQL schema `bench_triggers_<N>` — and emptied of everything but the customers at the
 * start of each run (events, journeys, offers, outbox, accounts), so every run starts alike.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseWorkspaceSchema, type Store, type WorkspaceSchema } from '@opencvm/core';
import { DuckDbStore, PostgresStore } from '@opencvm/storage';
import pg from 'pg';
import { CUSTOMER_FIELDS, customerRow, SCHEMA_INPUT } from './triggers-plan.ts';

export type BenchEngine = 'duckdb' | 'postgres';

const root = resolve(import.meta.dirname, '..');
const log = (line: string) => process.stderr.write(`${line}\n`);
/** Tables a run leaves as they are: the base, the store's own records, and the append-only audit log. */
const KEPT = new Set(['customers', 'schema_migrations', 'workspace_schema', 'audit_log']);
const MARKER = 'opencvm trigger benchmark customers';

export const benchSchema = (): WorkspaceSchema => {
  const parsed = parseWorkspaceSchema(SCHEMA_INPUT);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
};

export const customersFromEnv = (): number => {
  const text = process.env.BENCH_CUSTOMERS;
  const customers = text === undefined || text === '' ? 1_000_000 : Number(text);
  if (!Number.isSafeInteger(customers) || customers <= 0)
    throw new Error(`BENCH_CUSTOMERS must be a positive integer, got '${text}'`);
  return customers;
};

function* customerRows(customers: number) {
  for (let index = 0; index < customers; index += 1) yield customerRow(index);
}

const importCustomers = async (store: Store, customers: number): Promise<void> => {
  const started = performance.now();
  const counts = await store.importRows('customers', customerRows(customers), new Set(CUSTOMER_FIELDS));
  if (counts.inserted + counts.unchanged + counts.updated !== customers)
    throw new Error(`imported ${JSON.stringify(counts)} of ${customers} customers`);
  log(
    `${store.engine}: ${customers} customers imported in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
};

const openDuckDb = async (schema: WorkspaceSchema, customers: number, clock: () => Date): Promise<Store> => {
  const dir = join(root, '.cache', 'bench', `triggers-${customers}`);
  const path = join(dir, 'cvm.duckdb');
  const complete = join(dir, 'complete');
  if (!existsSync(complete)) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    log(`duckdb: preparing ${path} (cached for next runs)…`);
    const store = await DuckDbStore.open({ path, clock });
    try {
      await store.prepare(schema);
      await importCustomers(store, customers);
    } finally {
      await store.close();
    }
    await writeFile(complete, `${MARKER}: ${customers}\n`);
  } else log(`duckdb: reusing ${path}`);
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    const tables = await connection.runAndReadAll(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'",
    );
    for (const [name] of tables.getRows()) {
      if (!KEPT.has(String(name))) await connection.run(`DELETE FROM "${String(name)}"`);
    }
    await connection.run('CHECKPOINT');
    connection.closeSync();
  } finally {
    instance.closeSync();
  }
  return DuckDbStore.open({ path, clock });
};

const openPostgres = async (
  url: string,
  schema: WorkspaceSchema,
  customers: number,
  clock: () => Date,
): Promise<Store> => {
  const schemaName = `bench_triggers_${customers}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [`opencvm:bench:${schemaName}`]);
    const marker = await admin.query<{ readonly marker: string | null }>(
      `SELECT obj_description(oid, 'pg_namespace') AS marker FROM pg_namespace WHERE nspname = $1`,
      [schemaName],
    );
    const quoted = admin.escapeIdentifier(schemaName);
    if (marker.rows[0]?.marker !== `${MARKER}: ${customers}`) {
      log(`postgres: preparing schema ${schemaName} (kept for next runs)…`);
      await admin.query(`DROP SCHEMA IF EXISTS ${quoted} CASCADE`);
      const store = await PostgresStore.open({ url, clock, schemaName });
      try {
        await store.prepare(schema);
        await importCustomers(store, customers);
      } finally {
        await store.close();
      }
      await admin.query(`VACUUM (ANALYZE) ${quoted}.customers`);
      await admin.query(`COMMENT ON SCHEMA ${quoted} IS ${admin.escapeLiteral(`${MARKER}: ${customers}`)}`);
    } else log(`postgres: reusing schema ${schemaName}`);
    const tables = await admin.query<{ readonly name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
      [schemaName],
    );
    const emptied = tables.rows.map((row) => row.name).filter((name) => !KEPT.has(name));
    if (emptied.length > 0)
      await admin.query(
        `TRUNCATE ${emptied.map((name) => `${quoted}.${admin.escapeIdentifier(name)}`).join(', ')}`,
      );
  } finally {
    await admin.end();
  }
  return PostgresStore.open({ url, clock, schemaName });
};

/** The store of `engine` holding the customers and nothing else; not yet prepared. */
export const openBenchStore = (options: {
  readonly engine: BenchEngine;
  readonly schema: WorkspaceSchema;
  readonly customers: number;
  readonly clock: () => Date;
}): Promise<Store> => {
  const { engine, schema, customers, clock } = options;
  if (engine === 'duckdb') return openDuckDb(schema, customers, clock);
  const url = process.env.CVM_TEST_POSTGRES_URL;
  if (!url) throw new Error('CVM_TEST_POSTGRES_URL is not set: no PostgreSQL to run on');
  return openPostgres(url, schema, customers, clock);
};

/** Outbox rows of a journey, read straight from the engine after the store is closed. */
export const outboxCount = async (options: {
  readonly engine: BenchEngine;
  readonly customers: number;
  readonly campaignId: string;
}): Promise<number> => {
  const { engine, customers, campaignId } = options;
  if (engine === 'duckdb') {
    const instance = await DuckDBInstance.create(
      join(root, '.cache', 'bench', `triggers-${customers}`, 'cvm.duckdb'),
    );
    try {
      const connection = await instance.connect();
      const result = await connection.runAndReadAll(
        'SELECT count(*) AS n FROM outbox WHERE campaign_id = $1',
        [campaignId],
      );
      connection.closeSync();
      return Number(result.getRows()[0]?.[0] ?? 0);
    } finally {
      instance.closeSync();
    }
  }
  const admin = new pg.Client({ connectionString: process.env.CVM_TEST_POSTGRES_URL });
  await admin.connect();
  try {
    const result = await admin.query<{ readonly n: string }>(
      `SELECT count(*) AS n FROM ${admin.escapeIdentifier(`bench_triggers_${customers}`)}.outbox WHERE campaign_id = $1`,
      [campaignId],
    );
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await admin.end();
  }
};
