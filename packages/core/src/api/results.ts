import { z } from 'zod';
import { RunFunnel } from '../campaigns/run-funnel.ts';
import { RUN_STATUSES } from '../campaigns/run-port.ts';
import { endpoint, named, PageQuery, pageOf } from './endpoint.ts';

/**
 * Measurement over HTTP: a campaign's results, the programme, revenue share and planning, and
 * the contact pressure the home page shows to viewers.
 */

const Interval = z.tuple([z.number(), z.number()]).nullable();
const Num = z.number().nullable();

export const LiftTest = z.object({
  treatmentMean: Num,
  controlMean: Num,
  lift: Num,
  liftRelative: Num,
  ci: Interval,
  relativeCi: Interval,
  statistic: Num,
  pValue: Num,
});

export const MetricResult = z.object({
  kind: z.enum(['rate', 'mean']),
  test: LiftTest,
  incremental: z.object({ value: Num, ci: Interval }),
});

const ARMS = ['target', 'control', 'ucg'] as const;

export const ArmSummary = z.object({
  group: z.enum(ARMS),
  n: z.number(),
  converters: z.number(),
  active: z.number(),
  orders: z.number(),
  revenue: z.string(),
  revenueMean: z.number(),
  conversionRate: Num,
  averageCheck: Num,
});

/** One comparison of arms: a campaign's results, one slice of them, or the programme. */
export const Comparison = named(
  z.object({
    comparison: z.enum(['control', 'ucg']).nullable(),
    arms: z.object({
      target: ArmSummary.optional(),
      control: ArmSummary.optional(),
      ucg: ArmSummary.optional(),
    }),
    metrics: z.object({
      conversion: MetricResult.optional(),
      revenue: MetricResult.optional(),
      orders: MetricResult.optional(),
      retention: MetricResult.optional(),
    }),
  }),
  'Comparison',
);

export const CampaignResults = named(
  Comparison.extend({
    campaignId: z.string(),
    runIds: z.array(z.string()).nullable(),
    kpi: z.enum(['conversion', 'revenue', 'retention']),
    attributionDays: z.number(),
    asOf: z.string(),
    warnings: z.array(
      z.object({
        type: z.enum(['sample_ratio_mismatch', 'underpowered', 'no_comparison']),
        message: z.string(),
      }),
    ),
    breakdown: z
      .object({
        by: z.string(),
        slices: z.array(Comparison.extend({ value: z.string().nullable() })),
      })
      .nullable(),
  }),
  'CampaignResults',
);

export const DailySeries = named(
  z.object({
    items: z.array(
      z.object({
        day: z.number(),
        group: z.enum(ARMS),
        n: z.number(),
        converters: z.number(),
        revenue: z.string(),
      }),
    ),
  }),
  'DailySeries',
);

/** A real run as results show it to every role: its funnel counts, no more. */
export const ResultsRun = named(
  z.object({
    id: z.string(),
    campaignId: z.string(),
    campaignVersion: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    status: z.enum(RUN_STATUSES),
    dueAt: z.string().nullable(),
    funnel: RunFunnel.nullable(),
  }),
  'ResultsRun',
);

export const ResultsContext = named(
  z.object({
    currency: z.string().describe("The workspace's currency: every amount in results is in it."),
    timezone: z.string(),
    attributes: z.array(z.object({ name: z.string(), type: z.string() })),
    segments: z.array(z.object({ id: z.string(), name: z.string() })),
  }),
  'ResultsContext',
);

export const RevenueShareRow = z.object({
  campaignId: z.string(),
  campaignName: z.string(),
  channel: z.string(),
  offerId: z.string().nullable(),
  incrementalRevenue: Num,
  ci: Interval,
  pValue: Num,
  sharePercent: Num,
  shareAmount: Num,
});

export const Plan = named(
  z.object({ mde: z.object({ absolute: z.number(), relative: z.number() }) }),
  'Plan',
);

const Ratio = z.number().nullable();
export const ContactPressure = named(
  z.object({
    from: z.string(),
    to: z.string(),
    timezone: z.string().describe("The workspace's time zone: weeks start on its Mondays."),
    counted: z.literal('sent').describe('Messages a gateway accepted, by their sent time.'),
    base: z.number().int().describe('Customers in the store: the denominator of `perBase`.'),
    weeks: z
      .number()
      .describe('The period in weeks (days / 7): with the base, the denominator of `perBaseWeekly`.'),
    byWeek: z.array(
      z.object({
        weekStart: z.string().describe('The Monday the week starts on, YYYY-MM-DD.'),
        channel: z.string(),
        messages: z.number().int(),
        customers: z.number().int().describe('Distinct customers contacted on the channel that week.'),
        perContacted: Ratio.describe('messages / customers contacted that week.'),
        perBase: Ratio.describe('messages / base.'),
      }),
    ),
    byChannel: z.array(
      z.object({
        channel: z.string(),
        messages: z.number().int(),
        activeWeeks: z.number().int(),
        perContactedWeekly: Ratio.describe('Messages per contacted customer per week (over customer-weeks).'),
        perBaseWeekly: Ratio.describe('Messages per customer of the base per week of the period.'),
        peakPerContacted: Ratio,
      }),
    ),
  }),
  'ContactPressure',
);

const Period = z.object({
  from: z.string().describe('First day (or instant) of the period, e.g. 2026-03-01.'),
  to: z.string().describe('End of the period (exclusive), e.g. 2026-04-01.'),
});
const ResultsQuery = z.object({
  run: z.string().optional().describe('One run; the latest real run when absent.'),
  by: z.string().optional().describe('A customer attribute or `segment:<id>` to break the results down by.'),
});
const RevenueShareQuery = Period.extend({
  share: z.string().optional().describe('The share of incremental revenue, in percent (0–100).'),
  format: z.enum(['json', 'csv']).optional(),
});
const PlanningInput = named(
  z.object({
    baseRate: z.number().describe('The expected conversion rate without the campaign, between 0 and 1.'),
    audience: z.number().int().describe('How many customers the campaign reaches.'),
    controlShare: z.number().optional().describe('The control group, in percent; 10 when absent.'),
    mde: z.number().optional().describe('A wanted minimum detectable effect (absolute lift).'),
  }),
  'PlanningInput',
);

export const resultsApi = {
  campaign: endpoint({
    method: 'get',
    path: '/v1/campaigns/:id/results',
    query: ResultsQuery,
    response: CampaignResults,
  }),
  daily: endpoint({
    method: 'get',
    path: '/v1/campaigns/:id/results/daily',
    query: ResultsQuery.pick({ run: true }),
    response: DailySeries,
  }),
  runs: endpoint({
    method: 'get',
    path: '/v1/campaigns/:id/results/runs',
    query: PageQuery,
    response: pageOf(ResultsRun),
  }),
  programme: endpoint({ method: 'get', path: '/v1/programme', query: Period, response: Comparison }),
  /** JSON, or CSV with `format=csv`. */
  revenueShare: endpoint({
    method: 'get',
    path: '/v1/revenue-share',
    query: RevenueShareQuery,
    response: z.object({ items: z.array(RevenueShareRow) }),
  }),
  plan: endpoint({ method: 'post', path: '/v1/planning', body: PlanningInput, response: Plan }),
  context: endpoint({ method: 'get', path: '/v1/results/context', response: ResultsContext }),
  contactPressure: endpoint({
    method: 'get',
    path: '/v1/contact-pressure',
    query: Period,
    response: ContactPressure,
  }),
};
