import {
  type Campaign,
  controlShareFor,
  type DailyResult,
  err,
  type GroupOutcome,
  type LiftTest,
  minimumDetectableEffect,
  ok,
  type Result,
  type ResultGroup,
  type ResultsBreakdown,
  type ResultsQuery,
  type Store,
  sampleRatioMismatch,
  sampleSizeFor,
  twoProportionTest,
  ucgInForce,
  type WelchTest,
  type WorkspaceSchema,
  welchTest,
} from '@opencvm/core';
import { contactPressure } from './contact-pressure.ts';
import type { ResultsError } from './results-error.ts';

/**
 * Campaign results as a CFO reads them: intention to treat (every member assigned to the target
 * arm, whatever became of their message, against every member of the holdout — or of the
 * universal control group when the campaign keeps no holdout), goal events within the
 * attribution window after each run, each metric with its lift, 95% interval, statistic and
 * p-value, and the incremental conversions and revenue with their intervals (lift × target size).
 */

export type { ResultsError } from './results-error.ts';

export const METRICS = ['conversion', 'revenue', 'orders', 'retention'] as const;
export type MetricName = (typeof METRICS)[number];

export interface MetricResult {
  /** `rate` (share of members) or `mean` (per member). */
  readonly kind: 'rate' | 'mean';
  readonly test: LiftTest | WelchTest;
  /** Lift × target size: conversions, money, orders or retained customers the campaign added. */
  readonly incremental: { readonly value: number | null; readonly ci: readonly [number, number] | null };
}

export interface ArmSummary extends GroupOutcome {
  readonly conversionRate: number | null;
  /** Goal revenue per goal event among those who converted. */
  readonly averageCheck: number | null;
}

export interface ResultsWarning {
  readonly type: 'sample_ratio_mismatch' | 'underpowered' | 'no_comparison';
  readonly message: string;
}

export interface ComparisonResults {
  /** What the target arm is compared with. */
  readonly comparison: 'control' | 'ucg' | null;
  readonly arms: Readonly<Partial<Record<ResultGroup, ArmSummary>>>;
  readonly metrics: Readonly<Partial<Record<MetricName, MetricResult>>>;
}

export interface CampaignResults extends ComparisonResults {
  readonly campaignId: string;
  readonly runIds: readonly string[] | null;
  readonly kpi: Campaign['goal']['kpi'];
  readonly attributionDays: number;
  readonly asOf: string;
  readonly warnings: readonly ResultsWarning[];
  readonly breakdown: {
    readonly by: string;
    readonly slices: readonly (ComparisonResults & { readonly value: string | null })[];
  } | null;
}

const scaled = (
  test: LiftTest,
  size: number,
): { readonly value: number | null; readonly ci: readonly [number, number] | null } => ({
  value: test.lift === null ? null : test.lift * size,
  ci: test.ci === null ? null : [test.ci[0] * size, test.ci[1] * size],
});

const arm = (outcome: GroupOutcome): ArmSummary => ({
  ...outcome,
  conversionRate: outcome.n === 0 ? null : outcome.converters / outcome.n,
  averageCheck: outcome.orders === 0 ? null : Number(outcome.revenue) / outcome.orders,
});

/** The target arm against the holdout (or the UCG when there is no holdout). */
export const compareArms = (groups: readonly GroupOutcome[]): ComparisonResults => {
  const byGroup = new Map(groups.map((group) => [group.group, group]));
  const arms: Partial<Record<ResultGroup, ArmSummary>> = {};
  for (const group of groups) arms[group.group] = arm(group);
  const target = byGroup.get('target');
  const control = byGroup.get('control');
  const ucg = byGroup.get('ucg');
  const comparison =
    control !== undefined && control.n > 0 ? 'control' : ucg !== undefined && ucg.n > 0 ? 'ucg' : null;
  const against = comparison === 'control' ? control : comparison === 'ucg' ? ucg : undefined;
  if (target === undefined || against === undefined) return { comparison, arms, metrics: {} };
  const rate = (successes: (group: GroupOutcome) => number): MetricResult => {
    const test = twoProportionTest(
      { n: target.n, successes: successes(target) },
      { n: against.n, successes: successes(against) },
    );
    return { kind: 'rate', test, incremental: scaled(test, target.n) };
  };
  const mean = (of: (group: GroupOutcome) => { mean: number; variance: number }): MetricResult => {
    const test = welchTest({ n: target.n, ...of(target) }, { n: against.n, ...of(against) });
    return { kind: 'mean', test, incremental: scaled(test, target.n) };
  };
  return {
    comparison,
    arms,
    metrics: {
      conversion: rate((group) => group.converters),
      revenue: mean((group) => ({ mean: group.revenueMean, variance: group.revenueVariance })),
      orders: mean((group) => ({ mean: group.ordersMean, variance: group.ordersVariance })),
      retention: rate((group) => group.active),
    },
  };
};

