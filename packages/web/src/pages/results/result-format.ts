import { useMemo } from 'react';
import { type Format, useFormat, useLocale, useMessages } from '../../i18n/i18n.tsx';
import { resultsMessages } from '../../i18n/results-messages.ts';
import type { MetricName } from './results-api.ts';

export type Significance = 'significant' | 'suggestive' | 'not' | 'unknown';

/** What a p-value says, in the words a CVM team uses: 95% is the bar, 90% a hint. */
export const significanceOf = (pValue: number | null): Significance =>
  pValue === null ? 'unknown' : pValue < 0.05 ? 'significant' : pValue < 0.1 ? 'suggestive' : 'not';

const SIGNIFICANCE_COLOR: Readonly<Record<Significance, string>> = {
  significant: 'teal',
  suggestive: 'yellow',
  not: 'gray',
  unknown: 'gray',
};

/** Green for a real gain, red for a real loss, yellow for a hint, grey for noise. */
export const significanceColor = (pValue: number | null, lift: number | null): string => {
  const level = significanceOf(pValue);
  return level === 'significant' && lift !== null && lift < 0 ? 'red' : SIGNIFICANCE_COLOR[level];
};

/** Values, lifts and intervals of each metric in its own unit: shares, money, counts. */
export const useResultFormat = (currency: string) => {
  const format = useFormat();
  const t = useMessages(resultsMessages);
  const { locale } = useLocale();
  return useMemo(() => {
    const small = new Intl.NumberFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { maximumSignificantDigits: 2 });
    const signed = (text: string, value: number) => (value > 0 ? `+${text}` : text);
    const isRate = (metric: MetricName) => metric === 'conversion' || metric === 'retention';
    const value = (metric: MetricName, number: number | null): string => {
      if (number === null) return '—';
      if (isRate(metric)) return format.percent(number);
      if (metric === 'revenue') return format.money(number.toFixed(2), currency);
      return format.decimal(number);
    };
    /** A difference: percentage points for rates, money for revenue. */
    const lift = (metric: MetricName, number: number | null): string => {
      if (number === null) return '—';
      if (isRate(metric)) return signed(t.pp(format.decimal(number * 100)), number);
      if (metric === 'revenue') return signed(format.money(number.toFixed(2), currency), number);
      return signed(format.decimal(number), number);
    };
    const relative = (number: number | null): string =>
      number === null ? '—' : signed(format.percent(number), number);
    const interval = (
      ci: readonly [number, number] | null,
      one: (number: number | null) => string,
    ): string => (ci === null ? '—' : `${one(ci[0])} … ${one(ci[1])}`);
    /** Incremental conversions, orders or customers are counts; revenue is money. */
    const incremental = (metric: MetricName, number: number | null): string => {
      if (number === null) return '—';
      if (metric === 'revenue') return signed(format.money(number.toFixed(2), currency), number);
      return signed(format.decimal(Math.round(number * 10) / 10), number);
    };
    const pValue = (number: number | null): string =>
      number === null ? '—' : number < 0.0001 ? `< ${small.format(0.0001)}` : small.format(number);
    return { value, lift, relative, interval, incremental, pValue, ...format };
  }, [format, t, currency, locale]);
};

/**
 * A slice's attribute value as the rest of the page writes values: the store gives it as text
 * (`12.5000`, `true`, `2026-03-01 10:00:00+00`), which is shown as written only for names.
 */
export const sliceValue = (
  value: string,
  type: string | undefined,
  options: {
    readonly f: Pick<Format, 'integer' | 'decimal' | 'money' | 'date' | 'dateTime'>;
    readonly currency: string;
    readonly t: { readonly yes: string; readonly no: string };
  },
): string => {
  const { f, currency, t } = options;
  const number = Number(value);
  switch (type) {
    case 'integer':
      return value !== '' && Number.isFinite(number) ? f.integer(number) : value;
    case 'number':
      return value !== '' && Number.isFinite(number) ? f.decimal(number) : value;
    case 'money':
      return /^-?\d+(\.\d+)?$/.test(value) ? f.money(value, currency) : value;
    case 'boolean':
      return value === 'true' || value === 't' ? t.yes : value === 'false' || value === 'f' ? t.no : value;
    case 'date':
      // Noon UTC is the same calendar day in every time zone the browser may be in.
      return /^\d{4}-\d{2}-\d{2}$/.test(value) ? f.date(`${value}T12:00:00Z`) : value;
    case 'timestamp': {
      // Both engines write `YYYY-MM-DD HH:MM:SS[.fff]+HH[:MM]`; Date wants the ISO form.
      const iso = value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
      return Number.isNaN(Date.parse(iso)) ? value : f.dateTime(iso);
    }
    default:
      return value;
  }
};
