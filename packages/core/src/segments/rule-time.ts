import { parseTimestamp, zonedWallTimeToInstant } from '../time/time-zones.ts';
import type { EventWindow, MeasureOperator, RelativeDate } from './segment-rule.ts';

/**
 * The time arithmetic of rules, done once here so that the SQL of every store and the reference
 * evaluator see the same bounds: SQL gets them as parameters, never computes them.
 */

/** The moment a rule is evaluated at, and the workspace time zone its calendar days are in. */
export interface RuleClock {
  readonly now: Date;
  readonly timezone: string;
}

const DAY_MS = 86_400_000;

const dateText = (utcMidnight: number): string => new Date(utcMidnight).toISOString().slice(0, 10);

const dateToUtcMidnight = (date: string): number => Date.parse(`${date}T00:00:00.000Z`);

/** Today's date in the workspace time zone, `YYYY-MM-DD`. */
/** Formatters by time zone: making one costs far more than formatting with it. */
const dateFormatters = new Map<string, Intl.DateTimeFormat>();

export const todayIn = (clock: RuleClock): string => {
  let formatter = dateFormatters.get(clock.timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone: clock.timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dateFormatters.set(clock.timezone, formatter);
  }
  const parts = formatter.formatToParts(clock.now);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
};

/** The first instant of a calendar date in the workspace time zone, ISO in UTC. */
export const startOfDay = (date: string, clock: RuleClock): string =>
  new Date(zonedWallTimeToInstant(dateToUtcMidnight(date), clock.timezone)).toISOString();

export const addDays = (date: string, days: number): string =>
  dateText(dateToUtcMidnight(date) + days * DAY_MS);

export const isRelativeDate = (value: unknown): value is RelativeDate =>
  typeof value === 'object' && value !== null && 'daysAgo' in value;

/** A `{ daysAgo }` for a date attribute: the date N days before today in the workspace time zone. */
export const relativeDate = (value: RelativeDate, clock: RuleClock): string =>
  addDays(todayIn(clock), -value.daysAgo);

/** A `{ daysAgo }` for a timestamp attribute: N × 24 h before now. */
export const relativeInstant = (value: RelativeDate, clock: RuleClock): string =>
  new Date(clock.now.getTime() - value.daysAgo * DAY_MS).toISOString();

/** A timestamp a rule gives as text (offset, `Z`, or wall time in the workspace zone), as ISO UTC. */
export const ruleInstant = (text: string, clock: RuleClock): string | null =>
  parseTimestamp(text, clock.timezone);

/** The events a window holds: `from ≤ ts < before` and always `ts ≤ now`; null bounds are open. */
export interface InstantRange {
  readonly from: string | null;
  readonly before: string | null;
  readonly atOrBefore: string;
}

export const windowRange = (window: EventWindow | undefined, clock: RuleClock): InstantRange => {
  const atOrBefore = clock.now.toISOString();
  if (window === undefined) return { from: null, before: null, atOrBefore };
  if (window.days !== undefined) {
    return {
      from: new Date(clock.now.getTime() - window.days * DAY_MS).toISOString(),
      before: null,
      atOrBefore,
    };
  }
  return {
    from: window.from === undefined ? null : startOfDay(window.from, clock),
    before: window.to === undefined ? null : startOfDay(addDays(window.to, 1), clock),
    atOrBefore,
  };
};

/**
 * Days since an event = ⌊(now − ts) / 24 h⌋ compared with whole days, turned into bounds on ts:
 * the event's ts must satisfy `after < ts ≤ atOrBefore` (null: open), and `negate` flips the
 * range (for `!=`). `empty` when nothing can match (e.g. `< 0`).
 */
export interface RecencyRange {
  readonly after: string | null;
  readonly atOrBefore: string | null;
  readonly negate: boolean;
  readonly empty: boolean;
}

export const recencyRange = (
  comparison: {
    readonly op: MeasureOperator;
    readonly value?: number | undefined;
    readonly from?: number | undefined;
    readonly to?: number | undefined;
  },
  clock: RuleClock,
): RecencyRange => {
  const now = clock.now.getTime();
  const instant = (days: number): string => new Date(now - days * DAY_MS).toISOString();
  // days ≥ a  ⟺ ts ≤ now − a days;   days ≤ b  ⟺ ts > now − (b + 1) days
  const range = (atLeast: number | null, atMost: number | null, negate = false): RecencyRange => {
    const low = atLeast === null ? 0 : Math.max(0, atLeast);
    const empty = atMost !== null && (atMost < 0 || atMost < low);
    return {
      atOrBefore: atLeast === null || atLeast <= 0 ? null : instant(atLeast),
      after: atMost === null ? null : instant(atMost + 1),
      negate,
      empty: empty && !negate,
    };
  };
  const value = comparison.value ?? 0;
  switch (comparison.op) {
    case '>=':
      return range(value, null);
    case '>':
      return range(value + 1, null);
    case '<=':
      return range(null, value);
    case '<':
      return range(null, value - 1);
    case '=':
      return range(value, value);
    case '!=':
      return range(value, value, true);
    case 'between':
      return range(comparison.from ?? 0, comparison.to ?? 0);
  }
};
