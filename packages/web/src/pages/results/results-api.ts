import { campaignsApi, importApi, resultsApi } from '@opencvm/core';
import type { z } from 'zod';

/** The answers the home and results pages read: the shared contract's schemas (core/src/api). */

export const CampaignResults = resultsApi.campaign.response;
export type CampaignResults = z.infer<typeof CampaignResults>;

export const Comparison = resultsApi.programme.response;
export type Comparison = z.infer<typeof Comparison>;

export type MetricResult = NonNullable<Comparison['metrics']['conversion']>;
export type LiftTest = MetricResult['test'];
export type ArmSummary = NonNullable<Comparison['arms']['target']>;

export const METRIC_NAMES = [
  'conversion',
  'revenue',
  'orders',
  'retention',
] as const satisfies readonly (keyof Comparison['metrics'])[];
export type MetricName = (typeof METRIC_NAMES)[number];

export const DailySeries = resultsApi.daily.response;
export type DailyPoint = z.infer<typeof DailySeries>['items'][number];

export const ResultsRuns = resultsApi.runs.response;
export const ResultsRun = ResultsRuns.shape.items.element;
export type ResultsRun = z.infer<typeof ResultsRun>;

export const ResultsContext = resultsApi.context.response;
export type ResultsContext = z.infer<typeof ResultsContext>;

/** Campaign lists as the results pages read them. */
export const CampaignPage = campaignsApi.list.response;
export type CampaignSummary = z.infer<typeof CampaignPage>['items'][number];

export const RevenueShare = resultsApi.revenueShare.response;
export type RevenueShareRow = z.infer<typeof RevenueShare>['items'][number];

export const Summary = importApi.summary.response;

export const ContactPressure = resultsApi.contactPressure.response;
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
