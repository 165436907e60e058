import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type App, createApp, loadWorkspaceSchema } from '@opencvm/app';
import type { WorkspaceSchema } from '@opencvm/core';
import { ADAPTERS, type TestStore } from '@opencvm/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_ANALYST,
  DEMO_CAMPAIGNS,
  DEMO_LEAD,
  type DemoCampaignsResult,
  type DemoChange,
} from '../src/demo-campaigns.ts';
import { generateDemo } from '../src/generate-demo.ts';
import { seedDemoCampaigns } from '../src/seed-demo-campaigns.ts';

/**
 * The demo's finished campaigns on a small demo base. 10,000 customers is the smallest base on
 * which the win-back's lift stands clear of its interval for this seed and day; the draws depend
 * on nothing else, so the figures below are the same on every run.
 */

const CUSTOMERS = 10_000;
const SEED = 42;
const TODAY = new Date('2026-11-23T00:00:00.000Z');
/** The app's clock: results are read during the demo's today. */
const NOW = new Date('2026-11-23T12:00:00.000Z');
const SLOW = 600_000;

let dir = '';
let schema: WorkspaceSchema;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cvm-demo-campaigns-'));
  await generateDemo({ customers: CUSTOMERS, seed: SEED, asOf: TODAY, outDir: dir });
  const loaded = await loadWorkspaceSchema(path.join(import.meta.dirname, '../../../cvm.config.yaml'));
  if (!loaded.ok) throw new Error('the demo workspace schema does not load');
  schema = loaded.value;
}, SLOW);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

