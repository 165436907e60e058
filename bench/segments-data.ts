/**
 * Data for the segmentation benchmark: by default 3,000,000 customers, ~61M events and ~30M
 * relations (10 a customer, denser than the demo's own mix), generated once and imported once per
 * engine. Both are cached: the CSV files and a DuckDB file in `.cache/bench/segments-<N>-<seed>/`,
 * a PostgreSQL schema `bench_segments_<N>_<seed>`. Run directly, it prepares the data for the
 * engines named as arguments (by default DuckDB, and PostgreSQL when CVM_TEST_POSTGRES_URL is set)
 * and prints each store's summary.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createApp, formatSchemaIssues, loadWorkspaceSchema } from '@opencvm/app';
import type { StageProgress, Store, WorkspaceSchema } from '@opencvm/core';
import { DEFAULT_DEMO_AS_OF, generateDemo } from '@opencvm/demo';
import { DuckDbStore, PostgresStore } from '@opencvm/storage';
import pg from 'pg';

export type BenchEngine = 'duckdb' | 'postgres';

export interface PrepareSegmentsDataOptions {
  readonly engine: BenchEngine;
  /** BENCH_CUSTOMERS from the environment when absent, or 3,000,000. */
  readonly customers?: number;
}

export interface SegmentsDataCounts {
  readonly customers: number;
  readonly events: number;
  readonly relations: number;
}

export interface SegmentsData {
  readonly engine: BenchEngine;
  /** Open and prepared with `schema`. It is the cache itself: what the caller writes stays. */
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  /** The end of the generated history: rules are evaluated as of this moment. */
  readonly asOf: Date;
  /** Rows of the generated files, all of which the store holds. */
  readonly counts: SegmentsDataCounts;
  /** The cache folder with the CSV files (and the DuckDB file). */
  readonly dir: string;
  /** The PostgreSQL schema holding the data; null on DuckDB. */
  readonly schemaName: string | null;
  close(): Promise<void>;
}

export const SEGMENTS_SEED = 7;
export const SEGMENTS_RELATIONS_PER_CUSTOMER = 10;
const DEFAULT_CUSTOMERS = 3_000_000;
const ENGINES: readonly BenchEngine[] = ['duckdb', 'postgres'];

const root = resolve(import.meta.dirname, '..');
const cacheRoot = join(root, '.cache', 'bench');
const clock = () => new Date();
const log = (line: string) => process.stderr.write(`${line}\n`);
const count = (value: number): string => value.toLocaleString('en');
const secondsSince = (started: number): number => (performance.now() - started) / 1000;
const took = (started: number): string => `${secondsSince(started).toFixed(1)} s`;

const customersFromEnv = (): number => {
  const text = process.env.BENCH_CUSTOMERS;
  if (text === undefined || text === '') return DEFAULT_CUSTOMERS;
  const customers = Number(text);
  if (!Number.isSafeInteger(customers) || customers <= 0) {
    throw new Error(`BENCH_CUSTOMERS must be a positive integer, got '${text}'`);
  }
  return customers;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
};

/** Removes `<prefix><pid>…` entries of `dir` left by runs that were killed before renaming them. */
const removeAbandoned = async (dir: string, prefix: string): Promise<void> => {
  const names = await readdir(dir).catch(() => []);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^\d+/.exec(name.slice(prefix.length))?.[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isRunning(pid)) {
      log(`removing ${join(dir, name)}, left by an interrupted run`);
      await rm(join(dir, name), { recursive: true, force: true });
    }
  }
};

/** The generated files of one size, and what they hold. */
interface GeneratedData {
  readonly dir: string;
  readonly counts: SegmentsDataCounts;
  /** Names the files' content: seed, density, end of history and row counts. */
  readonly key: string;
}

const MANIFEST = 'demo.json';

const datasetKey = (counts: SegmentsDataCounts): string =>
  `${counts.customers} customers, ${counts.events} events, ${counts.relations} relations; seed ${SEGMENTS_SEED}, ` +
  `${SEGMENTS_RELATIONS_PER_CUSTOMER} relations a customer, as of ${DEFAULT_DEMO_AS_OF.toISOString()}`;

