import {
  arbitrationScore,
  type Campaign,
  type CampaignRun,
  nextScheduledRun,
  type Result,
  type Store,
  todayIn,
  type WorkspaceSchema,
} from '@opencvm/core';
import { chooseOffer } from './run/choose-offers.ts';
import type { RunCampaignError, RunCampaignOptions } from './run-campaign.ts';

/**
 * The embedded scheduler: every tick (a minute by default) it starts the runs of `running`
 * campaigns that have fallen due.
 *
 * - Due time: a one-off's `at`; for a recurring campaign, the latest cron time after its last
 *   scheduled run (or after it was started) that is not in the future. A scheduler that was down
 *   runs a campaign once for the latest due time, not once per missed one.
 * - Never twice: the run records its due time and the store starts one run per campaign and due
 *   time, so a second tick, a restart or a second scheduler finds it (and resumes it if it was
 *   interrupted).
 * - Campaigns due in the same tick run best first (priority × the expected value of their offer),
 *   so arbitration lets the better one keep a customer's day.
 */

/** Calls `callback` once after `ms`; the returned function cancels it. */
export type SchedulerTimer = (callback: () => void, ms: number) => () => void;

export interface SchedulerDeps {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly clock: () => Date;
  readonly run: (options: RunCampaignOptions) => Promise<Result<CampaignRun, RunCampaignError>>;
  readonly timer: SchedulerTimer;
  readonly intervalMs?: number | undefined;
  /** A run that was refused or failed; the scheduler goes on with the others. */
  readonly onError?: ((campaignId: string, error: unknown) => void) | undefined;
}

/** Cron times a tick walks through at most to find the latest due one. */
const MAX_CATCH_UP = 100_000;

const startedAt = (campaign: Campaign): Date | null => {
  const start = campaign.history.findLast((entry) => entry.action === 'start');
  return start === undefined ? null : new Date(start.at);
};

/** The due time a campaign should run for now, or null. */
export const dueTime = (options: {
  readonly campaign: Campaign;
  readonly lastDue: Date | null;
  readonly now: Date;
  readonly timezone: string;
}): Date | null => {
  const { campaign, lastDue, now } = options;
  const { schedule } = campaign;
  if (schedule.type === 'once') {
    const at = new Date(schedule.at);
    return at.getTime() <= now.getTime() && lastDue === null ? at : null;
  }
  const after = lastDue ?? startedAt(campaign);
  if (after === null) return null;
  let due: Date | null = null;
  let next = nextScheduledRun(schedule, after, options.timezone);
  for (let step = 0; next !== null && next.getTime() <= now.getTime() && step < MAX_CATCH_UP; step += 1) {
    due = next;
    next = nextScheduledRun(schedule, next, options.timezone);
  }
  return due;
};

export const createScheduler = (deps: SchedulerDeps) => {
  const intervalMs = deps.intervalMs ?? 60_000;
  let cancel: (() => void) | null = null;
  let busy = false;

  /** Starts every due run once; returns the runs started or found for this tick. */
  const tick = async (): Promise<readonly CampaignRun[]> => {
    const now = deps.clock();
    const timezone = deps.schema.workspace.timezone;
    const offers = (await deps.store.campaigns.listOffers()).map((entry) => entry.offer);
    const due: { readonly campaign: Campaign; readonly at: Date; readonly score: bigint }[] = [];
    for (const { campaign } of await deps.store.campaigns.listCampaigns({ status: 'running' })) {
      const runs = await deps.store.runs.listRuns(campaign.id, 100);
      const lastDue = runs.reduce<Date | null>((latest, run) => {
        if (run.dueAt === null) return latest;
        const at = new Date(run.dueAt);
        return latest === null || at > latest ? at : latest;
      }, null);
      const at = dueTime({ campaign, lastDue, now, timezone });
      if (at === null) continue;
      const offer = chooseOffer(campaign, offers, todayIn({ now, timezone }));
      const score =
        offer === null
          ? 0n
          : arbitrationScore({
              campaignId: campaign.id,
              priority: campaign.priority,
              expectedValue: offer.expectedValue,
            });
      due.push({ campaign, at, score });
    }
    due.sort((a, b) =>
      a.score === b.score ? (a.campaign.id < b.campaign.id ? -1 : 1) : a.score > b.score ? -1 : 1,
    );
    const started: CampaignRun[] = [];
    for (const { campaign, at } of due) {
      try {
        const run = await deps.run({ campaignId: campaign.id, dryRun: false, dueAt: at });
        if (run.ok) started.push(run.value);
        else deps.onError?.(campaign.id, run.error);
      } catch (error) {
        deps.onError?.(campaign.id, error);
      }
    }
    return started;
  };

  const loop = () => {
    cancel = deps.timer(async () => {
      // A tick still running when the next is due lets that one pass.
      if (!busy) {
        busy = true;
        try {
          await tick();
        } catch (error) {
          deps.onError?.('(scheduler)', error);
        } finally {
          busy = false;
        }
      }
      if (cancel !== null) loop();
    }, intervalMs);
  };

  return {
    tick,
    start(): void {
      if (cancel === null) loop();
    },
    stop(): void {
      cancel?.();
      cancel = null;
    },
  };
};
export type Scheduler = ReturnType<typeof createScheduler>;
