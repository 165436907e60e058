import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type App, generateDemo } from '@opencvm/app';
import type { ImportKind } from '@opencvm/core';

export const DEMO_SEED = 42;

/**
 * On an empty store, generates the demo base (cached under the data directory) and imports it,
 * so that a first `npm start` shows a platform with data in it.
 */
export const ensureDemoData = async (options: {
  readonly app: App;
  readonly dataDir: string;
  readonly customers: number;
  /** The demo's history ends at the start of this day (UTC), so "the last 30 days" hold data. */
  readonly today: Date;
  readonly log: (line: string) => void;
}): Promise<void> => {
  const { app, dataDir, customers, log } = options;
  const summary = await app.summary();
  if (summary.customers > 0 || summary.events > 0) return;
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
    log(`imported demo ${kind}: ${run.inserted.toLocaleString('en')} rows in ${run.seconds.toFixed(1)} s`);
  }
};