/** Warnings: a split unlike the plan (sample-ratio mismatch), groups too small for the planned lift. */
const warningsFor = (options: {
  readonly groups: readonly GroupOutcome[];
  readonly ucgShare: number;
  readonly controlShare: number;
  readonly expectedLiftPercent: number;
}): ResultsWarning[] => {
  const warnings: ResultsWarning[] = [];
  const count = (name: ResultGroup) => options.groups.find((group) => group.group === name)?.n ?? 0;
  const observed = [count('ucg'), count('control'), count('target')];
  const u = options.ucgShare / 100;
  const h = options.controlShare / 100;
  const expected = [u, (1 - u) * h, (1 - u) * (1 - h)];
  // Arms the plan gives no members to leave the test (a zero expected share cannot be tested).
  const kept = expected
    .map((share, index) => ({ share, seen: observed[index] ?? 0 }))
    .filter((arm) => arm.share > 0);
  if (kept.length > 1 && kept.some((arm) => arm.seen > 0)) {
    const total = kept.reduce((sum, arm) => sum + arm.share, 0);
    const srm = sampleRatioMismatch(
      kept.map((arm) => arm.seen),
      kept.map((arm) => arm.share / total),
    );
    if (srm.pValue !== null && srm.pValue < 0.001) {
      warnings.push({
        type: 'sample_ratio_mismatch',
        message: `the split (UCG ${observed[0]}, holdout ${observed[1]}, target ${observed[2]}) is not the planned ${options.ucgShare}% / ${options.controlShare}% (chi-square p = ${srm.pValue.toExponential(2)}): check the assignment before trusting the results`,
      });
    }
  }
  const target = count('target');
  const control = count('control') > 0 ? count('control') : count('ucg');
  const against = options.groups.find((group) => group.group === (count('control') > 0 ? 'control' : 'ucg'));
  if (control === 0) {
    warnings.push({
      type: 'no_comparison',
      message: 'no holdout and no UCG members: the effect cannot be measured',
    });
  } else if (against !== undefined && against.converters > 0 && against.converters < against.n) {
    const baseRate = against.converters / against.n;
    const mde = minimumDetectableEffect({
      baseRate,
      audience: target + control,
      controlShare: control / (target + control),
    });
    if (mde.relative * 100 > options.expectedLiftPercent) {
      warnings.push({
        type: 'underpowered',
        message: `with ${target} targets and ${control} in the comparison group, only a relative lift of ${(mde.relative * 100).toFixed(1)}% or more in conversion can be detected (80% power, 5% significance); the campaign expects ${options.expectedLiftPercent}%`,
      });
    }
  }
  return warnings;
};

const totalOf = (slices: readonly { readonly groups: readonly GroupOutcome[] }[]): GroupOutcome[] => {
  const totals = new Map<ResultGroup, GroupOutcome>();
  for (const slice of slices) for (const group of slice.groups) totals.set(group.group, group);
  return [...totals.values()];
};

export interface RevenueShareRow {
  readonly campaignId: string;
  readonly campaignName: string;
  readonly channel: string;
  readonly offerId: string | null;
  /** The offer's part of the campaign's incremental revenue, by its share of queued messages. */
  readonly incrementalRevenue: number | null;
  readonly ci: readonly [number, number] | null;
  readonly pValue: number | null;
  readonly sharePercent: number | null;
  readonly shareAmount: number | null;
}

export interface PlanInput {
  /** The conversion rate expected without the campaign (0–1). */
  readonly baseRate: number;
  /** Customers in the audience (target and holdout together). */
  readonly audience: number;
  /** The holdout's share in percent (10 = 10%). */
  readonly controlSharePercent: number;
  /** A wanted minimum detectable effect, absolute (0.005 = half a percentage point). */
  readonly mde?: number | undefined;
}

export interface Plan {
  readonly mde: { readonly absolute: number; readonly relative: number };
  /** For the wanted MDE: the holdout share it needs (null: not even 50%) and the audience it needs at this share. */
  readonly forWantedMde: {
    readonly mde: number;
    readonly controlSharePercent: number | null;
    readonly audience: number;
  } | null;
}

/** Rounded to cents for reports: estimates, not stored money. */
const cents = (value: number | null): number | null =>
  value === null ? null : Math.round(value * 100) / 100;

