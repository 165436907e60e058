import {
  type CampaignRun,
  type SegmentRule,
  type SendOutcome,
  type Store,
  todayIn,
  type WorkspaceSchema,
} from '@opencvm/core';
import type { DemoCampaign } from './demo-campaigns.ts';
import { DemoRandom, mix32 } from './demo-random.ts';
import { SECONDS_PER_DAY } from './demo-time.ts';

/**
 * What becomes of a demo run's messages: each queued one is sent or refused as a gateway would
 * have taken it, and some bring a response; every draw from the seed and the customer.
 */

const DAY_MS = SECONDS_PER_DAY * 1000;
/** Messages claimed, and their outcomes written, per statement. */
const DISPATCH_BATCH = 100_000;
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

/** What becomes of one queued message: drawn from the seed and the customer, the same every time. */
export interface MessageFate {
  readonly sentAt: Date;
  /** Null when sent; why not, when the gateway refused it. */
  readonly failure: string | null;
  /** The goal event the message brought, or null. */
  readonly response: Readonly<Record<string, string>> | null;
}

/** The moments of a run its messages' fates depend on. */
export interface FateWindow {
  /** The run's day in the workspace time zone. */
  readonly dueDay: string;
  /** The end of the attribution window, or today if sooner. */
  readonly windowEnd: Date;
}

/**
 * Customers who paid for anything (an event type with an amount) from `fromDay` on: still
 * customers then, so a message reaches them. Top-ups and bills come monthly, so a live line has one.
 */
const payingSince = async (
  deps: { readonly store: Store; readonly schema: WorkspaceSchema },
  since: { readonly fromDay: string; readonly today: Date },
): Promise<ReadonlySet<string>> => {
  const { fromDay, today } = since;
  const timezone = deps.schema.workspace.timezone;
  const window = { from: fromDay, to: todayIn({ now: today, timezone }) };
  const rule: SegmentRule = {
    type: 'or',
    rules: Object.entries(deps.schema.events)
      .filter(([, definition]) => definition.amount)
      .map(([eventType]) => ({ type: 'activity', eventType, window, done: true })),
  };
  const query = { rule, clock: { now: today, timezone }, segmentRule: () => undefined };
  return new Set(await deps.store.segments.members(query));
};

/** The fate of every message the run queued, by customer. */
export const drawFates = async (options: {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly run: CampaignRun;
  readonly demo: DemoCampaign;
  readonly channel: string;
  readonly goalEventType: string;
  readonly timeline: FateWindow;
  readonly today: Date;
  readonly rng: { readonly key: number; readonly stream: number };
}): Promise<ReadonlyMap<string, MessageFate>> => {
  const { run, demo, timeline } = options;
  const history = await options.store.runs.history(run.id);
  const paying = await payingSince(options, { fromDay: timeline.dueDay, today: options.today });
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
export const dispatch = async (options: {
  readonly store: Store;
  readonly run: CampaignRun;
  readonly channel: string;
  readonly fates: ReadonlyMap<string, MessageFate>;
}): Promise<void> => {
  const { run, channel, fates } = options;
  const { delivery } = options.store;
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
