import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportCounts, ImportSource, Store } from '@opencvm/core';
import { StoreError } from '@opencvm/core';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/postgres/postgres-store.ts';
import { TEST_SCHEMA_INPUT, tempDir, testSchema } from './contract/adapters.ts';

const URL = process.env.CVM_TEST_POSTGRES_URL;
const schema = testSchema();
const clock = () => new Date('2026-01-15T10:00:00.000Z');

const EVENTS_CSV = [
  'id,customer_id,type,ts,amount,currency',
  'e1,c1,purchase,2025-01-10 10:00:00,19.99,EUR',
  'e2,c1,visit,2025-01-11T09:00:00+01:00,,',
  'e3,c2,refund,2025-01-12T08:00:00Z,-5.25,USD',
].join('\n');

const CUSTOMERS_CSV = ['id,tier,city', 'c1,gold,Berlin', 'c2,silver,Hamburg', 'c3,bronze,Köln'].join('\n');

/**
 * A fresh schema on the test server, with an admin session on it; stores opened through it
 * are closed and the schema dropped with everything in it when disposed.
 */
const scratch = async (url: string) => {
  const schemaName = `cvm_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url, options: `-c search_path=${schemaName}` });
  await admin.connect();
  const stores: PostgresStore[] = [];
  const query = async (sql: string, values?: unknown[]): Promise<Record<string, unknown>[]> =>
    (await admin.query<Record<string, unknown>>(sql, values)).rows;
  return {
    schemaName,
    admin,
    query,
    async open(): Promise<PostgresStore> {
      const store = await PostgresStore.open({ url, clock, schemaName });
      stores.push(store);
      return store;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(stores.map((store) => store.close()));
      await admin.query(`DROP SCHEMA IF EXISTS ${schemaName} CASCADE`);
      await admin.end();
    },
  };
};

const importFile = async (store: Store, source: Omit<ImportSource, 'mapping' | 'format'>) => {
  const result = await store.importFile({ mapping: {}, format: 'csv', ...source });
  if (!result.ok) throw new Error(`${result.error.type}: ${result.error.message}`);
  return result.value;
};

const write = (dir: string, name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, `${text}\n`);
  return path;
};

describe.skipIf(!URL)('postgres store', () => {
  const url = URL ?? '';

  it('creates its schema, applies migrations once and records them', async () => {
    await using db = await scratch(url);
    const store = await db.open();
    await store.prepare(schema);
    await store.prepare(schema);
    const again = await db.open();
    await again.prepare(schema);
    const migrations = await db.query(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    );
    expect(migrations).toEqual([
      { version: 1, name: 'customers, events, relations, imports', applied_at: clock() },
      { version: 2, name: 'segments, snapshots, lists, features', applied_at: clock() },
      { version: 3, name: 'snapshot order', applied_at: clock() },
      { version: 4, name: 'offers, campaigns, universal control group', applied_at: clock() },
      { version: 5, name: 'campaign runs, contact history, outbox', applied_at: clock() },
      {
        version: 6,
        name: 'delivery: claims, outcomes, receipts, consent changes, settings',
        applied_at: clock(),
      },
      { version: 7, name: 'accounts, audit log, idempotency keys', applied_at: clock() },
      { version: 8, name: "contact history by customer (a customer's page)", applied_at: clock() },
      {
        version: 9,
        name: 'journeys: definitions, entries, steps, pending triggers, segment membership',
        applied_at: clock(),
      },
    ]);
    const tables = await db.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [db.schemaName],
    );
    expect(tables.map((row) => row.table_name)).toEqual([
      'api_keys',
      'audit_log',
      'campaign_runs',
      'campaigns',
      'consent_changes',
      'contact_history',
      'customer_features',
      'customers',
      'delivery_receipts',
      'events',
      'feature_refreshes',
      'idempotency_keys',
      'import_runs',
      'journey_entries',
      'journey_segment_members',
      'journey_steps',
      'journey_triggers',
      'journey_versions',
      'journeys',
      'list_members',
      'lists',
      'offers',
      'outbox',
      'relations',
      'run_members',
      'schema_migrations',
      'segment_snapshot_members',
      'segment_snapshots',
      'segment_versions',
      'segments',
      'sessions',
      'ucg_settings',
      'users',
      'workspace_schema',
      'workspace_settings',
    ]);
    // Kept without the delivery routes, whose options may hold credentials.
    const [stored] = await db.query('SELECT definition FROM workspace_schema');
    const { delivery: _routes, ...model } = schema;
    expect(stored?.definition).toEqual(JSON.parse(JSON.stringify(model)));
  });

  it('keys every table by its id, events and relations led by the customer for distribution', async () => {
    await using db = await scratch(url);
    await (await db.open()).prepare(schema);
    const indexes = await db.query(
      `SELECT t.relname AS table, i.relname AS index, x.indisprimary AS primary, x.indisunique AS unique,
              array_to_string(array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(n, o)
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o), ',') AS columns
         FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND t.relname IN ('customers', 'events', 'relations', 'import_runs')
        ORDER BY 1, 2`,
      [db.schemaName],
    );
    expect(indexes).toEqual(
      expect.arrayContaining([
        { table: 'customers', index: 'customers_pkey', primary: true, unique: true, columns: 'id' },
        { table: 'events', index: 'events_pkey', primary: true, unique: true, columns: 'customer_id,id' },
        { table: 'events', index: 'events_ts', primary: false, unique: false, columns: 'ts' },
        { table: 'import_runs', index: 'import_runs_pkey', primary: true, unique: true, columns: 'id' },
        { table: 'relations', index: 'relations_dst', primary: false, unique: false, columns: 'dst' },
        { table: 'relations', index: 'relations_pkey', primary: true, unique: true, columns: 'src,dst,kind' },
      ]),
    );
    const types = await db.query(
      `SELECT table_name || '.' || column_name AS column, data_type AS type FROM information_schema.columns
        WHERE table_schema = $1 AND (table_name, column_name) IN
          (('events', 'amount'), ('events', 'ts'), ('customers', 'score'), ('customers', 'visits'),
           ('customers', 'birth_date'), ('customers', 'vip'), ('workspace_schema', 'definition'))
        ORDER BY 1`,
      [db.schemaName],
    );
    expect(types).toEqual([
      { column: 'customers.birth_date', type: 'date' },
      { column: 'customers.score', type: 'double precision' },
      { column: 'customers.vip', type: 'boolean' },
      { column: 'customers.visits', type: 'bigint' },
      { column: 'events.amount', type: 'numeric' },
      { column: 'events.ts', type: 'timestamp with time zone' },
      { column: 'workspace_schema.definition', type: 'jsonb' },
    ]);
  });

  it('bulk loads an empty table, rebuilds its indexes and drops events repeated in the file', async () => {
    await using db = await scratch(url);
    using dir = tempDir();
    const store = await db.open();
    await store.prepare(schema);
    const indexes = () =>
      db.query(
        `SELECT indexrelid::regclass::text AS index, indisvalid AS valid FROM pg_index
          WHERE indrelid IN ('events'::regclass, 'customers'::regclass) ORDER BY 1`,
      );
    const before = await indexes();
    const repeated = write(dir.path, 'e.csv', `${EVENTS_CSV}\ne2,c1,visit,2025-01-11T09:00:00+01:00,,`);
    expect(await importFile(store, { kind: 'events', path: repeated })).toMatchObject({
      read: 4,
      inserted: 3,
      duplicates: 1,
    });
    await importFile(store, { kind: 'customers', path: write(dir.path, 'c.csv', CUSTOMERS_CSV) });
    expect(await indexes()).toEqual(before);
    expect(before.map((row) => row.index)).toEqual([
      'customers_email',
      'customers_msisdn',
      'customers_pkey',
      'events_pkey',
      'events_ts',
    ]);
    const more = write(
      dir.path,
      'more.csv',
      `${EVENTS_CSV}\ne4,c1,visit,2025-02-01T00:00:00Z,,\ne4,c1,visit,2025-02-01T00:00:00Z,,`,
    );
    expect(await importFile(store, { kind: 'events', path: more })).toMatchObject({
      read: 5,
      inserted: 1,
      duplicates: 4,
    });
    expect(await db.query('SELECT id, ts FROM events ORDER BY customer_id, id')).toEqual([
      { id: 'e1', ts: new Date('2025-01-10T09:00:00Z') },
      { id: 'e2', ts: new Date('2025-01-11T08:00:00Z') },
      { id: 'e4', ts: new Date('2025-02-01T00:00:00Z') },
      { id: 'e3', ts: new Date('2025-01-12T08:00:00Z') },
    ]);
  });

  it('refuses a file with a bad row near its end, leaving the table as it was', async () => {
    await using db = await scratch(url);
    using dir = tempDir();
    const store = await db.open();
    await store.prepare(schema);
    const lines = (from: number, count: number): string[] =>
      Array.from(
        { length: count },
        (_, index) => `x${from + index},c${(from + index) % 997},visit,2025-03-01T10:00:00Z`,
      );
    const header = 'id,customer_id,type,ts';
    const bad = write(dir.path, 'bad.csv', [header, ...lines(0, 150_000), 'y1,c1,visit,never'].join('\n'));
    for (const round of ['empty table', 'table with rows']) {
      const result = await store.importFile({ kind: 'events', path: bad, format: 'csv', mapping: {} });
      expect(result.ok ? 'imported' : result.error.type, round).toBe('invalid_rows');
      expect(await db.query('SELECT count(*)::int AS n FROM events'), round).toEqual([
        { n: round === 'empty table' ? 0 : 10 },
      ]);
      const good = write(dir.path, 'good.csv', [header, ...lines(1_000_000, 10)].join('\n'));
      if (round === 'empty table') await importFile(store, { kind: 'events', path: good });
    }
  });

  it('stops DuckDB and reports the error when PostgreSQL fails during the copy', async () => {
    await using db = await scratch(url);
    using dir = tempDir();
    const store = await db.open();
    await store.prepare(schema);
    await db.admin.query(`
      CREATE FUNCTION refuse_x() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id = 'x50000' THEN RAISE EXCEPTION 'refused by test'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_x BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_x();`);
    const path = write(
      dir.path,
      'e.csv',
      [
        'id,customer_id,type,ts',
        ...Array.from(
          { length: 300_000 },
          (_, index) => `x${index},c${index % 997},visit,2025-03-01T10:00:00Z`,
        ),
      ].join('\n'),
    );
    const failure = await store.importFile({ kind: 'events', path, format: 'csv', mapping: {} }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StoreError);
    expect(String(failure)).toMatch(/refused by test/);
    await db.admin.query('DROP TRIGGER refuse_x ON events');
    expect(await importFile(store, { kind: 'events', path })).toMatchObject({
      read: 300_000,
      inserted: 300_000,
    });
  });

  it('lets two processes prepare the same new schema at once', async () => {
    await using db = await scratch(url);
    await db.admin.query(`DROP SCHEMA IF EXISTS ${db.schemaName}`);
    const grown = testSchema({
      ...TEST_SCHEMA_INPUT,
      customer: { attributes: { ...TEST_SCHEMA_INPUT.customer.attributes, nps: { type: 'integer' } } },
    });
    const stores = await Promise.all([db.open(), db.open(), db.open()]);
    await Promise.all(stores.map((store) => store.prepare(schema)));
    await Promise.all(stores.map((store) => store.prepare(grown)));
    expect(await db.query('SELECT count(*)::int AS n FROM schema_migrations')).toEqual([{ n: 9 }]);
    const nps = await db.query(
      `SELECT data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'customers' AND column_name = 'nps'`,
      [db.schemaName],
    );
    expect(nps).toEqual([{ data_type: 'bigint' }]);
  });

  it('serializes imports of two processes, so each counts what it did', async () => {
    await using db = await scratch(url);
    using dir = tempDir();
    const [first, second] = await Promise.all([db.open(), db.open()]);
    await first.prepare(schema);
    await second.prepare(schema);
    const customers = write(dir.path, 'c.csv', CUSTOMERS_CSV);
    const events = write(dir.path, 'e.csv', EVENTS_CSV);
    const both = async (kind: 'customers' | 'events', path: string): Promise<ImportCounts[]> =>
      Promise.all([importFile(first, { kind, path }), importFile(second, { kind, path })]);
    const sum = (counts: ImportCounts[], key: keyof ImportCounts) =>
      counts.reduce((total, count) => total + count[key], 0);
    const customerCounts = await both('customers', customers);
    expect([sum(customerCounts, 'inserted'), sum(customerCounts, 'unchanged')]).toEqual([3, 3]);
    const eventCounts = await both('events', events);
    expect([sum(eventCounts, 'inserted'), sum(eventCounts, 'duplicates')]).toEqual([3, 3]);
    expect(await first.summary()).toMatchObject({ customers: 3, events: 3 });
  });

  it('leaves the tables as they were when a commit fails, and imports again afterwards', async () => {
    await using db = await scratch(url);
    using dir = tempDir();
    const store = await db.open();
    await store.prepare(schema);
    await importFile(store, { kind: 'events', path: write(dir.path, 'e.csv', EVENTS_CSV) });
    const before = await db.query('SELECT * FROM events ORDER BY customer_id, id');
    // Refuses one row in the middle of the insert: earlier rows of the same statement are written.
    await db.admin.query(`
      CREATE FUNCTION refuse_e5() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id = 'e5' THEN RAISE EXCEPTION 'refused by test'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_e5 BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_e5();`);
    const more = write(
      dir.path,
      'more.csv',
      `${EVENTS_CSV}\ne4,c1,visit,2025-02-01T00:00:00Z,,\ne5,c1,visit,2025-02-02T00:00:00Z,,\ne6,c3,visit,2025-02-03T00:00:00Z,,`,
    );
    const failure = await importFile(store, { kind: 'events', path: more }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StoreError);
    expect(String(failure)).toMatch(/refused by test/);
    expect(await db.query('SELECT * FROM events ORDER BY customer_id, id')).toEqual(before);
    await db.admin.query('DROP TRIGGER refuse_e5 ON events');
    expect(await importFile(store, { kind: 'events', path: more })).toMatchObject({
      read: 6,
      inserted: 3,
      duplicates: 3,
    });
  });

  it('leaves the tables as they were when the connection dies mid-import', async () => {
    await using db = await scratch(url);
    using dir = tempDir();
    const store = await db.open();
    await store.prepare(schema);
    await importFile(store, { kind: 'customers', path: write(dir.path, 'c.csv', CUSTOMERS_CSV) });
    const before = await db.query('SELECT * FROM customers ORDER BY id');
    // The import waits inside its transaction on a lock this test holds, until the test ends
    // its session as a crash would.
    const key = randomBytes(3).readUIntBE(0, 3);
    await db.admin.query('SELECT pg_advisory_lock($1)', [key]);
    await db.admin.query(`
      CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_lock(${key}); RETURN NEW; END $$;
      CREATE TRIGGER stall BEFORE INSERT OR UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION stall();`);
    const changed = write(dir.path, 'c2.csv', 'id,tier\nc1,bronze\nc9,gold');
    const running = importFile(store, { kind: 'customers', path: changed }).then(
      () => null,
      (error: unknown) => error,
    );
    let pids: Record<string, unknown>[] = [];
    for (let attempt = 0; attempt < 400 && pids.length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      pids = await db.query(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1::bigint::oid`,
        [key],
      );
    }
    expect(pids).toHaveLength(1);
    await db.query('SELECT pg_terminate_backend($1)', [pids[0]?.pid]);
    const failure = await running;
    expect(failure).toBeInstanceOf(StoreError);
    expect(failure instanceof StoreError ? failure.reason : null).toBe('unavailable');
    await db.admin.query('SELECT pg_advisory_unlock($1)', [key]);
    await db.admin.query('DROP TRIGGER stall ON customers');
    expect(await db.query('SELECT * FROM customers ORDER BY id')).toEqual(before);
    expect(await importFile(store, { kind: 'customers', path: changed })).toMatchObject({
      inserted: 1,
      updated: 1,
    });
  });

  it('keeps its tables in its own schema', async () => {
    await using db = await scratch(url);
    await using other = await scratch(url);
    using dir = tempDir();
    const store = await db.open();
    await store.prepare(schema);
    const neighbour = await other.open();
    await neighbour.prepare(schema);
    await importFile(store, { kind: 'customers', path: write(dir.path, 'c.csv', CUSTOMERS_CSV) });
    expect((await store.summary()).customers).toBe(3);
    expect((await neighbour.summary()).customers).toBe(0);
  });
});
