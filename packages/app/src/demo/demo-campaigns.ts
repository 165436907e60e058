import {
  type AuditTarget,
  CAMPAIGN_TEMPLATES,
  CampaignGoal,
  type CampaignRun,
  type CampaignTemplate,
  type CampaignTemplateKey,
  nextScheduledRun,
  type Result,
  type SegmentRule,
  type SendOutcome,
  type StoredCampaign,
  todayIn,
} from '@opencvm/core';
import { type CampaignError, campaignService } from '../campaigns/campaign-service.ts';
import { runService } from '../campaigns/run-campaign.ts';
import type { App } from '../create-app.ts';
import { MAX_BATCH_ROWS } from '../import/import-batch.ts';
import type { ResultsService } from '../results/results-service.ts';
import { segmentService } from '../segments/segment-service.ts';
import { contactPolicySetting } from '../settings/contact-policy-setting.ts';
import { PRODUCT_PRICE_KOPECKS, type Product } from './demo-catalog.ts';
import { DemoRandom, draw, hash32, mix32, seedKey, weighted } from './demo-random.ts';
import { SECONDS_PER_DAY, twoDigits } from './demo-time.ts';

/**
 * Finished sample campaigns for the demo, so that a first start shows measured results and not
 * only a base. Each is made through the real use cases, at its own moments in the demo's past
 * (every service gets a clock set to the moment it acts):
 *
 *   gallery scenario → a one-off schedule → submitted by the analyst → approved and started by
 *   the lead (maker–checker) → run at its due time (UCG, holdout, consent, contact policy, outbox)
 *   → outbox dispatched as a gateway would have taken it (claimed, then sent or failed)
 *   → customers' responses imported as events → completed after the attribution window.
 *
 * The responses are the one thing made up: a customer the message reached (sent to a customer who
 * still paid for something after the run) does the goal within the window with `responseRate`, on
 * top of whatever the generated history already has them do; the holdout gets nothing. So one
 * campaign shows a real, modest lift and one (`responseRate` 0) an honest null. Every draw comes
 * from the seed and the customer id, so the same seed and day give the same results.
 */

/** Who makes the demo campaigns and who approves them: approval needs a second person. */
export const DEMO_ANALYST = 'anna.smirnova';
export const DEMO_LEAD = 'dmitry.volkov';

/** One change the demo made, in the shape the audit log keeps (as the HTTP routes and CLI do). */
export interface DemoChange {
  readonly action: string;
  readonly target: AuditTarget | null;
  readonly before: unknown;
  readonly after: unknown;
}

export interface DemoCampaign {
  readonly id: string;
  readonly template: CampaignTemplateKey;
  /** The scenario's channel (SMS) when absent. */
  readonly channel?: 'sms' | 'push';
  /** The run is due at the scenario's first scheduled time after this many days before today. */
  readonly daysBefore: number;
  /** The chance that a customer the message reached does the goal because of it. */
  readonly responseRate: number;
  /** A response's own fields (amount, attributes) beside id, customer, type and time. */
  readonly response: (rng: DemoRandom) => Readonly<Record<string, string>>;
}

const money = (kopecks: number): string => `${Math.floor(kopecks / 100)}.${twoDigits(kopecks % 100)}`;

const WIN_BACK_PRODUCT = weighted<Product>([
  ['data_5gb', 40],
  ['data_20gb', 20],
  ['music', 15],
  ['tv', 15],
  ['extra_minutes', 10],
]);
const TOPUP_KOPECKS = weighted<number>([
  [20_000, 30],
  [30_000, 30],
  [50_000, 30],
  [100_000, 10],
]);

/** In time order: each run sees the contact history (caps, cooldowns) the earlier ones left. */
export const DEMO_CAMPAIGNS: readonly DemoCampaign[] = [
  {
    id: 'demo-win-back',
    template: 'win-back',
    daysBefore: 64,
    responseRate: 0.05,
    response: (rng) => {
      // What the offer gives: 30% off the next add-on.
      const product = draw(rng, WIN_BACK_PRODUCT);
      return { amount: money(Math.round(PRODUCT_PRICE_KOPECKS[product] * 0.7)), currency: 'RUB', product };
    },
  },
  {
    id: 'demo-churn-prevention',
    template: 'churn-prevention',
    channel: 'push',
    daysBefore: 57,
    // A gift nobody changed their habits for: the result must say "no effect", honestly.
    responseRate: 0,
    response: () => ({ mb: '512.0' }),
  },
  {
    id: 'demo-topup-reminder',
    template: 'topup-reminder',
    // A real effect on few: most of this audience has left (no top-up for a month), so its
    // revenue lift is positive but may well fall short of significance.
    daysBefore: 36,
    responseRate: 0.25,
    response: (rng) => ({ amount: money(draw(rng, TOPUP_KOPECKS)), currency: 'RUB', topup_channel: 'app' }),
  },
];

