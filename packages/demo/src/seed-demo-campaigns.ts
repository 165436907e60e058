import {
  type App,
  type CampaignError,
  campaignService,
  contactPolicySetting,
  MAX_BATCH_ROWS,
  runService,
  segmentService,
} from '@opencvm/app';
import {
  CAMPAIGN_TEMPLATES,
  CampaignGoal,
  type CampaignTemplate,
  nextScheduledRun,
  type Result,
  type Store,
  type StoredCampaign,
  todayIn,
} from '@opencvm/core';
import {
  DEMO_ANALYST,
  DEMO_CAMPAIGNS,
  DEMO_LEAD,
  type DemoCampaign,
  type DemoCampaignOutcome,
  type DemoCampaignsResult,
  type DemoChange,
} from './demo-campaigns.ts';
import { dispatch, drawFates } from './demo-fates.ts';
import { hash32, seedKey } from './demo-random.ts';
import { SECONDS_PER_DAY } from './demo-time.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = SECONDS_PER_DAY * 1000;
const STREAM_CAMPAIGN = 0xca0;
const STREAM_ID = 0x1d5;

/** A UUID-shaped id drawn from the seed: run ids and the UCG salt, the same for the same seed. */
const seededId = (key: number, index: number): string => {
  const hex = [1, 2, 3, 4]
    .map((part) => hash32(key, STREAM_ID, index, part).toString(16).padStart(8, '0'))
    .join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** A clock stopped at `at`: each step of a campaign's life happens at its own moment. */
const stoppedAt =
  (at: Date): (() => Date) =>
  () =>
    at;

/** A clock from `at` that moves as real time does, so a run takes as long as it takes. */
const runningFrom = (at: Date): (() => Date) => {
  const started = performance.now();
  return () => new Date(at.getTime() + Math.round(performance.now() - started));
};

const describeError = (error: CampaignError): string =>
  error.type === 'invalid_input'
    ? error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')
    : error.message;

/** When things happen to one demo campaign. */
interface Timeline {
  readonly due: Date;
  /** The run's day in the workspace time zone. */
  readonly dueDay: string;
  readonly created: Date;
  readonly submitted: Date;
  readonly approved: Date;
  readonly started: Date;
  /** The end of the attribution window, or today if sooner. */
  readonly windowEnd: Date;
  readonly completed: Date;
}

const timelineOf = (options: {
  readonly demo: DemoCampaign;
  readonly template: CampaignTemplate;
  readonly today: Date;
  readonly timezone: string;
}): Timeline => {
  const { demo, template, today, timezone } = options;
  const from = new Date(today.getTime() - demo.daysBefore * DAY_MS);
  const due = nextScheduledRun(template.schedule, from, timezone);
  if (due === null) throw new Error(`the ${demo.template} scenario never runs after ${from.toISOString()}`);
  const at = (hours: number) => new Date(due.getTime() + hours * HOUR_MS);
  const { attributionDays } = CampaignGoal.parse(template.goal);
  const windowEnd = Math.min(due.getTime() + attributionDays * DAY_MS, today.getTime());
  // Made and approved a few days before its run; completed the day after its window closed.
  return {
    due,
    dueDay: todayIn({ now: due, timezone }),
    created: at(-98),
    submitted: at(-97),
    approved: at(-74),
    started: at(-73),
    windowEnd: new Date(windowEnd),
    completed: new Date(Math.min(windowEnd + DAY_MS, today.getTime() - HOUR_MS)),
  };
};

/**
 * Makes the demo's finished campaigns on a store holding the demo base generated up to `today`
 * (the start of a UTC day). Safe to call again: a completed campaign is left as it is, one left
 * half-made (a stop mid-way) is taken on from where it stopped with the same draws, and one
 * someone stopped is left alone.
 */
export const seedDemoCampaigns = async (options: {
  readonly app: App;
  /** The app's store: the demo dispatches and reads history as a gateway and the dispatcher would. */
  readonly store: Store;
  readonly seed: number;
  readonly today: Date;
  readonly record?: ((change: DemoChange) => Promise<void>) | undefined;
  readonly log?: ((line: string) => void) | undefined;
}): Promise<DemoCampaignsResult> => {
  const { app, store, today } = options;
  const { schema } = app;
  const record = options.record ?? (async () => undefined);
  const timezone = schema.workspace.timezone;
  const key = seedKey(options.seed);

  const unfit = (await app.campaigns.templates()).filter(
    (entry) => !entry.available && DEMO_CAMPAIGNS.some((demo) => demo.template === entry.key),
  );
  if (unfit.length > 0) {
    const reasons = unfit.map(
      (entry) => `${entry.key}: ${entry.issues.map((issue) => issue.message).join('; ')}`,
    );
    return { type: 'skipped', reason: reasons.join('; ') };
  }

  const campaignsAt = (at: Date) =>
    campaignService({ store, schema, clock: stoppedAt(at), randomId: () => seededId(key, 0) });
  const policy = contactPolicySetting({
    settings: store.accounts,
    configured: schema.contactPolicy,
    clock: stoppedAt(today),
  });
  const refreshFeatures = async (at: Date): Promise<void> => {
    const refresh = await segmentService({ store, schema, clock: stoppedAt(at) }).refreshFeatures();
    await record({ action: 'features.refresh', target: null, before: null, after: refresh });
  };
  let featuresFromPast = false;

  const outcomes: DemoCampaignOutcome[] = [];
  for (const [index, demo] of DEMO_CAMPAIGNS.entries()) {
    const template = CAMPAIGN_TEMPLATES[demo.template];
    const timeline = timelineOf({ demo, template, today, timezone });
    // Drawn when the first campaign is made, from the seed: the same UCG for the same demo.
    if (index === 0) await campaignsAt(timeline.created).showUcg();

    const existing = await store.campaigns.getCampaign(demo.id);
    if (
      existing !== null &&
      (existing.campaign.status === 'completed' || existing.campaign.status === 'stopped')
    ) {
      outcomes.push(await describeExisting(store, existing));
      continue;
    }
    const running = await bringToRunning({ demo, existing, timeline, campaignsAt, record, timezone });

    // Scenarios on RFM features see them as the nightly refresh before the run left them.
    if (template.requires.features.length > 0) {
      await refreshFeatures(new Date(timeline.due.getTime() - 6 * HOUR_MS));
      featuresFromPast = true;
    }
    // The run, as the scheduler would have started it at its due time.
    const runId = seededId(key, 1 + index);
    const runs = runService({
      store,
      schema,
      clock: runningFrom(timeline.due),
      randomId: () => runId,
      policy: policy.current,
    });
    const ran = await runs.run({ campaignId: demo.id, dryRun: false, runId, dueAt: timeline.due });
    if (!ran.ok) throw new Error(`demo campaign ${demo.id}: run: ${ran.error.message}`);
    const run = ran.value;
    await record({
      action: 'campaign.run',
      target: { type: 'campaign', id: demo.id },
      before: null,
      after: run,
    });

    const fates = await drawFates({
      store,
      schema,
      run,
      demo,
      channel: running.campaign.channel,
      goalEventType: template.goal.eventType,
      timeline,
      today,
      rng: { key, stream: STREAM_CAMPAIGN + index },
    });
    await dispatch({ store, run, channel: running.campaign.channel, fates });
    const responses = [...fates.values()].flatMap((fate) => (fate.response === null ? [] : [fate.response]));
    for (let from = 0; from < responses.length; from += MAX_BATCH_ROWS) {
      const imported = await app.importBatch({
        kind: 'events',
        body: responses.slice(from, from + MAX_BATCH_ROWS),
        atomic: true,
      });
      if (!imported.ok) throw new Error(`demo campaign ${demo.id}: responses: ${imported.error.message}`);
      const importRun = imported.value.run;
      await record({
        action: 'import.events',
        target: { type: 'import', id: importRun.id },
        before: null,
        after: importRun,
      });
    }

    const completed = await campaignsAt(timeline.completed).act(demo.id, 'complete', { by: DEMO_LEAD });
    if (!completed.ok)
      throw new Error(`demo campaign ${demo.id}: complete: ${describeError(completed.error)}`);
    await record({
      action: 'campaign.complete',
      target: { type: 'campaign', id: demo.id },
      before: running,
      after: completed.value,
    });
    const sent = [...fates.values()].filter((fate) => fate.failure === null).length;
    outcomes.push({
      campaignId: demo.id,
      name: completed.value.campaign.name,
      runId: run.id,
      queued: fates.size,
      sent,
      failed: fates.size - sent,
      responses: responses.length,
      made: true,
    });
    options.log?.(
      `demo campaign ${demo.id}: run on ${timeline.dueDay}, ${fates.size.toLocaleString('en')} messages, ${sent.toLocaleString('en')} sent, ${responses.length.toLocaleString('en')} responses`,
    );
  }
  // Features as of today again, not as of the last run that needed them.
  if (featuresFromPast) await refreshFeatures(today);
  return { type: 'made', campaigns: outcomes };
};

/** The gallery's scenario as a draft, rescheduled to run once at its due time. */
const fromGallery = async (options: {
  readonly demo: DemoCampaign;
  readonly timeline: Timeline;
  readonly campaignsAt: (at: Date) => ReturnType<typeof campaignService>;
  readonly record: (change: DemoChange) => Promise<void>;
  readonly timezone: string;
  readonly expect: <T>(result: Result<T, CampaignError>, what: string) => T;
}): Promise<StoredCampaign> => {
  const { demo, timeline, campaignsAt, record, timezone, expect } = options;
  const target = { type: 'campaign', id: demo.id };
  const made = expect(
    await campaignsAt(timeline.created).fromTemplate(demo.template, {
      id: demo.id,
      by: DEMO_ANALYST,
      channel: demo.channel,
      // Open-ended: whoever uses the scenario later gets the same offer, still valid.
      validFrom: todayIn({ now: timeline.created, timezone }),
    }),
    'from the gallery',
  );
  if (made.offerCreated) {
    const offer = made.offer;
    await record({
      action: 'offer.create',
      target: { type: 'offer', id: offer.offer.id },
      before: null,
      after: offer,
    });
  }
  await record({ action: 'campaign.create', target, before: null, after: made.campaign });
  // A pilot: once, in the scenario's next slot, rather than every week from then on.
  const { status: _status, createdBy: _author, history: _history, ...definition } = made.campaign.campaign;
  const updated = expect(
    await campaignsAt(timeline.created).updateCampaign(
      demo.id,
      { ...definition, schedule: { type: 'once', at: timeline.due.toISOString() } },
      { by: DEMO_ANALYST },
    ),
    'schedule',
  );
  await record({ action: 'campaign.update', target, before: made.campaign, after: updated });
  return updated;
};

/**
 * From the gallery to `running`, each step by its person at its moment; a campaign part of the
 * way there (a stopped first start) goes on from where it is.
 */
const bringToRunning = async (options: {
  readonly demo: DemoCampaign;
  readonly existing: StoredCampaign | null;
  readonly timeline: Timeline;
  readonly campaignsAt: (at: Date) => ReturnType<typeof campaignService>;
  readonly record: (change: DemoChange) => Promise<void>;
  readonly timezone: string;
}): Promise<StoredCampaign> => {
  const { demo, timeline, campaignsAt, record } = options;
  const target = { type: 'campaign', id: demo.id };
  const expect = <T>(result: Result<T, CampaignError>, what: string): T => {
    // The demo's own definitions on the demo schema: a refusal is a bug in them.
    if (!result.ok) throw new Error(`demo campaign ${demo.id}: ${what}: ${describeError(result.error)}`);
    return result.value;
  };
  let stored: StoredCampaign = options.existing ?? (await fromGallery({ ...options, expect }));
  const steps = [
    { action: 'submit', from: 'draft', by: DEMO_ANALYST, at: timeline.submitted },
    { action: 'approve', from: 'pending_approval', by: DEMO_LEAD, at: timeline.approved },
    { action: 'start', from: 'approved', by: DEMO_LEAD, at: timeline.started },
  ] as const;
  for (const step of steps) {
    if (stored.campaign.status !== step.from) continue;
    const moved: StoredCampaign = expect(
      await campaignsAt(step.at).act(demo.id, step.action, { by: step.by }),
      step.action,
    );
    await record({ action: `campaign.${step.action}`, target, before: stored, after: moved });
    stored = moved;
  }
  if (stored.campaign.status !== 'running')
    throw new Error(`demo campaign ${demo.id} is ${stored.campaign.status} where it should be running`);
  return stored;
};

/** A demo campaign made before (or stopped by someone): what its run holds. */
const describeExisting = async (store: Store, stored: StoredCampaign): Promise<DemoCampaignOutcome> => {
  const [run] = await store.runs.listRuns(stored.campaign.id, 1);
  const statuses = run === undefined ? {} : (await store.delivery.runDelivery(run.id)).statuses;
  const count = (status: string) => statuses[status] ?? 0;
  return {
    campaignId: stored.campaign.id,
    name: stored.campaign.name,
    runId: run?.id ?? '',
    queued: Object.values(statuses).reduce((sum, value) => sum + value, 0),
    sent: count('sent') + count('delivered'),
    failed: count('failed') + count('bounced'),
    responses: null,
    made: false,
  };
};