/** The cached files' counts, or null when the folder is missing or was made with other settings. */
const readManifest = async (dir: string): Promise<SegmentsDataCounts | null> => {
  let decoded: unknown;
  try {
    decoded = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8'));
  } catch {
    return null;
  }
  if (!isRecord(decoded)) return null;
  const { customers, events, relations, key } = decoded;
  if (typeof customers !== 'number' || typeof events !== 'number' || typeof relations !== 'number')
    return null;
  const counts = { customers, events, relations };
  return key === datasetKey(counts) ? counts : null;
};

/** Generates the CSV files once: into a folder of this process, renamed when complete. */
const ensureGenerated = async (customers: number): Promise<GeneratedData> => {
  const name = `segments-${customers}-${SEGMENTS_SEED}`;
  const dir = join(cacheRoot, name);
  const cached = await readManifest(dir);
  if (cached) return { dir, counts: cached, key: datasetKey(cached) };

  await removeAbandoned(cacheRoot, `${name}.partial-`);
  const partial = join(cacheRoot, `${name}.partial-${process.pid}`);
  await rm(partial, { recursive: true, force: true });
  log(`generating ${count(customers)} customers into ${dir} (cached for next runs)…`);
  const started = performance.now();
  let shownTenth = 0;
  const generated = await generateDemo({
    customers,
    seed: SEGMENTS_SEED,
    outDir: partial,
    relationsPerCustomer: SEGMENTS_RELATIONS_PER_CUSTOMER,
    onProgress: (done) => {
      const tenth = Math.floor((done * 10) / customers);
      if (tenth === shownTenth || tenth === 10) return;
      shownTenth = tenth;
      log(`  generated ${count(done)} customers (${tenth * 10}%) in ${took(started)}`);
    },
  });
  const counts = { customers, events: generated.events, relations: generated.relations };
  await writeFile(join(partial, MANIFEST), `${JSON.stringify({ ...counts, key: datasetKey(counts) })}\n`);
  if (await readManifest(dir)) {
    // Another run finished the same files meanwhile.
    await rm(partial, { recursive: true, force: true });
  } else {
    // A folder without a valid manifest holds other settings' files, and a database made from them.
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
  }
  log(
    `generated ${count(counts.customers)} customers, ${count(counts.events)} events, ${count(counts.relations)} relations in ${took(started)}`,
  );
  return { dir, counts, key: datasetKey(counts) };
};

/** Logs each tenth of an import's reading and writing. */
const progressLog = (label: string, started: number) => {
  let shown = '';
  return (progress: StageProgress): void => {
    const step = `${progress.phase} ${Math.min(9, Math.floor(progress.fraction * 10)) * 10}%`;
    if (step === shown) return;
    shown = step;
    log(`  ${label}: ${step}, ${count(progress.rowsProcessed)} rows, ${took(started)}`);
  };
};

/** Imports the three files through the application, checks the counts and closes the store. */
const importFiles = async (options: {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly data: GeneratedData;
}): Promise<void> => {
  const { store, schema, data } = options;
  const label = store.engine;
  const app = await createApp({ store, schema }, { clock });
  try {
    for (const kind of ['customers', 'relations', 'events'] as const) {
      const started = performance.now();
      const result = await app.importFile({
        kind,
        path: join(data.dir, `${kind}.csv`),
        onProgress: progressLog(`${label} ${kind}`, started),
      });
      if (!result.ok) throw new Error(`${label} ${kind}: ${result.error.message}`);
      const inserted = result.value.run.inserted;
      log(
        `${label} ${kind}: ${count(inserted)} rows in ${took(started)} = ${count(Math.round(inserted / secondsSince(started)))} rows/s`,
      );
    }
    const summary = await app.summary();
    const { customers, events, relations } = data.counts;
    if (summary.customers !== customers || summary.events !== events || summary.relations !== relations) {
      throw new Error(
        `${label} holds ${summary.customers}/${summary.events}/${summary.relations} customers/events/relations, the files ${customers}/${events}/${relations}`,
      );
    }
  } finally {
    await app.close();
  }
};