/** What the demo holds of one campaign. */
export interface DemoCampaignOutcome {
  readonly campaignId: string;
  readonly name: string;
  readonly runId: string;
  /** Messages the run queued; of them sent, and failed (numbers no longer in service). */
  readonly queued: number;
  readonly sent: number;
  readonly failed: number;
  /** Goal events added; null for a campaign an earlier call made. */
  readonly responses: number | null;
  /** False when it was complete already (a later start) or left alone (someone stopped it). */
  readonly made: boolean;
}

export type DemoCampaignsResult =
  | { readonly type: 'made'; readonly campaigns: readonly DemoCampaignOutcome[] }
  /** The workspace lacks what the scenarios need (not the demo schema): nothing was made. */
  | { readonly type: 'skipped'; readonly reason: string };

const HOUR_MS = 3_600_000;
const DAY_MS = SECONDS_PER_DAY * 1000;
/** Messages claimed, and their outcomes written, per statement. */
const DISPATCH_BATCH = 100_000;
const STREAM_CAMPAIGN = 0xca0;
const STREAM_ID = 0x1d5;
/** What a gateway answers for a customer who has left, by channel. */
const GONE: Readonly<Record<string, string>> = {
  sms: 'absent subscriber: the number is no longer in service',
  push: 'unregistered: the app was removed',
  email: 'mailbox unavailable',
};
/** Mean whole days from a message to the response it brings. */
const RESPONSE_DELAY_DAYS = 2.5;

/** 32 bits of a text (FNV-1a, then mixed), to key a customer's draws by id. */
const hashText = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return mix32(hash);
};

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

/** What becomes of one queued message: drawn from the seed and the customer, the same every time. */
interface MessageFate {
  readonly sentAt: Date;
  /** Null when sent; why not, when the gateway refused it. */
  readonly failure: string | null;
  /** The goal event the message brought, or null. */
  readonly response: Readonly<Record<string, string>> | null;
}

/**
 * Makes the demo's finished campaigns on a store holding the demo base generated up to `today`
 * (the start of a UTC day). Safe to call again: a completed campaign is left as it is, one left
 * half-made (a stop mid-way) is taken on from where it stopped with the same draws, and one
 * someone stopped is left alone.
 */
export const seedDemoCampaigns = async (options: {
  readonly app: App;
  readonly seed: number;
  readonly today: Date;
  readonly record?: ((change: DemoChange) => Promise<void>) | undefined;
  readonly log?: ((line: string) => void) | undefined;
}): Promise<DemoCampaignsResult> => {
  const { app, today } = options;
  const { store, schema } = app;
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
      outcomes.push(await describeExisting(app, existing));
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
      app,
      run,
      demo,
      channel: running.campaign.channel,
      goalEventType: template.goal.eventType,
      timeline,
      today,
      rng: { key, stream: STREAM_CAMPAIGN + index },
    });
    await dispatch({ app, run, channel: running.campaign.channel, fates });
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

/**
 * Customers who paid for anything (an event type with an amount) from `fromDay` on: still
 * customers then, so a message reaches them. Top-ups and bills come monthly, so a live line has one.
 */
const payingSince = async (app: App, fromDay: string, today: Date): Promise<ReadonlySet<string>> => {
  const timezone = app.schema.workspace.timezone;
  const window = { from: fromDay, to: todayIn({ now: today, timezone }) };
  const rule: SegmentRule = {
    type: 'or',
    rules: Object.entries(app.schema.events)
      .filter(([, definition]) => definition.amount)
      .map(([eventType]) => ({ type: 'activity', eventType, window, done: true })),
  };
  const query = { rule, clock: { now: today, timezone }, segmentRule: () => undefined };
  return new Set(await app.store.segments.members(query));
};

