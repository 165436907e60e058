import {
  type ArbitrationCandidate,
  applyContactPolicy,
  arbitrate,
  bucketsOf,
  type Campaign,
  type CampaignRun,
  CHANNELS,
  type Channel,
  ContactPolicy,
  checkTemplate,
  createUcgSettings,
  err,
  FunnelCounter,
  type HistoryRow,
  type MessageKey,
  type Offer,
  type OutboxRow,
  ok,
  type PastContact,
  type RenderedContent,
  type Result,
  type RunCandidate,
  renderTemplate,
  type SegmentQuery,
  type SegmentRule,
  type Store,
  type TemplateContext,
  templateVariables,
  todayIn,
  type UcgSettings,
  ucgInForce,
  type WorkspaceSchema,
} from '@opencvm/core';

/**
 * A campaign run: a workflow of named steps, each counted in the run's funnel, each safe to
 * resume.
 *
 *   audience snapshot → ucg → holdout → consent → contact_policy → arbitration → render
 *     → volume_cap → outbox
 *
 * - The audience is materialized with each member's group (UCG, holdout, target) in SQL, by the
 *   same bucket as core's `assignGroup`; UCG and holdout members get their history row there.
 * - Targets are then decided page by page in the core's pure rules and written with their
 *   history (and outbox rows for those queued) in one transaction per page. Every write skips
 *   what the run already wrote, so running a run id again (after a crash, or twice) recomputes the
 *   same decisions and adds nothing; a completed run is returned as it is.
 * - Arbitration: a customer gets at most one marketing message per local day from different
 *   campaigns. Another campaign's message for the same local day that is already on its way (being
 *   sent, sent) wins. One still pending is weighed against this one by priority × expected value
 *   (`arbitrate`): if it wins, this one records `suppressed:arbitration`; if this one wins, it is
 *   withdrawn (cancelled, its history `suppressed:arbitration`) in the same transaction that
 *   queues this one.
 * - Offers: among the campaign's valid offers for its channel, each target gets the best one
 *   (arbitration's order) whose eligibility they meet; eligibility is one SQL statement per offer
 *   over the run's targets. A target eligible for none records `excluded:not_eligible`.
 * - Volume cap: at most `volumeCap` messages are queued per run. Targets are decided in the
 *   order of their campaign holdout bucket, then id (the `seq` of `run_members`), so those past
 *   the cap (`suppressed:volume_cap`) are the same on every attempt and not biased towards low ids.
 * - A dry run computes and stores the funnel but writes no history or outbox rows.
 */

/** The outbox step of a one-message campaign; multi-step journeys will add their own. */
export const MESSAGE_STEP = 'message';

/** The global stop list: the customer list of this name (ids never to contact). */
export const STOP_LIST = 'stop_list';

/** Contact history reaches back this far for caps (a calendar month) and cooldowns. */
const HISTORY_DAYS = 32;
/** Distinct renders kept per run; content naming per-customer values (a name) rarely repeats. */
const RENDER_MEMO_LIMIT = 100_000;
const DAY_MS = 86_400_000;

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

/** What every target's decision needs of the run. */
interface StepContext {
  readonly campaign: Campaign;
  readonly now: Date;
  readonly runId: string;
  readonly dryRun: boolean;
  readonly funnel: FunnelCounter;
  /** Rendered content (null: the render failed) by locale and the customer columns it names. */
  readonly renders: Map<string, RenderedContent | null>;
}

const isChannel = (name: string): name is Channel => CHANNELS.some((channel) => channel === name);

/** The campaign's valid offers for its channel, best first by arbitration's rule. */
export const rankOffers = (campaign: Campaign, offers: readonly Offer[], today: string): readonly Offer[] => {
  const usable = offers.filter(
    (offer) =>
      campaign.offers.includes(offer.id) &&
      offer.channels.includes(campaign.channel) &&
      offer.validFrom <= today &&
      (offer.validTo === undefined || today <= offer.validTo),
  );
  const chosen = arbitrate(
    usable.map((offer) => ({
      campaignId: offer.id,
      priority: offer.priority,
      expectedValue: offer.expectedValue,
    })),
  );
  if (chosen === null) return [];
  const order = [chosen.winner, ...chosen.losers.map((loser) => loser.candidate)];
  return order.flatMap((candidate) => usable.filter((offer) => offer.id === candidate.campaignId));
};

