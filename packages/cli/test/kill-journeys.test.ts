import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '@opencvm/app';
import { journeyMessageRunId, type NormalizedRow } from '@opencvm/core';
import { offerInput, POSTGRES_URL, TEST_SCHEMA_INPUT, tempDir, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/compose/open-store.ts';

/**
 * A journey worker killed with SIGKILL while it moves customers on, then started again: every
 * customer ends at the step they were due to reach, each timer fired once and each message is in
 * the outbox once — nothing lost, nothing done twice.
 */

const CVM = resolve(import.meta.dirname, '../bin/cvm.js');
const CUSTOMERS = 4_000;
/** The entries' wait ended this long before the workers start: all of them are due at once. */
const DUE_AGO_MS = 60_000;

const customers: NormalizedRow[] = Array.from({ length: CUSTOMERS }, (_, index) => ({
  id: `c${String(index).padStart(5, '0')}`,
  tier: 'gold',
  city: 'Berlin',
  msisdn: `+4917${String(index).padStart(8, '0')}`,
  consent_sms_service: true,
}));

const sms = (text: string) => ({ type: 'sms' as const, locales: { en: { text } } });

type StoreEnv = Readonly<Record<string, string>>;

const storeOf = (env: StoreEnv) =>
  env.CVM_DATABASE_URL?.startsWith('duckdb:') === true
    ? { engine: 'duckdb' as const, path: env.CVM_DATABASE_URL.slice('duckdb:'.length) }
    : {
        engine: 'postgres' as const,
        url: env.CVM_DATABASE_URL ?? '',
        schemaName: env.CVM_DATABASE_SCHEMA ?? '',
      };

/** Every customer enters a started journey and waits; the wait ended a minute ago. */
const prepare = async (env: StoreEnv): Promise<void> => {
  const schema = testSchema();
  const entered = new Date(Date.now() - DUE_AGO_MS - 5 * 60_000);
  const clock = () => entered;
  const store = await openStore(storeOf(env), clock);
  await using app = await createApp({ store, schema }, { clock, contactPolicy: undefined });
  await store.importRows('customers', customers, new Set(Object.keys(customers[0] ?? {})));
  const offer = await app.campaigns.createOffer(offerInput({ cooldownDays: 0, validFrom: '2020-01-01' }));
  if (!offer.ok) throw new Error(JSON.stringify(offer.error));
  const created = await app.journeys.create(
    {
      id: 'two-step',
      name: 'Two steps',
      entry: { type: 'event', eventType: 'visit' },
      start: 'first',
      nodes: [
        { id: 'first', type: 'send', channel: 'sms', offer: 'ten-off', content: sms('One'), next: 'wait' },
        { id: 'wait', type: 'wait', wait: { type: 'duration', duration: { minutes: 5 } }, next: 'second' },
        { id: 'second', type: 'send', channel: 'sms', offer: 'ten-off', content: sms('Two'), next: 'done' },
        { id: 'done', type: 'exit' },
      ],
      holdoutShare: 0,
      reEntry: { mode: 'once' },
      goal: { eventType: 'purchase', kpi: 'conversion' },
      priority: 100,
      purpose: 'service',
    },
    { by: 'alice' },
  );
  if (!created.ok) throw new Error(JSON.stringify(created.error));
  for (const [action, by] of [
    ['submit', 'alice'],
    ['approve', 'bob'],
    ['start', 'bob'],
  ] as const) {
    const moved = await app.journeys.act('two-step', action, { by });
    if (!moved.ok) throw new Error(JSON.stringify(moved.error));
  }
  for (let start = 0; start < customers.length; start += 1_000) {
    const events = customers.slice(start, start + 1_000).map((row) => ({
      id: `v-${String(row.id)}`,
      customer_id: String(row.id),
      type: 'visit',
      ts: entered.toISOString(),
      page: 'home',
    }));
    const result = await app.importBatch({ kind: 'events', body: events, atomic: true });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
  }
  const funnel = await store.journeys.funnel('two-step');
  expect(funnel.active).toBe(CUSTOMERS);
};

const startWorker = (
  args: readonly string[],
  env: StoreEnv,
): { child: ChildProcess; done: Promise<number | null>; output: () => string } => {
  let output = '';
  const child = spawn(process.execPath, [CVM, 'journey', 'worker', '--lease-seconds', '2', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const done = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  return { child, done, output: () => output };
};

const killAndRestart = async (dir: string, storeEnv: StoreEnv) => {
  const schemaFile = join(dir, 'schema.json');
  writeFileSync(schemaFile, JSON.stringify(TEST_SCHEMA_INPUT));
  const env = { ...storeEnv, CVM_SCHEMA: schemaFile };
  await prepare(env);

  // Killed once it has written a batch or two, with more claimed or being decided.
  const first = startWorker([], env);
  let exited = false;
  void first.done.then(() => {
    exited = true;
  });
  const batches = () => (first.output().match(/^journeys: entered/gm) ?? []).length;
  while (!exited && batches() < 1) await sleep(2);
  expect(exited, first.output()).toBe(false);
  first.child.kill('SIGKILL');
  await first.done;
  const movedBefore = [...first.output().matchAll(/moved (\d+)/g)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
  expect(movedBefore).toBeLessThan(CUSTOMERS);

  const second = startWorker(['--until-idle'], env);
  const exit = await Promise.race([second.done, sleep(60_000).then(() => 'timeout')]);
  if (exit === 'timeout') second.child.kill('SIGKILL');
  expect(exit, second.output()).toBe(0);

  const clock = () => new Date();
  const store = await openStore(storeOf(env), clock);
  await using _app = await createApp({ store, schema: testSchema() }, { clock });
  const funnel = await store.journeys.funnel('two-step');
  expect(funnel.active, JSON.stringify(funnel)).toBe(0);
  expect(funnel.left).toEqual({ completed: CUSTOMERS });
  // Each timer fired once: one `done` per entry at the wait, one `queued` per entry at each send.
  const node = (id: string) => funnel.nodes.find((entry) => entry.node === id);
  expect(node('wait')?.outcomes).toEqual({ reached: CUSTOMERS, done: CUSTOMERS });
  expect(node('second')?.outcomes).toEqual({ queued: CUSTOMERS });
  // Each message in the outbox once, under its entry's key.
  const claimed = await store.delivery.claimDue({
    channel: 'sms',
    now: new Date(Date.now() + 3_600_000),
    limit: 3 * CUSTOMERS,
    claimant: 'check',
    leaseUntil: new Date(Date.now() + 7_200_000),
  });
  expect(claimed).toHaveLength(2 * CUSTOMERS);
  const keys = new Set(claimed.map((message) => message.runId));
  expect(keys.size).toBe(2 * CUSTOMERS);
  const texts = claimed.map((message) => (message.content as { text: string }).text);
  expect(texts.filter((text) => text === 'Two')).toHaveLength(CUSTOMERS);
  const entries = await store.journeys.customerJourneys('c00042', 5);
  expect(entries).toHaveLength(1);
  expect(keys.has(journeyMessageRunId(entries[0]?.entry.id ?? '', 'second'))).toBe(true);
  console.log(
    `kill-journeys: ${movedBefore} moved before the kill, ${CUSTOMERS - movedBefore} after the restart`,
  );
};

describe('a journey worker killed mid-batch and started again', () => {
  it('moves every customer on once on DuckDB', async () => {
    using dir = tempDir();
    await killAndRestart(dir.path, { CVM_DATABASE_URL: `duckdb:${join(dir.path, 'cvm.duckdb')}` });
  });

  it.skipIf(!POSTGRES_URL)('moves every customer on once on PostgreSQL', async () => {
    using dir = tempDir();
    await killAndRestart(dir.path, {
      CVM_DATABASE_URL: POSTGRES_URL ?? '',
      CVM_DATABASE_SCHEMA: `cvm_killj_${randomBytes(5).toString('hex')}`,
    });
  });
});
