import {
  type CampaignRun,
  ContactPolicy,
  err,
  FunnelCounter,
  type Offer,
  ok,
  type Result,
  type RunCandidate,
  type Store,
  todayIn,
  type WorkspaceSchema,
} from '@opencvm/core';
import { applyPolicy, historySince, type PolicyContext, STOP_LIST } from './run/apply-policy.ts';
import { arbitrateTarget } from './run/arbitrate.ts';
import { offerEligibility, rankOffers } from './run/choose-offers.ts';
import { drawControlGroups } from './run/draw-control-groups.ts';
import { LeftAt } from './run/left-at.ts';
import { RunQueue } from './run/queue.ts';
import { contentColumns, createRenderer } from './run/render.ts';
import { selectAudience } from './run/select-audience.ts';

export { STOP_LIST } from './run/apply-policy.ts';
export { chooseOffer, rankOffers } from './run/choose-offers.ts';
export { MESSAGE_STEP } from './run/queue.ts';

/**
 * A campaign run: a workflow of named steps (`run/`), each counted in the run's funnel, each safe
 * to resume.
 *
 *   audience snapshot → ucg → holdout → consent → contact_policy → arbitration → render
 *     → volume_cap → outbox
 *
 * The audience is materialized with each member's group in SQL (`draw-control-groups.ts`); the
 * targets are then read page by page and each goes through the core's pure rules
 * (`apply-policy.ts`, `arbitrate.ts`, `render.ts`) to the queue (`queue.ts`), which writes a page
 * with its history and outbox rows in one transaction while the next is decided. Every write skips
 * what the run already wrote, so running a run id again (after a crash, or twice) recomputes the
 * same decisions and adds nothing; a completed run is returned as it is. A dry run computes and
 * stores the funnel but writes no history or outbox rows.
 */

export type RunCampaignError =
  | { readonly type: 'not_found'; readonly message: string }
  | { readonly type: 'conflict'; readonly message: string };

export interface RunCampaignDeps {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly clock: () => Date;
  readonly randomId: () => string;
  /** Caps and quiet hours for every campaign, read as each run starts (they can be edited); none when absent. */
  readonly policy?: (() => Promise<ContactPolicy>) | undefined;
  /** Targets decided and written at a time. */
  readonly pageSize?: number | undefined;
}

export interface RunCampaignOptions {
  readonly campaignId: string;
  readonly dryRun: boolean;
  /** Given to resume or repeat a run; a new one is drawn when absent. */
  readonly runId?: string | undefined;
  /** The scheduled time the run is for: a campaign runs once per due time. */
  readonly dueAt?: Date | undefined;
}

