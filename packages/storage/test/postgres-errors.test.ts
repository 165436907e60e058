import { randomBytes } from 'node:crypto';
import { StoreError } from '@opencvm/core';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { reasonOfSqlState, toStoreError } from '../src/postgres/postgres-errors.ts';
import { PostgresStore } from '../src/postgres/postgres-store.ts';

const URL = process.env.CVM_TEST_POSTGRES_URL;

describe('postgres errors: SQLSTATE to reason', () => {
  it.each([
    ['23505', 'unique_violation'],
    ['40001', 'conflict'],
    ['40P01', 'conflict'],
    ['55P03', 'locked'],
    ['57P01', 'unavailable'],
    ['57P03', 'unavailable'],
    ['08000', 'unavailable'],
    ['08006', 'unavailable'],
    ['08P01', 'unavailable'],
    ['22P02', 'invalid_data'],
    ['22003', 'invalid_data'],
    ['22021', 'invalid_data'],
    ['23502', 'unknown'],
    ['42P01', 'unknown'],
    ['XX000', 'unknown'],
  ] as const)('%s is %s', (code, reason) => {
    expect(reasonOfSqlState(code)).toBe(reason);
  });

  it('reads the code of a driver error, a socket error and a failed dual-stack connect', () => {
    const database = Object.assign(new Error('duplicate key value violates unique constraint "t_pkey"'), {
      code: '23505',
    });
    expect(toStoreError(database)).toMatchObject({ reason: 'unique_violation', cause: database });
    expect(
      toStoreError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).reason,
    ).toBe('unavailable');
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const both = new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432')]);
    expect(toStoreError(both)).toMatchObject({
      reason: 'unavailable',
      message: expect.stringMatching(/::1/),
    });
    expect(toStoreError(new Error('Connection terminated unexpectedly')).reason).toBe('unavailable');
    expect(toStoreError(new Error('something else')).reason).toBe('unknown');
  });

  it('a server that is not there is unavailable', async () => {
    const error = await failure(
      PostgresStore.open({
        url: 'postgres://postgres@127.0.0.1:1/test',
        clock: () => new Date(0),
      }),
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(error.reason).toBe('unavailable');
  });

  it('passes a StoreError through unchanged', () => {
    const error = new StoreError('schema_mismatch', 'no');
    expect(toStoreError(error)).toBe(error);
  });
});

/** A client on a fresh schema of the test server, dropped with everything in it when disposed. */
const scratch = async (url: string) => {
  const schemaName = `cvm_t_${randomBytes(6).toString('hex')}`;
  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schemaName}` });
    await client.connect();
    return client;
  };
  const admin = await connect();
  await admin.query(`CREATE SCHEMA ${schemaName}`);
  const others: pg.Client[] = [];
  return {
    admin,
    /** Another session on the same schema. */
    async session(): Promise<pg.Client> {
      const client = await connect();
      others.push(client);
      return client;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(others.map((client) => client.end().catch(() => {})));
      await admin.query(`DROP SCHEMA ${schemaName} CASCADE`);
      await admin.end();
    },
  };
};

const failure = (promise: Promise<unknown>): Promise<StoreError> =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => toStoreError(error),
  );

describe.skipIf(!URL)('postgres errors: from a real server', () => {
  const url = URL ?? '';

  it('a repeated primary key is a unique violation', async () => {
    await using db = await scratch(url);
    await db.admin.query('CREATE TABLE t (id text PRIMARY KEY)');
    await db.admin.query(`INSERT INTO t VALUES ('a')`);
    const error = await failure(db.admin.query(`INSERT INTO t VALUES ('a')`));
    expect(error.reason).toBe('unique_violation');
    expect(error.message).toMatch(/duplicate key/);
  });

  it('a lock not granted within lock_timeout is locked', async () => {
    await using db = await scratch(url);
    await db.admin.query('CREATE TABLE t (id text PRIMARY KEY)');
    const holder = await db.session();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
    const waiter = await db.session();
    await waiter.query(`SET lock_timeout = '50ms'`);
    expect((await failure(waiter.query('SELECT * FROM t'))).reason).toBe('locked');
    await holder.query('ROLLBACK');
  });

  it('a deadlock is a conflict', async () => {
    await using db = await scratch(url);
    await db.admin.query(`CREATE TABLE t (id int PRIMARY KEY, n int); INSERT INTO t VALUES (1, 0), (2, 0)`);
    const [first, second] = [await db.session(), await db.session()];
    for (const client of [first, second]) await client.query('BEGIN');
    await first.query('UPDATE t SET n = 1 WHERE id = 1');
    await second.query('UPDATE t SET n = 1 WHERE id = 2');
    const outcomes = await Promise.allSettled([
      first.query('UPDATE t SET n = 2 WHERE id = 2'),
      second.query('UPDATE t SET n = 2 WHERE id = 1'),
    ]);
    const reasons = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [toStoreError(outcome.reason).reason] : [],
    );
    expect(reasons).toEqual(['conflict']);
    for (const client of [first, second]) await client.query('ROLLBACK');
  });

  it('a serialization failure is a conflict', async () => {
    await using db = await scratch(url);
    await db.admin.query(`CREATE TABLE t (id int PRIMARY KEY, n int); INSERT INTO t VALUES (1, 0)`);
    const [first, second] = [await db.session(), await db.session()];
    for (const client of [first, second]) {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await client.query('SELECT n FROM t');
    }
    await first.query('UPDATE t SET n = 1 WHERE id = 1');
    // Handled from the start: the failure may arrive before the COMMIT's answer does.
    const blocked = failure(second.query('UPDATE t SET n = 2 WHERE id = 1'));
    await first.query('COMMIT');
    expect((await blocked).reason).toBe('conflict');
    await second.query('ROLLBACK');
  });

  it('a value that does not convert is invalid data', async () => {
    await using db = await scratch(url);
    expect((await failure(db.admin.query(`SELECT 'x'::integer`))).reason).toBe('invalid_data');
    expect((await failure(db.admin.query('SELECT 1 / 0'))).reason).toBe('invalid_data');
  });

  it('a session ended by the server is unavailable', async () => {
    await using db = await scratch(url);
    const victim = await db.session();
    const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    victim.on('error', () => {});
    // Handled from the start: the failure may arrive while the terminating query still runs.
    const sleeping = failure(victim.query('SELECT pg_sleep(30)'));
    await db.admin.query('SELECT pg_terminate_backend($1)', [pid]);
    expect((await sleeping).reason).toBe('unavailable');
  });
});