export const planCampaign = (input: PlanInput): Result<Plan, ResultsError> => {
  const invalid = (path: string, message: string) => err({ type: 'invalid_input' as const, path, message });
  if (!(input.baseRate > 0 && input.baseRate < 1))
    return invalid('baseRate', 'must be a rate between 0 and 1, exclusive');
  if (!Number.isInteger(input.audience) || input.audience < 2)
    return invalid('audience', 'must be a whole number of 2 or more');
  if (!(input.controlSharePercent > 0 && input.controlSharePercent < 100))
    return invalid('controlShare', 'must be a percentage between 0 and 100, exclusive');
  if (input.mde !== undefined && !(input.mde > 0 && input.mde < 1))
    return invalid('mde', 'must be an absolute lift between 0 and 1, exclusive');
  const controlShare = input.controlSharePercent / 100;
  const mde = minimumDetectableEffect({ baseRate: input.baseRate, audience: input.audience, controlShare });
  const wanted = input.mde;
  return ok({
    mde: { absolute: mde.absolute, relative: mde.relative },
    forWantedMde:
      wanted === undefined
        ? null
        : {
            mde: wanted,
            controlSharePercent: (() => {
              const share = controlShareFor({
                baseRate: input.baseRate,
                audience: input.audience,
                mde: wanted,
              });
              return share === null ? null : Math.ceil(share * 10_000) / 100;
            })(),
            audience: sampleSizeFor({ baseRate: input.baseRate, mde: wanted, controlShare }),
          },
  });
};

