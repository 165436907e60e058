/**
 * Dispatch benchmark: messages per second from the outbox to a local SMTP server and a local
 * SMPP peer, through the dispatcher (claims, rate limiter, adapter, outcomes written back), at
 * concurrency 1 and 8, on DuckDB and, when CVM_TEST_POSTGRES_URL is set, PostgreSQL. Each case
 * starts from a fresh store holding only the queued messages, and checks that the peer received
 * every one exactly once. Last line: one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChannelRoute, createApp, createDispatcher } from '@opencvm/app';
import { createAdapter } from '@opencvm/channels';
import { startSmppPeer, startSmtpPeer } from '@opencvm/channels/testing';
import { type OutboxRow, parseWorkspaceSchema, type Store } from '@opencvm/core';
import { DuckDbStore, PostgresStore } from '@opencvm/storage';
import pg from 'pg';

const MESSAGES = Number(process.env.BENCH_DISPATCH_MESSAGES ?? 5000);
const POSTGRES_URL = process.env.CVM_TEST_POSTGRES_URL;
const log = (line: string) => process.stderr.write(`${line}\n`);

const schemaInput = {
  workspace: { name: 'Dispatch bench', currency: 'EUR', timezone: 'Europe/Berlin' },
  events: { purchase: { amount: true } },
};

type Engine = 'duckdb' | 'postgres';
type Kind = 'smtp' | 'smpp';

const CHANNEL: Readonly<Record<Kind, string>> = { smtp: 'email', smpp: 'sms' };

const contentFor = (kind: Kind, index: number): unknown =>
  kind === 'smtp'
    ? {
        type: 'email',
        locale: 'en',
        subject: 'Your spring offer',
        html: `<p>Dear customer ${index}, 10% off this week.</p>`,
        text: `Dear customer ${index}, 10% off this week.`,
      }
    : {
        type: 'sms',
        locale: 'en',
        text: `Dear customer ${index}, 10% off this week. Reply STOP to opt out.`,
      };

/** A fresh store holding one run with `MESSAGES` queued messages of the channel. */
const openStore = async (engine: Engine, kind: Kind) => {
  const parsed = parseWorkspaceSchema(schemaInput);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  const schema = parsed.value;
  const dir = mkdtempSync(join(tmpdir(), 'cvm-bench-dispatch-'));
  const schemaName = `bench_dispatch_${randomBytes(4).toString('hex')}`;
  const clock = () => new Date();
  const store =
    engine === 'duckdb'
      ? await DuckDbStore.open({ path: join(dir, 'cvm.duckdb'), clock })
      : await PostgresStore.open({ url: POSTGRES_URL ?? '', clock, schemaName });
  const app = await createApp({ store, schema }, { clock });
  const channel = CHANNEL[kind];
  const now = new Date();
  await store.runs.startRun({
    id: 'bench-run',
    campaignId: 'bench',
    campaignVersion: 1,
    startedAt: now,
    dryRun: false,
    dueAt: null,
  });
  const outbox: OutboxRow[] = Array.from({ length: MESSAGES }, (_, index) => ({
    customerId: `c${String(index).padStart(7, '0')}`,
    step: 'message',
    offerId: null,
    recipient: kind === 'smtp' ? `c${index}@example.org` : `+7900${String(index).padStart(7, '0')}`,
    content: contentFor(kind, index),
    sendAt: now.toISOString(),
    priority: 1,
    expectedValue: '1',
  }));
  await store.runs.writeOutcomes({
    runId: 'bench-run',
    campaignId: 'bench',
    channel,
    purpose: 'service',
    at: now,
    history: outbox.map((row) => ({
      customerId: row.customerId,
      outcome: 'queued',
      offerId: null,
      sendAt: row.sendAt,
    })),
    outbox,
  });
  return {
    store: store,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
      if (engine === 'postgres') {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schemaName} CASCADE`);
        await client.end();
      }
    },
  };
};

const measure = async (options: { engine: Engine; kind: Kind; concurrency: number }): Promise<number> => {
  const { engine, kind, concurrency } = options;
  const bench = await openStore(engine, kind);
  await using smtp = await startSmtpPeer({ keepContent: false });
  await using smpp = await startSmppPeer({ systemId: 'bench', password: 'bench-secret' });
  const adapterOptions =
    kind === 'smtp'
      ? {
          host: '127.0.0.1',
          port: smtp.port,
          from: { address: 'offers@example.org' },
          poolSize: concurrency,
          messagesPerConnection: 100_000,
        }
      : {
          host: '127.0.0.1',
          port: smpp.port,
          systemId: 'bench',
          password: 'bench-secret',
          sourceAddr: 'SHOP',
          tps: 10_000,
        };
  const adapter = createAdapter(kind, adapterOptions, {});
  if (!adapter.ok) throw new Error(JSON.stringify(adapter.error));
  const route: ChannelRoute = {
    channel: CHANNEL[kind],
    adapter: adapter.value,
    ratePerSecond: 100_000,
    concurrency,
    maxAttempts: 3,
    sendTimeoutMs: 10_000,
    retryBaseMs: 100,
    retryMaxMs: 1000,
  };
  const dispatcher = createDispatcher({
    store: bench.store satisfies Store,
    routes: [route],
    clock: () => new Date(),
    random: Math.random,
    claimant: 'bench',
  });
  try {
    await dispatcher.start();
    const started = performance.now();
    const totals = await dispatcher.drain();
    const seconds = (performance.now() - started) / 1000;
    await dispatcher.stop();
    const received = kind === 'smtp' ? smtp.messages.length : smpp.messages.length;
    if (totals.sent !== MESSAGES || received !== MESSAGES) {
      throw new Error(
        `${engine} ${kind} c${concurrency}: sent ${totals.sent}, the peer received ${received} of ${MESSAGES}`,
      );
    }
    const perSecond = Math.round(MESSAGES / seconds);
    log(
      `${engine} ${kind} concurrency ${concurrency}: ${MESSAGES} messages in ${seconds.toFixed(2)} s, ${perSecond}/s`,
    );
    return perSecond;
  } finally {
    await bench.close();
  }
};

const engines: Engine[] = POSTGRES_URL ? ['duckdb', 'postgres'] : ['duckdb'];
const result: Record<string, Record<string, number>> = {};
for (const engine of engines) {
  const figures: Record<string, number> = {};
  for (const kind of ['smtp', 'smpp'] as const) {
    for (const concurrency of [1, 8]) {
      figures[`${kind}_c${concurrency}_per_s`] = await measure({ engine, kind, concurrency });
    }
  }
  result[engine] = figures;
}
console.log(JSON.stringify({ bench: 'dispatch', messages: MESSAGES, ...result }));
