/**
 * The campaign the campaign and results benchmarks run over the cached `bench:segments` data: an
 * up-sell by SMS to about a third of the base (two tariffs of 3M customers). Created fresh, and
 * removed with its runs, history and outbox rows afterwards, so the cache stays as it was (the
 * workspace's UCG settings, drawn on first use, stay: they are the workspace's).
 */
import { type App, createApp } from '@opencvm/app';
import type { SegmentRule } from '@opencvm/core';
import type { SegmentsData } from './segments-data.ts';

/** About a third of the base (1,040,980 of the 3,000,000 generated customers): two tariffs. */
export const AUDIENCE: SegmentRule = {
  type: 'attribute',
  attribute: 'tariff',
  op: 'in',
  values: ['smart', 'business'],
};

export const must = <T>(result: { ok: true; value: T } | { ok: false; error: unknown }, what: string): T => {
  if (!result.ok) throw new Error(`${what}: ${JSON.stringify(result.error)}`);
  return result.value;
};

/**
 * Runs `work` with an app on the given clock (the campaign starts on the clock's first reading),
 * over a running bench campaign of that id, and
 * removes the campaign, its offer and its runs afterwards (also those an interrupted run left).
 */
export const withBenchCampaign = async <T>(
  options: { readonly data: SegmentsData; readonly campaignId: string; readonly clock: () => Date },
  work: (app: App) => Promise<T>,
): Promise<T> => {
  const { data, campaignId } = options;
  const offerId = `${campaignId}-offer`;
  const at = options.clock();
  let ids = 0;
  const app = await createApp(
    { store: data.store, schema: data.schema },
    {
      clock: options.clock,
      randomId: () => {
        ids += 1;
        return `bench-${Date.now()}-${ids}`;
      },
    },
  );
  const remove = async () => {
    await data.store.runs.deleteRuns(campaignId);
    const stored = await data.store.campaigns.getCampaign(campaignId);
    if (stored !== null)
      await data.store.campaigns.deleteCampaign(campaignId, { expectedVersion: stored.version });
    await data.store.campaigns.deleteOffer(offerId);
  };
  try {
    await remove();
    const { campaigns } = app;
    must(
      await campaigns.createOffer({
        id: offerId,
        name: 'Double data for a month',
        kind: 'bonus',
        validFrom: at.toISOString().slice(0, 10),
        value: '300',
        cost: '20',
        expectedValue: '45.5',
        priority: 500,
        cooldownDays: 7,
        channels: ['sms'],
      }),
      'offer',
    );
    must(
      await campaigns.createCampaign(
        {
          id: campaignId,
          name: 'Bench: up-sell',
          audience: { type: 'rule', rule: AUDIENCE },
          offers: [offerId],
          channel: 'sms',
          content: {
            type: 'sms',
            locales: {
              en: { text: 'Hi! {{ offer.name }} on your {{ customer.tariff }} plan: reply YES.' },
              ru: { text: 'Привет! {{ offer.name }} на тарифе {{ customer.tariff }}: ответьте ДА.' },
            },
          },
          schedule: { type: 'once', at: at.toISOString() },
          goal: { eventType: 'purchase', kpi: 'revenue', attributionDays: 14 },
          priority: 500,
          purpose: 'marketing',
        },
        { by: 'bench-author' },
      ),
      'campaign',
    );
    for (const [action, by] of [
      ['submit', 'bench-author'],
      ['approve', 'bench-approver'],
      ['start', 'bench-approver'],
    ] satisfies ['submit' | 'approve' | 'start', string][]) {
      must(await campaigns.act(campaignId, action, { by }), action);
    }
    await campaigns.showUcg();
    return await work(app);
  } finally {
    await remove();
  }
};
