import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWorkspaceSchema, type Store, type WorkspaceSchema } from '@opencvm/core';
import pg from 'pg';
import { DuckDbStore } from '../../src/duckdb/duckdb-store.ts';
import { PostgresStore } from '../../src/postgres/postgres-store.ts';

/** A store for one test, removed with everything it wrote when disposed. */
export interface TestStore extends AsyncDisposable {
  readonly store: Store;
}

export interface Adapter {
  readonly name: 'duckdb' | 'postgres';
  open(schema: WorkspaceSchema, clock?: () => Date): Promise<TestStore>;
  /** A second store over the same data (another process would see this). */
  reopen?: never;
}

export const POSTGRES_URL = process.env.CVM_TEST_POSTGRES_URL;

const fixedClock = () => new Date('2026-01-15T10:00:00.000Z');

const duckdb: Adapter = {
  name: 'duckdb',
  async open(schema, clock = fixedClock) {
    const dir = mkdtempSync(join(tmpdir(), 'cvm-store-'));
    const store = await DuckDbStore.open({ path: join(dir, 'cvm.duckdb'), clock });
    await store.prepare(schema);
    return {
      store,
      async [Symbol.asyncDispose]() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres = (url: string): Adapter => ({
  name: 'postgres',
  async open(schema, clock = fixedClock) {
    const schemaName = `cvm_t_${randomBytes(6).toString('hex')}`;
    const store = await PostgresStore.open({ url, clock, schemaName });
    await store.prepare(schema);
    return {
      store,
      async [Symbol.asyncDispose]() {
        await store.close();
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schemaName} CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  },
});

/** Every adapter the contract runs on: DuckDB always, PostgreSQL when a test server is given. */
export const ADAPTERS: readonly Adapter[] = (() => {
  const only = process.env.CVM_TEST_ADAPTERS?.split(',').map((name) => name.trim());
  const all = [duckdb, ...(POSTGRES_URL ? [postgres(POSTGRES_URL)] : [])];
  return only ? all.filter((adapter) => only.includes(adapter.name)) : all;
})();

/** A small retail workspace, different from the demo, so nothing depends on the demo's names. */
export const TEST_SCHEMA_INPUT = {
  workspace: { name: 'Test shop', currency: 'EUR', timezone: 'Europe/Berlin' },
  customer: {
    attributes: {
      tier: { type: 'enum', values: ['gold', 'silver', 'bronze'] },
      birth_date: { type: 'date' },
      score: { type: 'number' },
      visits: { type: 'integer' },
      vip: { type: 'boolean' },
      signup_at: { type: 'timestamp' },
      city: { type: 'string' },
    },
  },
  events: {
    purchase: { amount: true, attributes: { sku: { type: 'string' }, qty: { type: 'integer' } } },
    refund: { amount: true },
    visit: { attributes: { page: { type: 'string' } } },
  },
  relations: { kinds: ['family', 'referral'] },
};

export const testSchema = (input: unknown = TEST_SCHEMA_INPUT): WorkspaceSchema => {
  const parsed = parseWorkspaceSchema(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
};

export const tempDir = (): { path: string } & Disposable => {
  const path = mkdtempSync(join(tmpdir(), 'cvm-files-'));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
};
export { campaignInput, offerInput } from './campaign-fixtures.ts';