const DUCKDB_FILE = 'cvm.duckdb';
const DUCKDB_PARTIAL = `${DUCKDB_FILE}.partial-`;

/** Folds a write-ahead log left after closing into the file, so the file alone is the cache. */
const checkpoint = async (path: string): Promise<void> => {
  if (!existsSync(`${path}.wal`)) return;
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    await connection.run('CHECKPOINT');
    connection.closeSync();
  } finally {
    instance.closeSync();
  }
  if (existsSync(`${path}.wal`)) throw new Error(`${path}.wal is still there after a checkpoint`);
};

/** Imports into a DuckDB file of this process, renamed when complete. */
const importIntoDuckDb = async (data: GeneratedData, schema: WorkspaceSchema): Promise<void> => {
  const target = join(data.dir, DUCKDB_FILE);
  await removeAbandoned(data.dir, DUCKDB_PARTIAL);
  await rm(`${target}.wal`, { force: true });
  const partial = join(data.dir, `${DUCKDB_PARTIAL}${process.pid}`);
  const removePartial = async (): Promise<void> => {
    for (const path of [partial, `${partial}.wal`, `${partial}.tmp`]) {
      await rm(path, { recursive: true, force: true });
    }
  };
  await removePartial();
  log(`duckdb: importing into ${target} (cached for next runs)…`);
  const started = performance.now();
  try {
    await importFiles({ store: await DuckDbStore.open({ path: partial, clock }), schema, data });
    await checkpoint(partial);
  } catch (error) {
    await removePartial();
    throw error;
  }
  if (existsSync(target)) await removePartial();
  else await rename(partial, target);
  await rm(`${partial}.tmp`, { recursive: true, force: true });
  log(`duckdb: imported in ${took(started)}`);
};

const openDuckDb = async (data: GeneratedData, schema: WorkspaceSchema): Promise<Store> => {
  const path = join(data.dir, DUCKDB_FILE);
  if (!existsSync(path)) await importIntoDuckDb(data, schema);
  else log(`duckdb: reusing ${path}`);
  const store = await DuckDbStore.open({ path, clock });
  try {
    // Applies migrations added since the file was made.
    await store.prepare(schema);
    // The generated history is written customer by customer; stored by month, type and customer,
    // as `cvm optimize` leaves a store, once (the marker names the order, so a cache optimized in
    // an earlier order is rewritten).
    const optimized = join(data.dir, 'optimized-by-month-type-customer');
    if (!existsSync(optimized)) {
      const started = performance.now();
      const { events } = await store.optimize();
      log(`duckdb: ${count(events)} events stored by month, type and customer in ${took(started)}`);
      await writeFile(optimized, `${new Date().toISOString()}\n`);
    }
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
};

/** The comment on the schema: written after a complete import, so a partial one is redone. */
const completeMarker = (data: GeneratedData): string => `opencvm segments benchmark data: ${data.key}`;

const importIntoPostgres = async (options: {
  readonly admin: pg.Client;
  readonly url: string;
  readonly schemaName: string;
  readonly data: GeneratedData;
  readonly schema: WorkspaceSchema;
}): Promise<void> => {
  const { admin, url, schemaName, data, schema } = options;
  const quoted = admin.escapeIdentifier(schemaName);
  const found = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schemaName]);
  if (found.rowCount) log(`postgres: ${schemaName} holds no complete import, dropping it`);
  await admin.query(`DROP SCHEMA IF EXISTS ${quoted} CASCADE`);
  log(`postgres: importing into schema ${schemaName} (kept for next runs)…`);
  const started = performance.now();
  await importFiles({ store: await PostgresStore.open({ url, clock, schemaName }), schema, data });
  // Fresh tables have no statistics and no visibility map until autovacuum comes by; queries
  // measured right after the import would be planned and run on neither.
  const vacuumStarted = performance.now();
  await admin.query(
    `VACUUM (ANALYZE) ${['customers', 'events', 'relations'].map((table) => `${quoted}.${table}`).join(', ')}`,
  );
  log(`postgres: vacuum and analyze in ${took(vacuumStarted)}`);
  await admin.query(`COMMENT ON SCHEMA ${quoted} IS ${admin.escapeLiteral(completeMarker(data))}`);
  log(`postgres: imported in ${took(started)}`);
};

