import type { RevenueShareRow } from './results-service.ts';

/** The revenue-share report as CSV, one row per campaign and offer, for finance's spreadsheets. */
const REVENUE_SHARE_COLUMNS = [
  'campaign_id',
  'campaign_name',
  'channel',
  'offer_id',
  'incremental_revenue',
  'ci_low',
  'ci_high',
  'p_value',
  'share_percent',
  'share_amount',
] as const;

const csvCell = (value: string | number | null): string => {
  if (value === null) return '';
  const text = String(value);
  // Formula-looking names are neutralised for spreadsheets; quotes doubled.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

export const revenueShareCsv = (rows: readonly RevenueShareRow[]): string =>
  [
    REVENUE_SHARE_COLUMNS.join(','),
    ...rows.map((row) =>
      [
        row.campaignId,
        row.campaignName,
        row.channel,
        row.offerId,
        row.incrementalRevenue,
        row.ci?.[0] ?? null,
        row.ci?.[1] ?? null,
        row.pValue,
        row.sharePercent,
        row.shareAmount,
      ]
        .map(csvCell)
        .join(','),
    ),
  ].join('\n') + '\n';
