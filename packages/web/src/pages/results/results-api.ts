import { RunFunnel } from '@opencvm/core';
import { z } from 'zod';

/** The answers the home and results pages read, checked as they arrive. */

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
export type LiftTest = z.infer<typeof LiftTest>;

export const MetricResult = z.object({
  kind: z.enum(['rate', 'mean']),
  test: LiftTest,
  incremental: z.object({ value: Num, ci: Interval }),
});
export type MetricResult = z.infer<typeof MetricResult>;

export const ArmSummary = z.object({
  group: z.enum(['target', 'control', 'ucg']),
  n: z.number(),
  converters: z.number(),
  active: z.number(),
  orders: z.number(),
  revenue: z.string(),
  revenueMean: z.number(),
  conversionRate: Num,
  averageCheck: Num,
});
export type ArmSummary = z.infer<typeof ArmSummary>;

export const METRIC_NAMES = ['conversion', 'revenue', 'orders', 'retention'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const Comparison = z.object({
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
});
export type Comparison = z.infer<typeof Comparison>;

export const CampaignResults = Comparison.extend({
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
});
export type CampaignResults = z.infer<typeof CampaignResults>;

export const DailySeries = z.object({
  items: z.array(
    z.object({
      day: z.number(),
      group: z.enum(['target', 'control', 'ucg']),
      n: z.number(),
      converters: z.number(),
      revenue: z.string(),
    }),
  ),
});
export type DailyPoint = z.infer<typeof DailySeries>['items'][number];

export const ResultsRun = z.object({
  id: z.string(),
  campaignId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  status: z.string(),
  funnel: RunFunnel.nullable().catch(null),
});
export type ResultsRun = z.infer<typeof ResultsRun>;
export const ResultsRuns = z.object({ items: z.array(ResultsRun), nextCursor: z.string().nullable() });

export const ResultsContext = z.object({
  currency: z.string(),
  timezone: z.string(),
  attributes: z.array(z.object({ name: z.string(), type: z.string() })),
  segments: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type ResultsContext = z.infer<typeof ResultsContext>;

export const CampaignSummary = z.object({
  campaign: z.object({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    channel: z.string(),
    goal: z.object({ kpi: z.string(), eventType: z.string() }),
  }),
  updatedAt: z.string(),
});
export type CampaignSummary = z.infer<typeof CampaignSummary>;
export const CampaignPage = z.object({ items: z.array(CampaignSummary), nextCursor: z.string().nullable() });

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
export type RevenueShareRow = z.infer<typeof RevenueShareRow>;
export const RevenueShare = z.object({ items: z.array(RevenueShareRow) });

export const Summary = z.object({
  customers: z.number(),
  events: z.number(),
  relations: z.number(),
  lastEventAt: z.string().nullable(),
  lastImportAt: z.string().nullable(),
});

const Ratio = z.number().nullable();
export const ContactPressure = z.object({
  from: z.string(),
  to: z.string(),
  timezone: z.string(),
  counted: z.literal('sent'),
  base: z.number(),
  weeks: z.number(),
  byWeek: z.array(
    z.object({
      weekStart: z.string(),
      channel: z.string(),
      messages: z.number(),
      customers: z.number(),
      perContacted: Ratio,
      perBase: Ratio,
    }),
  ),
  byChannel: z.array(
    z.object({
      channel: z.string(),
      messages: z.number(),
      activeWeeks: z.number(),
      perContactedWeekly: Ratio,
      perBaseWeekly: Ratio,
      peakPerContacted: Ratio,
    }),
  ),
});
export type ContactPressure = z.infer<typeof ContactPressure>;

/** YYYY-MM-DD of a date in UTC (what the API's period parameters take). */
export const isoDay = (date: Date): string => date.toISOString().slice(0, 10);

/** The last `days` days up to and including today: `to` is tomorrow, as periods end exclusively. */
export const lastDays = (days: number, now = new Date()): { from: string; to: string } => {
  const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  return { from: isoDay(new Date(tomorrow.getTime() - days * 86_400_000)), to: isoDay(tomorrow) };
};

/** A CSV file the browser saves: cells quoted when needed, formula-looking text neutralised. */
export const csvText = (rows: readonly (readonly (string | number | null)[])[]): string =>
  `${rows
    .map((row) =>
      row
        .map((value) => {
          if (value === null) return '';
          const text = String(value);
          const safe = typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
          return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
        })
        .join(','),
    )
    .join('\n')}\n`;

export const downloadFile = (name: string, text: string, type = 'text/csv;charset=utf-8'): void => {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
};
