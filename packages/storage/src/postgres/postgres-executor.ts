import type { Pool, PoolClient } from 'pg';
import Cursor from 'pg-cursor';
import type { SqlExecutor, SqlRunner } from '../sql/sql-executor.ts';
import { literal } from '../sql/sql-types.ts';
import { postgresDialect } from './postgres-dialect.ts';
import { toStoreError, untranslated } from './postgres-errors.ts';

type Row = Record<string, unknown>;

/** Memory each sort or hash of a segment query may use before spilling to disk. */
const SEGMENT_WORK_MEM = '256MB';

/** The SQL stores' access to the server: pooled queries, plain transactions, cursors. */
export const postgresExecutor = (pool: Pool): SqlExecutor => {
  const runnerOf = (client: PoolClient): SqlRunner => ({
    dialect: postgresDialect,
    all: async (sql, params) => {
      try {
        return (await client.query<Row>(sql, params ? [...params] : undefined)).rows;
      } catch (error) {
        throw toStoreError(error);
      }
    },
  });
  const withClient = async <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      broken = untranslated(error) ? error : undefined;
      throw error;
    } finally {
      client.release(broken);
    }
  };
  // Segment queries aggregate millions of rows by customer: with the default 4 MB per hash or
  // sort they spill to disk many times over. The setting lasts for their transaction only.
  const transaction = <T>(work: (runner: SqlRunner, client: PoolClient) => Promise<T>): Promise<T> =>
    withClient(async (client) => {
      const runner = runnerOf(client);
      await runner.all('BEGIN');
      try {
        await runner.all(`SET LOCAL work_mem = ${literal(SEGMENT_WORK_MEM)}`);
        const result = await work(runner, client);
        await runner.all('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    });
  return {
    dialect: postgresDialect,
    all: (sql, params) => transaction((runner) => runner.all(sql, params)),
    transaction: (work) => transaction((runner) => work(runner)),
    stream: (sql, params, onRows) =>
      transaction(async (_runner, client) => {
        const cursor = client.query(new Cursor<Row>(sql, [...params]));
        try {
          for (;;) {
            const batch = await cursor.read(10_000);
            if (batch.length === 0) break;
            await onRows(batch);
          }
        } catch (error) {
          throw toStoreError(error);
        } finally {
          await cursor.close();
        }
      }),
  };
};
