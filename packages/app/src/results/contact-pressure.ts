import { err, ok, type Result, type Store, type WorkspaceSchema } from '@opencvm/core';
import type { ResultsError } from './results-error.ts';

/**
 * Contact pressure: how many messages a customer gets per week on each channel, the figure a CVM
 * team watches so that campaigns together do not burn the base. Messages are those the gateways
 * accepted (a sent time in the outbox), by week of the workspace's calendar (Monday first).
 * Each week's messages are divided by the distinct customers they reached that week
 * (`perContacted`: how hard the contacted are pressed) and by the whole base (`perBase`: how
 * much of the base's attention the programme takes).
 */

/** Longer periods are refused: the answer has one row per week and channel. */
export const MAX_PRESSURE_DAYS = 731;

const DAY_MS = 86_400_000;

export interface ContactPressureWeekRow {
  /** The Monday the week starts on (YYYY-MM-DD, workspace time zone). */
  readonly weekStart: string;
  readonly channel: string;
  readonly messages: number;
  /** Distinct customers who got at least one message on the channel that week. */
  readonly customers: number;
  /** messages / customers; null when nobody was contacted. */
  readonly perContacted: number | null;
  /** messages / base; null for an empty base. */
  readonly perBase: number | null;
}

export interface ContactPressureChannel {
  readonly channel: string;
  readonly messages: number;
  /** Weeks of the period with any message on the channel. */
  readonly activeWeeks: number;
  /** Messages over the customer-weeks contacted: the weighted mean of the weekly `perContacted`. */
  readonly perContactedWeekly: number | null;
  /** Messages per customer of the base per week of the period (its length in days / 7). */
  readonly perBaseWeekly: number | null;
  /** The highest weekly `perContacted` of the period. */
  readonly peakPerContacted: number | null;
}

export interface ContactPressure {
  readonly from: string;
  readonly to: string;
  readonly timezone: string;
  /** What is counted: messages accepted by a gateway, by their sent time. */
  readonly counted: 'sent';
  /** Customers in the store when asked: the `perBase` denominator. */
  readonly base: number;
  /** The period's length in weeks (days / 7), the `perBaseWeekly` denominator with the base. */
  readonly weeks: number;
  readonly byWeek: readonly ContactPressureWeekRow[];
  readonly byChannel: readonly ContactPressureChannel[];
}

const ratio = (numerator: number, denominator: number): number | null =>
  denominator > 0 ? numerator / denominator : null;

export const contactPressure =
  (deps: { readonly store: Store; readonly schema: WorkspaceSchema }) =>
  async (period: {
    readonly from: Date;
    readonly to: Date;
  }): Promise<Result<ContactPressure, ResultsError>> => {
    const span = period.to.getTime() - period.from.getTime();
    if (!(span > 0)) {
      return err({ type: 'invalid_input', path: 'from', message: 'must be before the end of the period' });
    }
    if (span > MAX_PRESSURE_DAYS * DAY_MS) {
      return err({
        type: 'invalid_input',
        path: 'to',
        message: `the period may be at most ${MAX_PRESSURE_DAYS} days long`,
      });
    }
    const counts = await deps.store.results.contactPressure(period);
    const weeks = span / (7 * DAY_MS);
    const byWeek = counts.weeks.map((week) => ({
      ...week,
      perContacted: ratio(week.messages, week.customers),
      perBase: ratio(week.messages, counts.base),
    }));
    const channels = new Map<string, ContactPressureWeekRow[]>();
    for (const week of byWeek) channels.set(week.channel, [...(channels.get(week.channel) ?? []), week]);
    const byChannel = [...channels]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([channel, rows]): ContactPressureChannel => {
        const messages = rows.reduce((sum, row) => sum + row.messages, 0);
        const customerWeeks = rows.reduce((sum, row) => sum + row.customers, 0);
        const peaks = rows.flatMap((row) => (row.perContacted === null ? [] : [row.perContacted]));
        return {
          channel,
          messages,
          activeWeeks: rows.length,
          perContactedWeekly: ratio(messages, customerWeeks),
          perBaseWeekly: counts.base > 0 ? messages / counts.base / weeks : null,
          peakPerContacted: peaks.length === 0 ? null : Math.max(...peaks),
        };
      });
    return ok({
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      timezone: deps.schema.workspace.timezone,
      counted: 'sent',
      base: counts.base,
      weeks,
      byWeek,
      byChannel,
    });
  };
