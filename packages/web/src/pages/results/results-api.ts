import type { EndpointAnswer, resultsApi } from '@opencvm/core';

/** The answers the home and results pages read, typed from the shared contract (core/src/api). */

export type CampaignResults = EndpointAnswer<typeof resultsApi.campaign>;

export type Comparison = EndpointAnswer<typeof resultsApi.programme>;

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

export type DailyPoint = EndpointAnswer<typeof resultsApi.daily>['items'][number];

export type ResultsRun = EndpointAnswer<typeof resultsApi.runs>['items'][number];

export type ResultsContext = EndpointAnswer<typeof resultsApi.context>;

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