/** The fate of every message the run queued, by customer. */
const drawFates = async (options: {
  readonly app: App;
  readonly run: CampaignRun;
  readonly demo: DemoCampaign;
  readonly channel: string;
  readonly goalEventType: string;
  readonly timeline: Timeline;
  readonly today: Date;
  readonly rng: { readonly key: number; readonly stream: number };
}): Promise<ReadonlyMap<string, MessageFate>> => {
  const { app, run, demo, timeline } = options;
  const history = await app.store.runs.history(run.id);
  const paying = await payingSince(app, timeline.dueDay, options.today);
  const rng = new DemoRandom();
  const fates = new Map<string, MessageFate>();
  for (const entry of history) {
    if (entry.outcome !== 'queued' || entry.sendAt === null) continue;
    rng.reseed(options.rng.key, options.rng.stream, hashText(entry.customerId));
    // Every draw is made whatever the outcome, so each customer's stream stays the same.
    const sendAt = Date.parse(entry.sendAt);
    const sentAt = new Date(sendAt + rng.int(1, 90) * 1000);
    const responds = rng.chance(demo.responseRate);
    // Mostly within a few days of the message, a little after the time of day it came.
    const respondAt =
      sendAt + Math.floor(rng.exponential(RESPONSE_DELAY_DAYS)) * DAY_MS + rng.int(300, 4 * 3600) * 1000;
    const fields = demo.response(rng);
    const reached = paying.has(entry.customerId);
    fates.set(entry.customerId, {
      sentAt,
      failure: reached ? null : (GONE[options.channel] ?? 'the recipient is gone'),
      response:
        reached && responds && respondAt < timeline.windowEnd.getTime()
          ? {
              id: `R${run.id.slice(0, 8)}-${entry.customerId}`,
              customer_id: entry.customerId,
              type: options.goalEventType,
              ts: new Date(Math.floor(respondAt / 1000) * 1000).toISOString(),
              ...fields,
            }
          : null,
    });
  }
  return fates;
};

/**
 * Sends the run's outbox as a gateway would have taken it: claimed under a lease, then sent (or
 * refused) a moment after each message's send time. The dispatcher's own store calls.
 */
const dispatch = async (options: {
  readonly app: App;
  readonly run: CampaignRun;
  readonly channel: string;
  readonly fates: ReadonlyMap<string, MessageFate>;
}): Promise<void> => {
  const { run, channel, fates } = options;
  const { delivery } = options.app.store;
  if (fates.size === 0) return;
  let latest = 0;
  for (const fate of fates.values()) latest = Math.max(latest, fate.sentAt.getTime());
  const now = new Date(latest + 60_000);
  const claimant = `demo:${run.id}`;
  // Claims an interrupted first start left: nothing else sends on a store being seeded.
  await delivery.expireClaims(now);
  for (;;) {
    const claimed = await delivery.claimDue({
      channel,
      now,
      limit: DISPATCH_BATCH,
      claimant,
      leaseUntil: new Date(now.getTime() + 60_000),
    });
    if (claimed.length === 0) return;
    const outcomes = claimed.map((message): SendOutcome => {
      const fate = fates.get(message.customerId);
      // Each run is dispatched before the next is made: another run's message here is a bug.
      if (fate === undefined || message.runId !== run.id)
        throw new Error(`demo dispatch of run ${run.id} met message ${message.runId}/${message.customerId}`);
      return {
        runId: message.runId,
        customerId: message.customerId,
        step: message.step,
        status: fate.failure === null ? 'sent' : 'failed',
        providerId: fate.failure === null ? `demo-${run.id.slice(0, 8)}-${message.customerId}` : null,
        reason: fate.failure,
        nextAttemptAt: null,
        at: fate.sentAt,
      };
    });
    await delivery.recordOutcomes(claimant, outcomes);
  }
};

/** A demo campaign made before (or stopped by someone): what its run holds. */
const describeExisting = async (app: App, stored: StoredCampaign): Promise<DemoCampaignOutcome> => {
  const [run] = await app.store.runs.listRuns(stored.campaign.id, 1);
  const statuses = run === undefined ? {} : (await app.store.delivery.runDelivery(run.id)).statuses;
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

/**
 * One line per demo campaign: the lift in its goal's measure with the 95% interval, as the
 * results use case computes it (conversion and retention in points, revenue per customer).
 */
export const demoResultLines = async (
  results: ResultsService,
  campaigns: readonly DemoCampaignOutcome[],
  currency: string,
): Promise<readonly string[]> => {
  const lines: string[] = [];
  for (const campaign of campaigns) {
    const found = await results.campaignResults(campaign.campaignId);
    if (!found.ok) continue;
    const { kpi } = found.value;
    const metric = found.value.metrics[kpi];
    const test = metric?.test;
    if (metric === undefined || test === undefined || test.lift === null || test.ci === null) continue;
    const signed = (value: number, digits: number) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
    const format = (value: number) =>
      metric.kind === 'rate' ? `${signed(value * 100, 1)} pts` : `${signed(value, 2)} ${currency}`;
    const verdict = test.pValue !== null && test.pValue < 0.05 ? '' : ', not significant';
    lines.push(
      `  ${campaign.name}: ${kpi}${metric.kind === 'rate' ? '' : ' per customer'} ${format(test.lift)} (95% CI ${format(test.ci[0])} to ${format(test.ci[1])})${verdict}`,
    );
  }
  return lines;
};