for (const adapter of ADAPTERS) {
  describe(`demo campaigns on ${adapter.name}`, () => {
    let test: TestStore;
    let app: App;
    let made: DemoCampaignsResult;
    const changes: DemoChange[] = [];

    beforeAll(async () => {
      test = await adapter.open(schema, () => NOW);
      app = await createApp({ store: test.store, schema }, { clock: () => NOW });
      for (const kind of ['customers', 'relations', 'events'] as const) {
        const imported = await app.importFile({ kind, path: path.join(dir, `${kind}.csv`) });
        if (!imported.ok) throw new Error(`${kind}: ${imported.error.message}`);
      }
      made = await seedDemoCampaigns({
        app,
        store: test.store,
        seed: SEED,
        today: TODAY,
        record: async (change) => {
          changes.push(change);
        },
      });
    }, SLOW);

    afterAll(async () => {
      await test?.[Symbol.asyncDispose]();
    });

    const ids = DEMO_CAMPAIGNS.map((demo) => demo.id);

    it(
      'makes each campaign from the gallery, approved by a second person, run once and completed',
      async () => {
        expect(made.type).toBe('made');
        if (made.type !== 'made') return;
        expect(made.campaigns.map((campaign) => campaign.campaignId)).toEqual(ids);
        for (const id of ids) {
          const shown = await app.campaigns.showCampaign(id);
          if (!shown.ok) throw new Error(JSON.stringify(shown.error));
          const { campaign } = shown.value;
          expect(campaign).toMatchObject({
            status: 'completed',
            createdBy: DEMO_ANALYST,
            submittedBy: DEMO_ANALYST,
            approvedBy: DEMO_LEAD,
          });
          expect(campaign.history.map((entry) => entry.action)).toEqual([
            'submit',
            'approve',
            'start',
            'complete',
          ]);
          const runs = await app.runs.listRuns(id);
          if (!runs.ok) throw new Error(runs.error.message);
          expect(runs.value).toHaveLength(1);
          const [run] = runs.value;
          if (run === undefined || run.funnel === null) throw new Error(`${id}: no run with a funnel`);
          expect(run).toMatchObject({ status: 'completed', dryRun: false });
          expect(campaign.schedule).toEqual({ type: 'once', at: run.dueAt });
          // Every step of the lifecycle happened in the past, in order, around the run.
          const times = campaign.history.map((entry) => Date.parse(entry.at));
          expect([...times].sort((a, b) => a - b)).toEqual(times);
          expect(times[2]).toBeLessThan(Date.parse(run.startedAt));
          expect(times[3]).toBeGreaterThan(Date.parse(run.startedAt));
          expect(times[3]).toBeLessThan(TODAY.getTime());
          const { funnel } = run;
          expect(funnel.audience).toBeGreaterThan(0);
          expect(funnel.queued).toBeGreaterThan(0);
          expect(funnel.steps.reduce((sum, step) => sum + step.left, 0) + funnel.queued).toBe(
            funnel.audience,
          );
          expect(funnel.steps.find((step) => step.step === 'ucg')?.left).toBeGreaterThan(0);
          expect(funnel.steps.find((step) => step.step === 'holdout')?.left).toBeGreaterThan(0);
        }
        // The audit trail names every change: the gallery, the lifecycle, the runs, the responses.
        const actions = new Set(changes.map((change) => change.action));
        for (const action of [
          'offer.create',
          'campaign.create',
          'campaign.submit',
          'campaign.approve',
          'campaign.start',
          'campaign.run',
          'import.events',
          'campaign.complete',
        ]) {
          expect(actions).toContain(action);
        }
      },
      SLOW,
    );

    it(
      'leaves no message of the past runs waiting: each was sent, or refused for a customer who has left',
      async () => {
        if (made.type !== 'made') throw new Error('nothing was made');
        for (const campaign of made.campaigns) {
          const outbox = await test.store.runs.outbox(campaign.runId);
          expect(outbox.length).toBe(campaign.queued);
          const statuses = new Set(outbox.map((message) => message.status));
          expect([...statuses].filter((status) => status !== 'sent' && status !== 'failed')).toEqual([]);
          expect(campaign.sent).toBeGreaterThan(0);
          expect(outbox.filter((message) => message.status === 'sent')).toHaveLength(campaign.sent);
          const history = await test.store.runs.history(campaign.runId);
          const queued = history.filter((entry) => entry.outcome === 'queued');
          expect(queued).toHaveLength(campaign.queued);
          expect(queued.filter((entry) => entry.deliveryStatus === 'sent')).toHaveLength(campaign.sent);
        }
        expect(await test.store.delivery.nextDue(['sms', 'email', 'push'])).toBeNull();
      },
      SLOW,
    );

    it(
      'shows a clear lift for the win-back and none for the churn prevention',
      async () => {
        const results = new Map<string, { lift: number; ci: readonly [number, number]; p: number }>();
        for (const id of ids) {
          const found = await app.results.campaignResults(id);
          if (!found.ok) throw new Error(found.error.message);
          const { kpi, metrics, arms, comparison } = found.value;
          expect(comparison).toBe('control');
          expect(arms.target?.n).toBeGreaterThan(0);
          expect(arms.control?.n).toBeGreaterThan(0);
          const test = metrics[kpi]?.test;
          if (test?.lift == null || test.ci === null || test.pValue === null)
            throw new Error(`${id}: no ${kpi} result`);
          results.set(id, { lift: test.lift, ci: test.ci, p: test.pValue });
        }
        const winBack = results.get('demo-win-back');
        expect(winBack?.ci[0]).toBeGreaterThan(0);
        expect(winBack?.lift).toBeGreaterThan(0.02);
        expect(winBack?.lift).toBeLessThan(0.06);
        const churn = results.get('demo-churn-prevention');
        expect(churn?.ci[0]).toBeLessThan(0);
        expect(churn?.ci[1]).toBeGreaterThan(0);
        expect(churn?.p).toBeGreaterThan(0.05);
      },
      SLOW,
    );

    it(
      'adds nothing when it runs again',
      async () => {
        const state = async () => ({
          summary: await app.summary(),
          campaigns: (await app.campaigns.listCampaigns()).map(({ campaign, version }) => [
            campaign.id,
            version,
          ]),
          offers: (await app.campaigns.listOffers()).length,
          runs: await Promise.all(ids.map(async (id) => (await test.store.runs.listRuns(id, 10)).length)),
          outbox: await test.store.delivery.outboxStatuses(),
          ucg: await app.campaigns.showUcg(),
        });
        const before = await state();
        const changesBefore = changes.length;
        const again = await seedDemoCampaigns({
          app,
          store: test.store,
          seed: SEED,
          today: TODAY,
          record: async (change) => {
            changes.push(change);
          },
        });
        expect(again.type === 'made' && again.campaigns.every((campaign) => !campaign.made)).toBe(true);
        expect(await state()).toEqual(before);
        expect(changes.length).toBe(changesBefore);
      },
      SLOW,
    );
  });
}
