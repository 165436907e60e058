import { err, ok, type Result } from '../result.ts';
import { zoneOffset } from '../time/time-zones.ts';

/**
 * Five-field cron expressions (`minute hour day-of-month month day-of-week`) read as wall-clock
 * times in the workspace time zone.
 *
 * Syntax per field: `*`, a number, a range `a-b`, any of these with a step `/n` (`a/n` runs from
 * a to the end of the field), and comma-separated lists of them. Months take JAN–DEC and days of
 * the week SUN–SAT (case-insensitive); day of week 0 and 7 are both Sunday. No `?`, `L`, `W`, `#`
 * or `@daily`: they are refused with the field named, never half-understood.
 *
 * Day of month and day of week: when both are restricted (neither starts with `*`), a day matches
 * if either does, as crontab(5) says; otherwise both must match.
 *
 * Time zone changes: a wall time that a spring-forward skips runs once, at the first instant after
 * the gap (02:30 on a 02:00→03:00 night runs at 03:00); a wall time that a fall-back repeats runs
 * once, at its first occurrence. So a daily campaign runs exactly once every day, whatever the
 * clocks do; an hourly one runs once per wall-clock hour, hence not again in a repeated hour.
 */

export interface CronSchedule {
  /** The expression as written. */
  readonly source: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  readonly months: readonly number[];
  /** 0 = Sunday … 6 = Saturday. */
  readonly daysOfWeek: readonly number[];
  /** Whether a day must match day of month or day of week (both restricted) rather than both. */
  readonly eitherDay: boolean;
}

export type CronError = { readonly type: 'invalid_cron'; readonly message: string };

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Names and numbers count from this value (JAN = 1, SUN = 0). */
  readonly namesFrom?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
    namesFrom: 1,
  },
  {
    name: 'day of week',
    min: 0,
    max: 7,
    names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
    namesFrom: 0,
  },
];

const FIELD_LIST = 'minute hour day-of-month month day-of-week';

const numberIn = (text: string, spec: FieldSpec): Result<number, string> => {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return ok(named + (spec.namesFrom ?? 0));
  if (!/^\d+$/.test(text)) {
    const hint = spec.names === undefined ? '' : ` or a name (${spec.names.join(', ')})`;
    return err(`"${text}" is not a number${hint}`);
  }
  const value = Number(text);
  return value >= spec.min && value <= spec.max
    ? ok(value)
    : err(`${value} is out of range ${spec.min}–${spec.max}`);
};

/** The values one field selects, or why it selects nothing sensible. */
const parseField = (text: string, spec: FieldSpec): Result<readonly number[], string> => {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^([^/]+)(?:\/(.*))?$/.exec(item);
    if (match === null) return err(`"${item}" is not a value, a range or a step`);
    const [, base = '', stepText] = match;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        return err(`step "${stepText}" must be a whole number of 1 or more`);
      }
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (base === '*') {
      from = spec.min;
      to = spec.max;
    } else {
      const [first = '', last, extra] = base.split('-');
      if (extra !== undefined) return err(`"${base}" is not a range a-b`);
      const low = numberIn(first, spec);
      if (!low.ok) return low;
      from = low.value;
      if (last !== undefined) {
        const high = numberIn(last, spec);
        if (!high.ok) return high;
        to = high.value;
        if (to < from) return err(`range "${base}" must run from low to high`);
      } else {
        // `a/n` runs from a to the end of the field, as in Vixie cron.
        to = stepText === undefined ? from : spec.max;
      }
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return ok([...values].sort((a, b) => a - b));
};