export const resultsService = (deps: {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly clock: () => Date;
}) => {
  const queryFor = async (
    campaignId: string,
    runId: string | undefined,
  ): Promise<Result<{ readonly query: ResultsQuery; readonly campaign: Campaign }, ResultsError>> => {
    const stored = await deps.store.campaigns.getCampaign(campaignId);
    if (stored === null) return err({ type: 'not_found', message: `no campaign "${campaignId}"` });
    if (runId !== undefined) {
      const run = await deps.store.runs.getRun(runId);
      if (run === null || run.campaignId !== campaignId) {
        return err({ type: 'not_found', message: `no run "${runId}" of campaign "${campaignId}"` });
      }
    }
    const { goal } = stored.campaign;
    return ok({
      campaign: stored.campaign,
      query: {
        campaignId,
        runIds: runId === undefined ? null : [runId],
        goal: { eventType: goal.eventType, where: goal.where ?? [], attributionDays: goal.attributionDays },
        asOf: deps.clock(),
      },
    });
  };

  const breakdownFor = async (by: string): Promise<Result<ResultsBreakdown, ResultsError>> => {
    if (by.startsWith('segment:')) {
      const id = by.slice('segment:'.length);
      const saved = new Map(
        (await deps.store.segments.listSegments()).map((segment) => [segment.id, segment]),
      );
      const segment = saved.get(id);
      if (segment === undefined) return err({ type: 'not_found', message: `no segment "${id}"` });
      return ok({
        type: 'segment',
        name: id,
        query: {
          rule: segment.rule,
          clock: { now: deps.clock(), timezone: deps.schema.workspace.timezone },
          segmentRule: (other) => saved.get(other)?.rule,
        },
      });
    }
    const attributes = Object.keys(deps.schema.customer.attributes);
    const known = [...attributes, 'timezone', 'locale'];
    if (!known.includes(by)) {
      return err({
        type: 'invalid_input',
        path: 'by',
        message: `"${by}" is neither a customer attribute (${known.join(', ')}) nor segment:<id>`,
      });
    }
    return ok({ type: 'attribute', attribute: by });
  };

  return {
    async campaignResults(
      campaignId: string,
      options: { readonly runId?: string | undefined; readonly by?: string | undefined } = {},
    ): Promise<Result<CampaignResults, ResultsError>> {
      const found = await queryFor(campaignId, options.runId);
      if (!found.ok) return found;
      const { query, campaign } = found.value;
      const breakdown = options.by === undefined ? undefined : await breakdownFor(options.by);
      if (breakdown !== undefined && !breakdown.ok) return breakdown;
      const [whole] = await deps.store.results.groupOutcomes(query);
      const groups = whole?.groups ?? [];
      const slices =
        breakdown === undefined ? [] : await deps.store.results.groupOutcomes(query, breakdown.value);
      const ucg = await deps.store.campaigns.getUcgSettings();
      const runs = await deps.store.runs.listRuns(campaignId, 1);
      const ucgShare =
        ucg === null ? 0 : (ucgInForce(ucg, new Date(runs[0]?.startedAt ?? query.asOf))?.share ?? 0);
      return ok({
        campaignId,
        runIds: query.runIds,
        kpi: campaign.goal.kpi,
        attributionDays: campaign.goal.attributionDays,
        asOf: query.asOf.toISOString(),
        ...compareArms(groups.length > 0 ? groups : totalOf(slices)),
        warnings: warningsFor({
          groups,
          ucgShare,
          controlShare: campaign.controlShare,
          expectedLiftPercent: campaign.goal.expectedLiftPercent ?? 10,
        }),
        breakdown:
          options.by === undefined
            ? null
            : {
                by: options.by,
                slices: slices.map((slice) => ({ value: slice.value, ...compareArms(slice.groups) })),
              },
      });
    },

    /**
     * The whole programme over a period: customers who qualified for any campaign run started in
     * it, outside the UCG against inside it; revenue (every event's amount), buyers and activity
     * from their first qualification to the period's end.
     */
    async programme(period: {
      readonly from: Date;
      readonly to: Date;
    }): Promise<Result<ComparisonResults, ResultsError>> {
      if (!(period.from.getTime() < period.to.getTime())) {
        return err({ type: 'invalid_input', path: 'from', message: 'must be before the end of the period' });
      }
      return ok(compareArms(await deps.store.results.programmeOutcomes(period)));
    },

    /**
     * Incremental revenue by campaign, channel and offer for runs started in the period, and the
     * configured share of it (the workspace's `measurement.revenueSharePercent`, or `sharePercent`).
     */
    async revenueShare(options: {
      readonly from: Date;
      readonly to: Date;
      readonly sharePercent?: number | undefined;
    }): Promise<Result<readonly RevenueShareRow[], ResultsError>> {
      if (!(options.from.getTime() < options.to.getTime())) {
        return err({ type: 'invalid_input', path: 'from', message: 'must be before the end of the period' });
      }
      const sharePercent = options.sharePercent ?? deps.schema.measurement.revenueSharePercent ?? null;
      const rows: RevenueShareRow[] = [];
      for (const { campaign } of await deps.store.campaigns.listCampaigns()) {
        const runs = (await deps.store.runs.listRuns(campaign.id, 10_000)).filter(
          (run) =>
            !run.dryRun &&
            run.status === 'completed' &&
            Date.parse(run.startedAt) >= options.from.getTime() &&
            Date.parse(run.startedAt) < options.to.getTime(),
        );
        if (runs.length === 0) continue;
        const query: ResultsQuery = {
          campaignId: campaign.id,
          runIds: runs.map((run) => run.id),
          goal: {
            eventType: campaign.goal.eventType,
            where: campaign.goal.where ?? [],
            attributionDays: campaign.goal.attributionDays,
          },
          asOf: deps.clock(),
        };
        const [whole] = await deps.store.results.groupOutcomes(query);
        const revenue = compareArms(whole?.groups ?? []).metrics.revenue;
        const offers = await deps.store.results.queuedByOffer(query);
        const queued = offers.reduce((sum, offer) => sum + offer.queued, 0);
        for (const offer of offers.length > 0 ? offers : [{ offerId: null, queued: 1 }]) {
          const part = queued === 0 ? 1 : offer.queued / Math.max(queued, 1);
          const value = revenue?.incremental.value ?? null;
          const ci = revenue?.incremental.ci ?? null;
          const incrementalRevenue = value === null ? null : value * part;
          rows.push({
            campaignId: campaign.id,
            campaignName: campaign.name,
            channel: campaign.channel,
            offerId: offer.offerId,
            incrementalRevenue: cents(incrementalRevenue),
            ci: ci === null ? null : [cents(ci[0] * part) ?? 0, cents(ci[1] * part) ?? 0],
            pValue: revenue?.test.pValue ?? null,
            sharePercent,
            shareAmount:
              incrementalRevenue === null || sharePercent === null
                ? null
                : cents((Math.max(0, incrementalRevenue) * sharePercent) / 100),
          });
        }
      }
      return ok(rows);
    },

    plan: planCampaign,

    /** Messages per customer per week by channel over a period (`contact-pressure.ts`). */
    contactPressure: contactPressure(deps),

    async dailySeries(
      campaignId: string,
      options: { readonly runId?: string | undefined } = {},
    ): Promise<Result<readonly DailyResult[], ResultsError>> {
      const found = await queryFor(campaignId, options.runId);
      if (!found.ok) return found;
      return ok(await deps.store.results.dailySeries(found.value.query));
    },
  };
};
export type ResultsService = ReturnType<typeof resultsService>;
