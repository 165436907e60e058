import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { App } from '@opencvm/app';
import type { ImportKind, Store } from '@opencvm/core';
import { DEMO_CAMPAIGNS, demoResultLines, generateDemo, seedDemoCampaigns } from '@opencvm/demo';
import type { Command } from 'commander';
import { type Acting, importChange } from '../audited.ts';
import { integer, positiveInteger } from '../options.ts';
import type { CommandDeps } from './command-deps.ts';

export const DEMO_SEED = 42;

/**
 * On an empty store, generates the demo base (cached under the data directory), imports it and
 * makes a few finished campaigns with results on it, so that a first `npm start` shows a platform
 * with data and measured campaigns in it. A later start changes nothing, except to finish demo
 * campaigns a stopped first start left half-made.
 */
export const ensureDemoData = async (options: {
  readonly app: App;
  /** The store the app was opened on: the demo's campaigns read their runs' rows from it. */
  readonly store: Store;
  readonly dataDir: string;
  readonly customers: number;
  /** The demo's history ends at the start of this day (UTC), so "the last 30 days" hold data. */
  readonly today: Date;
  readonly log: (line: string) => void;
  /** Who the demo imports are recorded as in the audit log. */
  readonly acting: Acting;
}): Promise<void> => {
  const { app, dataDir, customers, log } = options;
  const summary = await app.summary();
  if (summary.customers > 0 || summary.events > 0) {
    const halfMade = (await app.campaigns.listCampaigns()).some(
      ({ campaign }) =>
        DEMO_CAMPAIGNS.some((demo) => demo.id === campaign.id) &&
        campaign.status !== 'completed' &&
        campaign.status !== 'stopped',
    );
    if (halfMade && summary.lastEventAt !== null) {
      // The demo's history ends just before its today: the first start's day, not this one's.
      const last = new Date(summary.lastEventAt);
      const today = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth(), last.getUTCDate() + 1));
      try {
        await addDemoCampaigns({ ...options, today });
      } catch (error) {
        // A workspace someone has worked in since: the server starts all the same.
        log(`demo campaigns not finished: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return;
  }
  const day = options.today.toISOString().slice(0, 10);
  const asOf = new Date(`${day}T00:00:00.000Z`);
  const dir = join(dataDir, 'demo', `${customers}-${DEMO_SEED}-${day}`);
  if (!existsSync(join(dir, 'events.csv'))) {
    log(`generating demo data: ${customers.toLocaleString('en')} customers of a telecom operator…`);
    // Written aside and renamed, so an interrupted run never leaves a half-written cache behind.
    const partial = `${dir}.partial`;
    await rm(partial, { recursive: true, force: true });
    await generateDemo({ customers, seed: DEMO_SEED, asOf, outDir: partial });
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
  }
  const order: readonly ImportKind[] = ['customers', 'relations', 'events'];
  for (const kind of order) {
    const result = await app.importFile({ kind, path: join(dir, `${kind}.csv`) });
    if (!result.ok) throw new Error(`demo ${kind} import failed: ${result.error.message}`);
    const run = result.value.run;
    await options.acting.record(importChange(kind, run));
    log(`imported demo ${kind}: ${run.inserted.toLocaleString('en')} rows in ${run.seconds.toFixed(1)} s`);
  }
  await addDemoCampaigns({ ...options, today: asOf });
};

/** The demo's finished sample campaigns, made at dates before `today` (the start of a UTC day). */
const addDemoCampaigns = async (options: {
  readonly app: App;
  readonly store: Store;
  readonly today: Date;
  readonly log: (line: string) => void;
  readonly acting: Acting;
}): Promise<void> => {
  const { app, log } = options;
  const started = performance.now();
  const made = await seedDemoCampaigns({
    app,
    store: options.store,
    seed: DEMO_SEED,
    today: options.today,
    record: (change) => options.acting.record(change),
    log,
  });
  if (made.type === 'skipped') {
    log(`demo campaigns skipped: the workspace schema lacks what they need (${made.reason})`);
    return;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  log(
    `made ${made.campaigns.length} finished demo campaigns in ${seconds} s; their results (Results in the UI):`,
  );
  for (const line of await demoResultLines(app.results, made.campaigns, app.schema.workspace.currency))
    log(line);
};

/** `cvm demo generate`: the demo base as CSV files, without a store. */
export const registerDemoCommands = (program: Command, deps: CommandDeps): void => {
  const demo = program.command('demo').description('demo data');
  demo
    .command('generate')
    .description('write a realistic telecom base (customers, events, relations as CSV)')
    .option('--customers <n>', 'number of customers', positiveInteger, 100_000)
    .option('--seed <s>', 'random seed: the same seed gives the same files', integer, 1)
    .requiredOption('--out <dir>', 'output directory')
    .action(async (options: { customers: number; seed: number; out: string }) => {
      const counts = await generateDemo({
        customers: options.customers,
        seed: options.seed,
        outDir: resolve(deps.context.cwd, options.out),
      });
      deps.out(
        `wrote ${counts.customers} customers, ${counts.events} events, ${counts.relations} relations to ${options.out}`,
      );
    });
};