const openPostgres = async (options: {
  readonly url: string;
  readonly data: GeneratedData;
  readonly schema: WorkspaceSchema;
}): Promise<{ readonly store: Store; readonly schemaName: string }> => {
  const { url, data, schema } = options;
  const schemaName = `bench_segments_${data.counts.customers}_${SEGMENTS_SEED}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    // Held while checking and importing: a second run waits, then finds the import complete.
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [`opencvm:bench:${schemaName}`]);
    const marker = await admin.query<{ readonly marker: string | null }>(
      `SELECT obj_description(oid, 'pg_namespace') AS marker FROM pg_namespace WHERE nspname = $1`,
      [schemaName],
    );
    if (marker.rows[0]?.marker === completeMarker(data)) log(`postgres: reusing schema ${schemaName}`);
    else await importIntoPostgres({ admin, url, schemaName, data, schema });
  } finally {
    // Ending the session releases the lock.
    await admin.end();
  }
  const store = await PostgresStore.open({ url, clock, schemaName });
  try {
    await store.prepare(schema);
    return { store, schemaName };
  } catch (error) {
    await store.close();
    throw error;
  }
};

const loadSchema = async (): Promise<WorkspaceSchema> => {
  const loaded = await loadWorkspaceSchema(join(root, 'cvm.config.yaml'));
  if (!loaded.ok) throw new Error(formatSchemaIssues(loaded.error));
  return loaded.value;
};

/**
 * The segmentation benchmark's store, holding the generated base: generated and imported on the
 * first call for a size and engine, reused from the cache afterwards.
 */
export const prepareSegmentsData = async (options: PrepareSegmentsDataOptions): Promise<SegmentsData> => {
  const customers = options.customers ?? customersFromEnv();
  if (!Number.isSafeInteger(customers) || customers <= 0) {
    throw new RangeError(`customers must be a positive integer, got ${customers}`);
  }
  const schema = await loadSchema();
  let url: string | undefined;
  if (options.engine === 'postgres') {
    url = process.env.CVM_TEST_POSTGRES_URL;
    if (!url) throw new Error('CVM_TEST_POSTGRES_URL is not set: no PostgreSQL to prepare');
  }
  const data = await ensureGenerated(customers);
  const opened =
    url === undefined
      ? { store: await openDuckDb(data, schema), schemaName: null }
      : await openPostgres({ url, data, schema });
  return {
    engine: options.engine,
    store: opened.store,
    schema,
    asOf: DEFAULT_DEMO_AS_OF,
    counts: data.counts,
    dir: data.dir,
    schemaName: opened.schemaName,
    close: () => opened.store.close(),
  };
};

const isEngine = (value: string): value is BenchEngine => ENGINES.some((engine) => engine === value);

const main = async (): Promise<void> => {
  const named = process.argv.slice(2);
  const unknown = named.filter((name) => !isEngine(name));
  if (unknown.length > 0)
    throw new Error(`unknown engine ${unknown.join(', ')}: use ${ENGINES.join(' or ')}`);
  const engines: BenchEngine[] = named.filter(isEngine);
  if (engines.length === 0) {
    engines.push('duckdb');
    if (process.env.CVM_TEST_POSTGRES_URL) engines.push('postgres');
    else log('CVM_TEST_POSTGRES_URL is not set: PostgreSQL skipped');
  }
  for (const engine of engines) {
    const started = performance.now();
    const data = await prepareSegmentsData({ engine });
    try {
      const summary = await data.store.summary();
      console.log(
        JSON.stringify({
          engine,
          dir: data.dir,
          schemaName: data.schemaName,
          asOf: data.asOf.toISOString(),
          counts: data.counts,
          summary,
          readySeconds: Number(secondsSince(started).toFixed(1)),
        }),
      );
    } finally {
      await data.close();
    }
  }
};

if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) await main();
