/** Calendar dates, time zones and timestamps: pure arithmetic and Intl, shared by every context. */

const DAY_MS = 86_400_000;

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

const MONTH_DAYS: readonly number[] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isCalendarDate = (year: number, month: number, day: number): boolean =>
  year >= 1 &&
  month >= 1 &&
  month <= 12 &&
  day >= 1 &&
  day <= (month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] ?? 0));

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil); plain
 * arithmetic, because `Date.UTC` reads years 0–99 as 1900–1999.
 */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
};

/** Instants whose ISO text keeps the four-digit year of `toISOString` (0000–9999). */
const MIN_INSTANT = daysFromCivil(0, 1, 1) * DAY_MS;
const MAX_INSTANT = daysFromCivil(10_000, 1, 1) * DAY_MS - 1;

/** Bounds memo tables that garbage input (millions of distinct values) could otherwise grow. */
const MEMO_LIMIT = 10_000;

interface ZoneClock {
  readonly formatter: Intl.DateTimeFormat;
  /** UTC offset (ms) in force all around a day of wall time, or null when it changes nearby. */
  readonly dayOffsets: Map<number, number | null>;
}

const zoneClocks = new Map<string, ZoneClock>();

const zoneClock = (timeZone: string): ZoneClock => {
  const cached = zoneClocks.get(timeZone);
  if (cached) return cached;
  // `format` with only the offset is several times faster than `formatToParts` with every field.
  const formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  const created: ZoneClock = { formatter, dayOffsets: new Map() };
  zoneClocks.set(timeZone, created);
  return created;
};

const OFFSET_TEXT = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** UTC offset of the zone at an instant, in milliseconds (seconds too: old local mean times have them). */
const offsetAt = (clock: ZoneClock, instant: number): number => {
  const text = clock.formatter.format(instant);
  const match = OFFSET_TEXT.exec(text);
  if (!match) throw new Error(`unexpected offset text from Intl.DateTimeFormat: ${text}`);
  const [, sign, hours = '0', minutes = '0', seconds = '0'] = match;
  const magnitude = (Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000;
  return sign === '-' ? -magnitude : magnitude;
};

/** The zone's UTC offset at an instant, in milliseconds: one formatter per zone, made once. */
export const zoneOffset = (timeZone: string, instant: number): number =>
  offsetAt(zoneClock(timeZone), instant);

/**
 * The instant a wall-clock time names in a zone; `wall` is that wall time read as if it were UTC.
 * A wall time skipped by a DST gap is moved forward by the gap; one that happens twice takes the
 * later instant. Both are what DuckDB's casts do, and files are read by DuckDB for both stores:
 * a row gets the same instant whether it comes in a file or through the API. Assumes a zone's offset changes at
 * most once in three days: true of every zone in the tz database from 1900 to 2100.
 */
export const zonedWallTimeToInstant = (wall: number, timeZone: string): number => {
  const clock = zoneClock(timeZone);
  const day = Math.floor(wall / DAY_MS);
  let constant = clock.dayOffsets.get(day);
  if (constant === undefined) {
    // Wall times of this day name instants less than a day from it: three days cover them all.
    const before = offsetAt(clock, (day - 1) * DAY_MS);
    const after = offsetAt(clock, (day + 2) * DAY_MS);
    constant = before === after ? before : null;
    if (clock.dayOffsets.size >= MEMO_LIMIT) clock.dayOffsets.clear();
    clock.dayOffsets.set(day, constant);
  }
  if (constant !== null) return wall - constant;
  const before = offsetAt(clock, wall - DAY_MS);
  const after = offsetAt(clock, wall + DAY_MS);
  const withBefore = wall - before;
  const withAfter = wall - after;
  const fitsBefore = offsetAt(clock, withBefore) === before;
  const fitsAfter = offsetAt(clock, withAfter) === after;
  if (fitsBefore && fitsAfter) return Math.max(withBefore, withAfter);
  if (fitsAfter) return withAfter;
  // Fits the earlier offset, or fits neither (a gap): the earlier offset shifts it forward by the gap.
  return withBefore;
};

const validTimeZones = new Map<string, boolean>();

/**
 * An IANA zone name that Intl knows. Offsets such as `+03:00` are refused although newer engines
 * accept them: PostgreSQL reads them with POSIX's inverted sign.
 */
export const isTimeZone = (value: string): boolean => {
  const cached = validTimeZones.get(value);
  if (cached !== undefined) return cached;
  let valid = /^[A-Za-z]/.test(value);
  if (valid) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
    } catch {
      valid = false;
    }
  }
  if (validTimeZones.size >= MEMO_LIMIT) validTimeZones.clear();
  validTimeZones.set(value, valid);
  return valid;
};

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` that is a real calendar date (years 0001–9999). */
export const isDate = (text: string): boolean => {
  const match = DATE.exec(text);
  return match !== null && isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
};

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

/**
 * Reads an ISO 8601 date or date-time as a UTC instant in `toISOString` form, or null. Without
 * `Z` or an offset the wall time is in `timeZone`. Digits past the millisecond are dropped.
 */
export const parseTimestamp = (text: string, timeZone: string): string | null => {
  const match = TIMESTAMP.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone, sign, offsetH = '0', offsetM = '0'] =
    match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const wall =
    daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  let instant: number;
  if (zone === undefined) {
    instant = zonedWallTimeToInstant(wall, timeZone);
  } else if (zone === 'Z') {
    instant = wall;
  } else {
    if (Number(offsetH) > 23 || Number(offsetM) > 59) return null;
    const offset = (Number(offsetH) * 60 + Number(offsetM)) * 60_000;
    instant = sign === '-' ? wall + offset : wall - offset;
  }
  return instant >= MIN_INSTANT && instant <= MAX_INSTANT ? new Date(instant).toISOString() : null;
};