export const runCampaign = async (
  deps: RunCampaignDeps,
  options: RunCampaignOptions,
): Promise<Result<CampaignRun, RunCampaignError>> => {
  const { store, schema } = deps;
  const { dryRun } = options;
  const pageSize = deps.pageSize ?? 100_000;
  const stored = await store.campaigns.getCampaign(options.campaignId);
  if (stored === null) return err({ type: 'not_found', message: `no campaign "${options.campaignId}"` });
  const { campaign } = stored;
  if (!dryRun && campaign.status !== 'running') {
    return err({
      type: 'conflict',
      message: `campaign "${campaign.id}" is ${campaign.status}; only a running campaign runs (a dry run works in any status)`,
    });
  }
  // The policy in force as this attempt starts: an edit applies to runs started after it. Read
  // before the run is started, so that a failure to read it leaves no run half-begun.
  const policy = deps.policy === undefined ? ContactPolicy.parse({}) : await deps.policy();
  const now = deps.clock();
  const timezone = schema.workspace.timezone;

  // Start (or find) the run.
  const runId = options.runId ?? deps.randomId();
  const started = await store.runs.startRun({
    id: runId,
    campaignId: campaign.id,
    campaignVersion: stored.version,
    startedAt: now,
    dryRun,
    dueAt: options.dueAt ?? null,
  });
  if (started.run.campaignId !== campaign.id) {
    return err({
      type: 'conflict',
      message: `run "${runId}" belongs to campaign "${started.run.campaignId}"`,
    });
  }
  if (started.run.status === 'completed') return ok(started.run);
  const run = started.run;

  const offers = (await store.campaigns.listOffers()).map((entry) => entry.offer);
  const ranked = rankOffers(campaign, offers, todayIn({ now, timezone }));

  // Steps: audience snapshot, then UCG and holdout.
  const audience = await selectAudience({ store, campaign, now, timezone, dryRun });
  if (audience === null) {
    return err({ type: 'not_found', message: `the audience segment of "${campaign.id}" no longer exists` });
  }
  const groups = await drawControlGroups({
    store,
    randomId: deps.randomId,
    runId: run.id,
    campaign,
    query: audience.query,
    now,
    dryRun,
  });
  const funnel = new FunnelCounter(groups.ucg + groups.control + groups.target);
  funnel.leave('ucg', 'ucg', groups.ucg);
  funnel.leave('holdout', 'control', groups.control);

  const offerFor = await offerEligibility({ store, runId: run.id, ranked, ...audience });

  // Steps: consent, contact policy, arbitration, render, volume cap and outbox, a target at a time.
  const policyContext: PolicyContext = {
    channel: campaign.channel,
    policy,
    timezone,
    dueAt: options.dueAt ?? now,
  };
  const render = createRenderer({ campaign, fallbackLocale: schema.workspace.defaultLocale });
  const queue = new RunQueue({ store, runId: run.id, campaign, dryRun, at: now });
  /** Where the target leaves the run; null when its message is queued. */
  const decide = (candidate: RunCandidate, offer: Offer | null): LeftAt | null => {
    const target = applyPolicy(policyContext, candidate, offer);
    if (target instanceof LeftAt) return target;
    const withdraw = arbitrateTarget(campaign, target);
    if (withdraw instanceof LeftAt) return withdraw;
    const content = render(target);
    if (content instanceof LeftAt) return content;
    return queue.enqueue(target, content, withdraw);
  };

  await store.runs.readTargets({
    runId: run.id,
    channel: campaign.channel,
    purpose: campaign.purpose,
    columns: contentColumns(campaign, schema),
    historySince: historySince(now, ranked),
    stopList: STOP_LIST,
    pageSize,
    onPage: async (candidates) => {
      for (const candidate of candidates) {
        const offer = offerFor(candidate.customerId);
        const left = decide(candidate, offer);
        if (left === null) continue;
        funnel.leave(left.step, left.outcome);
        queue.leave(candidate.customerId, offer, left.outcome);
      }
      await queue.endPage();
    },
  });
  await queue.drain();

  await store.runs.finishRun({ runId: run.id, funnel: funnel.funnel(), finishedAt: deps.clock() });
  const finished = await store.runs.getRun(run.id);
  if (finished === null) throw new Error(`run ${run.id} vanished after finishing`);
  return ok(finished);
};

/** Run use cases: start a run or a dry run, list a campaign's runs, show one with its funnel. */
export const runService = (deps: RunCampaignDeps) => ({
  run: (options: RunCampaignOptions) => runCampaign(deps, options),
  async listRuns(campaignId: string, limit = 50): Promise<Result<readonly CampaignRun[], RunCampaignError>> {
    if ((await deps.store.campaigns.getCampaign(campaignId)) === null) {
      return err({ type: 'not_found', message: `no campaign "${campaignId}"` });
    }
    return ok(await deps.store.runs.listRuns(campaignId, limit));
  },
  async showRun(runId: string): Promise<Result<CampaignRun, RunCampaignError>> {
    const run = await deps.store.runs.getRun(runId);
    return run === null ? err({ type: 'not_found', message: `no run "${runId}"` }) : ok(run);
  },
});
export type RunService = ReturnType<typeof runService>;
