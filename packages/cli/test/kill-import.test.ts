import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { POSTGRES_URL, TEST_SCHEMA_INPUT, tempDir } from '@opencvm/storage/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/program.ts';

/**
 * A process killed with SIGKILL in the middle of an import must leave the store as it was, and
 * the same import run again must then load everything.
 */

const CVM = resolve(import.meta.dirname, '../bin/cvm.js');
const EVENTS = 1_500_000;

const writeEvents = async (path: string): Promise<void> => {
  const out = createWriteStream(path);
  out.write('id,customer_id,type,ts,amount,sku\n');
  for (let start = 0; start < EVENTS; start += 50_000) {
    const lines: string[] = [];
    for (let i = start; i < start + 50_000; i += 1) {
      lines.push(
        `e${i},c${i % 20_000},purchase,2025-0${1 + (i % 9)}-1${i % 10}T10:00:00Z,${i % 1000}.${i % 100},S${i % 50}`,
      );
    }
    if (!out.write(`${lines.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
};

const startImport = (
  env: Record<string, string>,
  file: string,
): { child: ChildProcess; done: Promise<number | null>; output: () => string } => {
  let output = '';
  const child = spawn(process.execPath, [CVM, 'import', 'events', file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const done = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, done, output: () => output };
};

const countEvents = async (dir: string, env: Record<string, string>): Promise<number> => {
  let text = '';
  const code = await runCli(['summary'], {
    clock: () => new Date(),
    stdout: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
    },
    stderr: { write: () => true },
    env,
    cwd: dir,
  });
  expect(code).toBe(0);
  return Number(JSON.parse(text).events);
};

/** Waits until `inCommit` says the import is writing, then kills it; false if it finished first. */
const killDuringCommit = async (
  run: ReturnType<typeof startImport>,
  inCommit: () => Promise<boolean>,
): Promise<boolean> => {
  let exited = false;
  void run.done.then(() => {
    exited = true;
  });
  while (!exited) {
    if (await inCommit()) {
      run.child.kill('SIGKILL');
      await run.done;
      return true;
    }
    await sleep(5);
  }
  return false;
};

describe('an import killed mid-way', () => {
  it('leaves the DuckDB store as it was, and a rerun loads everything', async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, 'schema.json'), JSON.stringify(TEST_SCHEMA_INPUT));
    const db = join(dir.path, 'cvm.duckdb');
    const env = { CVM_SCHEMA: join(dir.path, 'schema.json'), CVM_DATABASE_URL: `duckdb:${db}` };
    const file = join(dir.path, 'events.csv');
    await writeEvents(file);
    expect(await countEvents(dir.path, env)).toBe(0);
    const size = () =>
      (existsSync(db) ? statSync(db).size : 0) + (existsSync(`${db}.wal`) ? statSync(`${db}.wal`).size : 0);
    const baseline = size();
    const run = startImport(env, file);
    // Staging lives in temporary tables; the store's files grow only once rows are written to it.
    const killed = await killDuringCommit(run, async () => size() > baseline + 4 * 1024 * 1024);
    expect(killed, run.output()).toBe(true);
    expect(await countEvents(dir.path, env)).toBe(0);
    const rerun = startImport(env, file);
    expect(await rerun.done, rerun.output()).toBe(0);
    expect(await countEvents(dir.path, env)).toBe(EVENTS);
  });

  it.skipIf(!POSTGRES_URL)('leaves PostgreSQL as it was, and a rerun loads everything', async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, 'schema.json'), JSON.stringify(TEST_SCHEMA_INPUT));
    const schemaName = `cvm_kill_${randomBytes(5).toString('hex')}`;
    const env = {
      CVM_SCHEMA: join(dir.path, 'schema.json'),
      CVM_DATABASE_URL: POSTGRES_URL ?? '',
      CVM_DATABASE_SCHEMA: schemaName,
    };
    const file = join(dir.path, 'events.csv');
    await writeEvents(file);
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      expect(await countEvents(dir.path, env)).toBe(0);
      const run = startImport(env, file);
      const killed = await killDuringCommit(run, async () => {
        const result = await client.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND (query LIKE 'COPY %' OR query LIKE 'INSERT INTO events%') AND pid <> pg_backend_pid()",
        );
        return Number(result.rows[0]?.n ?? 0) > 0;
      });
      expect(killed, run.output()).toBe(true);
      expect(await countEvents(dir.path, env)).toBe(0);
      const rerun = startImport(env, file);
      expect(await rerun.done, rerun.output()).toBe(0);
      expect(await countEvents(dir.path, env)).toBe(EVENTS);
      // The killed import's staging folder is removed by the next one.
      const leftovers = readdirSync(tmpdir()).filter((name) =>
        name.startsWith(`cvm-pg-import-${run.child.pid}-`),
      );
      expect(leftovers).toEqual([]);
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS ${schemaName} CASCADE`);
      await client.end();
    }
  });
});
