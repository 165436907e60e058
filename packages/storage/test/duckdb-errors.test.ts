import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { StoreError } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { toStoreError } from '../src/duckdb/duckdb-errors.ts';
import { DuckDbStore } from '../src/duckdb/duckdb-store.ts';
import { tempDir } from './contract/adapters.ts';

const failureOf = async (work: () => Promise<unknown>): Promise<StoreError> => {
  try {
    await work();
  } catch (error) {
    return toStoreError(error);
  }
  throw new Error('expected the statement to fail');
};

describe('DuckDB errors', () => {
  it('maps what the driver reports to the shared reasons', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run('CREATE TABLE t (id VARCHAR PRIMARY KEY)');
      await connection.run("INSERT INTO t VALUES ('a')");
      expect((await failureOf(() => connection.run("INSERT INTO t VALUES ('a')"))).reason).toBe(
        'unique_violation',
      );
      expect((await failureOf(() => connection.run("SELECT CAST('x' AS INTEGER)"))).reason).toBe(
        'invalid_data',
      );
      expect(
        (await failureOf(() => connection.run("SELECT * FROM read_csv('/nonexistent/file.csv')"))).reason,
      ).toBe('unavailable');
      expect((await failureOf(() => connection.run('SELECT * FROM no_such_table'))).reason).toBe('unknown');
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('says which process holds the store when another one has it open', async () => {
    using dir = tempDir();
    const path = join(dir.path, 'cvm.duckdb');
    const store = await DuckDbStore.open({ path, clock: () => new Date() });
    try {
      // A second process opening the same file is refused by DuckDB's file lock.
      const script = `import('@duckdb/node-api').then(async (m) => { try { await m.DuckDBInstance.create(${JSON.stringify(path)}); console.log('opened'); } catch (e) { console.log(e.message); } })`;
      const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      const mapped = toStoreError(new Error(child.stdout.trim()));
      expect(mapped.reason).toBe('locked');
      expect(mapped.message).toMatch(/open in another process/);
    } finally {
      await store.close();
    }
  });
});