/** The campaign's best valid offer for its channel, eligibility aside. */
export const chooseOffer = (campaign: Campaign, offers: readonly Offer[], today: string): Offer | null =>
  rankOffers(campaign, offers, today)[0] ?? null;

const offerContext = (offer: Offer | null): TemplateContext['offer'] => ({
  id: offer?.id ?? null,
  name: offer?.name ?? null,
  description: offer?.description ?? null,
  kind: offer?.kind ?? null,
  value: offer?.value ?? null,
  validFrom: offer?.validFrom ?? null,
  validTo: offer?.validTo ?? null,
});

/** The workspace's UCG settings, drawn on first use as the campaign use cases do (one draw wins). */
const ucgSettingsOf = async (deps: RunCampaignDeps, at: Date): Promise<UcgSettings> => {
  const { campaigns } = deps.store;
  const current = await campaigns.getUcgSettings();
  if (current !== null) return current;
  const created = await campaigns.saveUcgSettings(createUcgSettings({ salt: deps.randomId(), at }), {
    expectedRotatedAt: null,
    at,
  });
  if (created.ok) return created.value;
  const winner = await campaigns.getUcgSettings();
  if (winner === null) throw new Error('UCG settings vanished after a concurrent first use');
  return winner;
};

export const runCampaign = async (
  deps: RunCampaignDeps,
  options: RunCampaignOptions,
): Promise<Result<CampaignRun, RunCampaignError>> => {
  const { store, schema } = deps;
  const pageSize = deps.pageSize ?? 100_000;
  const stored = await store.campaigns.getCampaign(options.campaignId);
  if (stored === null) return err({ type: 'not_found', message: `no campaign "${options.campaignId}"` });
  const { campaign } = stored;
  if (!options.dryRun && campaign.status !== 'running') {
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

  // Step: start (or find) the run.
  const runId = options.runId ?? deps.randomId();
  const started = await store.runs.startRun({
    id: runId,
    campaignId: campaign.id,
    campaignVersion: stored.version,
    startedAt: now,
    dryRun: options.dryRun,
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

  // Step: audience snapshot, split into UCG, holdout and targets.
  const saved = new Map((await store.segments.listSegments()).map((segment) => [segment.id, segment]));
  const rule: SegmentRule | undefined =
    campaign.audience.type === 'rule' ? campaign.audience.rule : saved.get(campaign.audience.segment)?.rule;
  if (rule === undefined) {
    return err({ type: 'not_found', message: `the audience segment of "${campaign.id}" no longer exists` });
  }
  const query: SegmentQuery = { rule, clock: { now, timezone }, segmentRule: (id) => saved.get(id)?.rule };
  if (campaign.audience.type === 'segment' && !options.dryRun) {
    const segment = saved.get(campaign.audience.segment);
    if (segment !== undefined) {
      await store.segments.snapshot({ segmentId: segment.id, version: segment.version, query, takenAt: now });
    }
  }
  const ucg = ucgInForce(await ucgSettingsOf(deps, now), now);
  const groups = await store.runs.snapshotAudience({
    runId: run.id,
    query,
    ucg: { salt: ucg?.salt ?? 'no-ucg', buckets: ucg === null ? 0 : bucketsOf(ucg.share) },
    // The campaign's own salt: stable across its runs, never the UCG's (that one is random).
    holdout: { salt: `campaign:${campaign.id}`, buckets: bucketsOf(campaign.controlShare) },
  });
  const funnel = new FunnelCounter(groups.ucg + groups.control + groups.target);
  funnel.leave('ucg', 'ucg', groups.ucg);
  funnel.leave('holdout', 'control', groups.control);
  if (!options.dryRun) {
    await store.runs.recordGroups({
      runId: run.id,
      campaignId: campaign.id,
      channel: campaign.channel,
      at: now,
    });
  }

  // Step: offer eligibility, one statement per offer that has any.
  const eligible = new Map<string, ReadonlySet<string>>();
  for (const offer of ranked) {
    if (offer.eligibility === undefined) continue;
    const eligibility =
      offer.eligibility.type === 'rule' ? offer.eligibility.rule : saved.get(offer.eligibility.segment)?.rule;
    // A deleted eligibility segment makes the offer eligible to no one rather than to everyone.
    eligible.set(
      offer.id,
      eligibility === undefined
        ? new Set()
        : await store.runs.eligibleTargets({ runId: run.id, query: { ...query, rule: eligibility } }),
    );
  }
  const offerFor = (customerId: string): Offer | null =>
    ranked.find((offer) => eligible.get(offer.id)?.has(customerId) ?? true) ?? null;
  const cooldownDays = Math.max(0, ...ranked.map((offer) => offer.cooldownDays));
  let queued = 0;

  const context: StepContext = {
    campaign,
    now: options.dueAt ?? now,
    runId: run.id,
    dryRun: options.dryRun,
    funnel,
    renders: new Map(),
  };
  const variables = checkTemplate(campaign.content, { variables: templateVariables(schema) });
  const columns = variables.ok
    ? [
        ...new Set(
          variables.value.variables
            .filter((name) => name.startsWith('customer.'))
            .map((name) => name.slice('customer.'.length)),
        ),
      ]
    : [];

  let writing: Promise<void> = Promise.resolve();
  await store.runs.readTargets({
    runId: run.id,
    channel: campaign.channel,
    purpose: campaign.purpose,
    columns,
    historySince: new Date(now.getTime() - (HISTORY_DAYS + cooldownDays) * DAY_MS),
    stopList: STOP_LIST,
    pageSize,
    onPage: async (candidates) => {
      const history: HistoryRow[] = [];
      const outbox: OutboxRow[] = [];
      const withdraw: MessageKey[] = [];
      for (const candidate of candidates) {
        const offer = offerFor(candidate.customerId);
        let decided = decide(context, candidate, {
          offer,
          policy,
          timezone,
          fallbackLocale: schema.workspace.defaultLocale,
        });
        // Step: volume cap, counted in the order targets are decided.
        if (decided.type === 'queued') {
          if (campaign.volumeCap !== undefined && queued >= campaign.volumeCap) {
            decided = { type: 'left', step: 'volume_cap', outcome: 'suppressed:volume_cap' };
          } else {
            queued += 1;
          }
        }
        if (decided.type === 'left') {
          funnel.leave(decided.step, decided.outcome);
          history.push({
            customerId: candidate.customerId,
            outcome: decided.outcome,
            offerId: offer?.id ?? null,
            sendAt: null,
          });
          continue;
        }
        history.push({
          customerId: candidate.customerId,
          outcome: 'queued',
          offerId: offer?.id ?? null,
          sendAt: decided.row.sendAt,
        });
        outbox.push(decided.row);
        withdraw.push(...decided.withdraw);
      }
      if (!options.dryRun) {
        // One page is written while the next is decided; a failed write stops the run at the next page.
        await writing;
        writing = store.runs.writeOutcomes({
          runId: run.id,
          campaignId: campaign.id,
          channel: campaign.channel,
          purpose: campaign.purpose,
          at: now,
          history,
          outbox,
          withdraw,
        });
        writing.catch(() => undefined);
      }
    },
  });
  await writing;

  await store.runs.finishRun({ runId: run.id, funnel: funnel.funnel(), finishedAt: deps.clock() });
  const finished = await store.runs.getRun(run.id);
  if (finished === null) throw new Error(`run ${run.id} vanished after finishing`);
  return ok(finished);
};

type Decision =
  | {
      readonly type: 'left';
      readonly step: 'consent' | 'contact_policy' | 'arbitration' | 'render' | 'volume_cap';
      readonly outcome: string;
    }
  | {
      readonly type: 'queued';
      readonly row: OutboxRow;
      /** Weaker messages of other campaigns this one replaces. */
      readonly withdraw: readonly MessageKey[];
    };

/** One target through consent, contact policy, arbitration and render. */
const decide = (
  context: StepContext,
  candidate: RunCandidate,
  settings: {
    readonly offer: Offer | null;
    readonly policy: ContactPolicy;
    readonly timezone: string;
    readonly fallbackLocale: string;
  },
): Decision => {
  const { campaign } = context;
  const { offer } = settings;
  const channel = campaign.channel;

  // Step: consent and contactability.
  if (candidate.stopListed) return { type: 'left', step: 'consent', outcome: 'excluded:stop_list' };
  if (isChannel(channel) && candidate.consent !== true) {
    return { type: 'left', step: 'consent', outcome: 'excluded:no_consent' };
  }
  if (candidate.contactPoint === null || candidate.contactPoint === '') {
    return { type: 'left', step: 'consent', outcome: 'excluded:no_contact_point' };
  }
  if (offer === null) return { type: 'left', step: 'consent', outcome: 'excluded:not_eligible' };

  // Step: contact policy (caps, quiet hours, cooldown) over what is already sent or queued.
  const zone = candidate.timezone ?? settings.timezone;
  let sendAt = context.now;
  if (isChannel(channel)) {
    const past: PastContact[] = [];
    for (const contact of candidate.history) {
      if (isChannel(contact.channel))
        past.push({ at: contact.at, channel: contact.channel, offerId: contact.offerId });
    }
    const decision = applyContactPolicy({
      policy: settings.policy,
      customer: { id: candidate.customerId, timezone: zone, contactPoint: candidate.contactPoint },
      channel,
      offerId: offer.id,
      dueAt: context.now,
      history: past,
      cooldownDays: offer.cooldownDays,
      stopList: new Set(),
    });
    if (decision.type === 'suppressed') {
      return { type: 'left', step: 'contact_policy', outcome: `suppressed:${decision.rule}` };
    }
    sendAt = decision.sendAt;
  }

  // Step: arbitration against other campaigns' messages for the same local day.
  const ours: ArbitrationCandidate = {
    campaignId: campaign.id,
    priority: campaign.priority,
    expectedValue: offer.expectedValue,
  };
  const rivals = new Map<string, ArbitrationCandidate>();
  const withdraw: MessageKey[] = [];
  // The local day is worked out only for customers with other messages: it costs a time zone
  // conversion, and most targets have none.
  let day: string | null = null;
  for (const contact of candidate.history) {
    if (contact.campaignId === campaign.id) continue;
    day ??= todayIn({ now: sendAt, timezone: zone });
    if (todayIn({ now: contact.at, timezone: zone }) !== day) continue;
    // What is already on its way cannot be taken back: it has the customer's day.
    if (!contact.pending) return { type: 'left', step: 'arbitration', outcome: 'suppressed:arbitration' };
    withdraw.push({ runId: contact.runId, customerId: candidate.customerId, step: contact.step });
    if (rivals.has(contact.campaignId)) continue;
    rivals.set(contact.campaignId, {
      campaignId: contact.campaignId,
      priority: contact.priority,
      expectedValue: contact.expectedValue,
    });
  }
  if (rivals.size > 0 && arbitrate([ours, ...rivals.values()])?.winner.campaignId !== campaign.id) {
    return { type: 'left', step: 'arbitration', outcome: 'suppressed:arbitration' };
  }

  // Step: render; a failure leaves this customer out, not the run. The message depends only on
  // the offer, the locale and the customer columns the content names (the campaign is the run's),
  // so customers alike share one render.
  const key = JSON.stringify([offer.id, candidate.locale, candidate.attributes]);
  let content = context.renders.get(key);
  if (content === undefined) {
    try {
      content = renderTemplate(
        campaign.content,
        {
          customer: candidate.attributes,
          offer: offerContext(offer),
          campaign: { id: campaign.id, name: campaign.name },
        },
        { locale: candidate.locale, fallbackLocale: settings.fallbackLocale },
      );
    } catch {
      content = null;
    }
    if (context.renders.size < RENDER_MEMO_LIMIT) context.renders.set(key, content);
  }
  if (content === null) return { type: 'left', step: 'render', outcome: 'excluded:render_failed' };

  // Step: outbox.
  return {
    type: 'queued',
    row: {
      customerId: candidate.customerId,
      step: MESSAGE_STEP,
      offerId: offer.id,
      recipient: candidate.contactPoint,
      content,
      sendAt: sendAt.toISOString(),
      priority: campaign.priority,
      expectedValue: offer.expectedValue,
    },
    withdraw,
  };
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