const MONTH_DAYS: readonly number[] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses a five-field expression; the message names the field and what is wrong with it. */
export const parseCron = (source: string): Result<CronSchedule, CronError> => {
  const fields = source.trim().split(/\s+/);
  if (source.trim() === '' || fields.length !== FIELDS.length) {
    const found = source.trim() === '' ? 0 : fields.length;
    return err({
      type: 'invalid_cron',
      message: `must have 5 fields (${FIELD_LIST}), found ${found}`,
    });
  }
  const parsed: (readonly number[])[] = [];
  for (const [index, spec] of FIELDS.entries()) {
    const text = fields[index] ?? '';
    const values = parseField(text, spec);
    if (!values.ok) {
      return err({ type: 'invalid_cron', message: `${spec.name} field "${text}": ${values.error}` });
    }
    parsed.push(values.value);
  }
  const [minutes = [], hours = [], daysOfMonth = [], months = [], weekdays = []] = parsed;
  const daysOfWeek = [...new Set(weekdays.map((day) => day % 7))].sort((a, b) => a - b);
  const eitherDay = !(fields[2] ?? '*').startsWith('*') && !(fields[4] ?? '*').startsWith('*');
  // With day of month required, some listed month must have one of the listed days.
  if (!eitherDay && !months.some((month) => daysOfMonth.some((day) => day <= (MONTH_DAYS[month - 1] ?? 0)))) {
    return err({
      type: 'invalid_cron',
      message: `never runs: no month in "${fields[3]}" has day "${fields[2]}"`,
    });
  }
  return ok({ source, minutes, hours, daysOfMonth, months, daysOfWeek, eitherDay });
};

// ---------------------------------------------------------------------------------------------
// Next run

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Far enough for any accepted expression: 29 February comes back within eight years. */
const SEARCH_DAYS = 9 * 366;

/** The zone's UTC offset at an instant, in milliseconds. */
const offsetAt = (instant: number, timeZone: string): number => zoneOffset(timeZone, instant);

/**
 * The instant a run at wall time `wall` (read as if UTC) happens: its first occurrence, or, for a
 * wall time inside a spring-forward gap, the first instant after the gap. Either way the mapping
 * never goes backwards, which `nextRunAfter` relies on. Assumes a zone's offset changes at most
 * once in three days, true of every zone in the tz database from 1900 to 2100.
 */
const runInstant = (wall: number, timeZone: string): number => {
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const fits = [wall - before, wall - after].filter(
    (instant) => instant + offsetAt(instant, timeZone) === wall,
  );
  if (fits.length > 0) return Math.min(...fits);
  // In a gap: the clocks jumped from `before` to `after` somewhere in (wall − after, wall − before].
  let low = wall - after;
  let high = wall - before;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetAt(middle, timeZone) === after) high = middle;
    else low = middle;
  }
  return high;
};

const dayMatches = (cron: CronSchedule, dayOfMonth: number, dayOfWeek: number): boolean => {
  const byMonthDay = cron.daysOfMonth.includes(dayOfMonth);
  const byWeekDay = cron.daysOfWeek.includes(dayOfWeek);
  return cron.eitherDay ? byMonthDay || byWeekDay : byMonthDay && byWeekDay;
};

/**
 * The first run strictly after `after`, in `timeZone` (an IANA name the caller has validated).
 * Null only when there is none before the search gives up, which no expression `parseCron`
 * accepted reaches.
 */
export const nextRunAfter = (cron: CronSchedule, after: Date, timeZone: string): Date | null => {
  const afterMs = after.getTime();
  // Runs at wall times before the wall time of `after` happened at or before `after` (see runInstant).
  const startWall = afterMs + offsetAt(afterMs, timeZone);
  const startDay = Math.floor(startWall / DAY_MS);
  const startMinute = Math.floor((startWall - startDay * DAY_MS) / MINUTE_MS);
  for (let day = startDay; day <= startDay + SEARCH_DAYS; day += 1) {
    const date = new Date(day * DAY_MS);
    if (!cron.months.includes(date.getUTCMonth() + 1)) continue;
    if (!dayMatches(cron, date.getUTCDate(), date.getUTCDay())) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const minuteOfDay = hour * 60 + minute;
        if (day === startDay && minuteOfDay < startMinute) continue;
        const instant = runInstant(day * DAY_MS + minuteOfDay * MINUTE_MS, timeZone);
        if (instant > afterMs) return new Date(instant);
      }
    }
  }
  return null;
};

/** The next `count` runs after `after`: what a schedule preview shows. */
export const nextRuns = (
  cron: CronSchedule,
  options: { readonly after: Date; readonly timeZone: string; readonly count: number },
): Date[] => {
  const runs: Date[] = [];
  let from = options.after;
  while (runs.length < options.count) {
    const next = nextRunAfter(cron, from, options.timeZone);
    if (next === null) break;
    runs.push(next);
    from = next;
  }
  return runs;
};
