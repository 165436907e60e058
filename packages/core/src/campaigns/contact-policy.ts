import { z } from 'zod';
import { CHANNELS, type Channel } from '../delivery/channels.ts';
import { zonedWallTimeToInstant, zoneOffset } from '../time/time-zones.ts';

/**
 * One contact policy for every campaign: a pure decision per message, with the time passed in.
 * Every period is the customer's own: a calendar day, an ISO week from Monday, a calendar month
 * in the customer's time zone; quiet hours are local wall times.
 */

export const CAP_PERIODS = ['day', 'week', 'month'] as const;
export type CapPeriod = (typeof CAP_PERIODS)[number];

export const CAP_SCOPES = [...CHANNELS, 'total'] as const;
export type CapScope = (typeof CAP_SCOPES)[number];

export type CapRule = `cap:${CapScope}:${CapPeriod}`;

/** Why the policy refused a message, in the order the rules are checked. */
export type PolicyRule = 'stop_list' | 'cooldown' | CapRule;

export const CAP_RULES: readonly CapRule[] = CAP_SCOPES.flatMap((scope) =>
  CAP_PERIODS.map((period): CapRule => `cap:${scope}:${period}`),
);

export const POLICY_RULES: readonly PolicyRule[] = ['stop_list', 'cooldown', ...CAP_RULES];

const capLimit = z
  .number({ error: 'must be a whole number of messages' })
  .int('must be a whole number of messages')
  .min(0, 'must not be negative');

/** Most messages per local period; an absent period has no cap, 0 allows none. */
export const PeriodCaps = z.strictObject({
  day: capLimit.optional(),
  week: capLimit.optional(),
  month: capLimit.optional(),
});
export type PeriodCaps = z.infer<typeof PeriodCaps>;

const LOCAL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const LocalTime = z.string().regex(LOCAL_TIME, 'must be a local time HH:MM such as 21:00');

/** Local wall times when nothing is sent: `from` inclusive, `to` exclusive; may span midnight. */
export const QuietHours = z
  .strictObject({ from: LocalTime, to: LocalTime })
  .refine((hours) => hours.from !== hours.to, { message: 'from and to must differ', path: ['to'] });
export type QuietHours = z.infer<typeof QuietHours>;

export const ContactPolicy = z.strictObject({
  caps: z
    .strictObject({
      total: PeriodCaps.optional(),
      sms: PeriodCaps.optional(),
      email: PeriodCaps.optional(),
      push: PeriodCaps.optional(),
    })
    .default({}),
  /** `default` applies to every channel without its own entry; a channel's `null` means none. */
  quietHours: z
    .strictObject({
      default: QuietHours.optional(),
      sms: QuietHours.nullable().optional(),
      email: QuietHours.nullable().optional(),
      push: QuietHours.nullable().optional(),
    })
    .default({}),
});
export type ContactPolicy = z.infer<typeof ContactPolicy>;

/** A marketing message already sent or queued for the customer (`at`: when it is, or will be, sent). */
export interface PastContact {
  readonly at: Date;
  readonly channel: Channel;
  readonly offerId: string | null;
}

export type PolicyDecision =
  | { readonly type: 'allowed'; readonly sendAt: Date }
  | { readonly type: 'suppressed'; readonly rule: PolicyRule };

export interface ContactPolicyInput {
  readonly policy: ContactPolicy;
  /** `contactPoint`: the msisdn, e-mail or push token the message would go to, for the stop list. */
  readonly customer: {
    readonly id: string;
    readonly timezone: string;
    readonly contactPoint?: string | undefined;
  };
  readonly channel: Channel;
  readonly offerId: string | null;
  readonly dueAt: Date;
  /** Every marketing contact of this customer on any channel, past or queued, in any order. */
  readonly history: readonly PastContact[];
  /** The offer's cooldown in local calendar days; 0 for none. */
  readonly cooldownDays: number;
  /** Customer ids and contact points never to contact, in the form the caller stores them. */
  readonly stopList: ReadonlySet<string>;
}

/**
 * Decides one message. A message due in quiet hours is not dropped but moved to the end of the
 * quiet period in the customer's zone, and cooldown and caps are checked for the local day, week
 * and month it will really be sent in. Contacts of the same offer closer than `cooldownDays`
 * local calendar days, before or after, suppress it: with a 7-day cooldown, an offer sent on the
 * 1st may go again from the 8th.
 */
export const applyContactPolicy = (input: ContactPolicyInput): PolicyDecision => {
  const { policy, customer, channel, history } = input;
  const zone = customer.timezone;
  if (
    input.stopList.has(customer.id) ||
    (customer.contactPoint !== undefined && input.stopList.has(customer.contactPoint))
  ) {
    return { type: 'suppressed', rule: 'stop_list' };
  }

  const sendAt = afterQuietHours(input.dueAt.getTime(), quietHoursOf(policy, channel), zone);
  const day = localDayOf(sendAt, zone);

  if (input.offerId !== null && input.cooldownDays > 0) {
    const from = startOfLocalDay(day - input.cooldownDays + 1, zone);
    const before = startOfLocalDay(day + input.cooldownDays, zone);
    const offerId = input.offerId;
    if (history.some((c) => c.offerId === offerId && within(c.at.getTime(), from, before))) {
      return { type: 'suppressed', rule: 'cooldown' };
    }
  }

  const periods = localPeriodsOf(day, zone);
  const scopes: readonly [CapScope, PeriodCaps | undefined][] = [
    [channel, policy.caps[channel]],
    ['total', policy.caps.total],
  ];
  for (const [scope, caps] of scopes) {
    if (caps === undefined) continue;
    for (const period of CAP_PERIODS) {
      const limit = caps[period];
      if (limit === undefined) continue;
      const [from, before] = periods[period];
      let count = 0;
      for (const contact of history) {
        if ((scope === 'total' || contact.channel === scope) && within(contact.at.getTime(), from, before)) {
          count += 1;
        }
      }
      if (count >= limit) return { type: 'suppressed', rule: `cap:${scope}:${period}` };
    }
  }
  return { type: 'allowed', sendAt: new Date(sendAt) };
};

const within = (instant: number, from: number, before: number): boolean =>
  instant >= from && instant < before;

// ---------------------------------------------------------------------------------------------
// Quiet hours

const quietHoursOf = (policy: ContactPolicy, channel: Channel): QuietHours | null => {
  const own = policy.quietHours[channel];
  return own === undefined ? (policy.quietHours.default ?? null) : own;
};

const minutesOf = (time: string): number => {
  const match = LOCAL_TIME.exec(time);
  if (!match) throw new Error(`not a local time: ${time}`);
  return Number(match[1]) * 60 + Number(match[2]);
};

const isQuiet = (minute: number, from: number, to: number): boolean =>
  from < to ? minute >= from && minute < to : minute >= from || minute < to;

/**
 * The first instant from `due` outside quiet hours. The end is a local wall time: 09:00 is 09:00
 * on the day clocks change too; an end skipped by a DST gap moves forward by the gap, one that
 * happens twice is its later occurrence. The loop only repeats when a gap pushes the end into
 * the next quiet period, which takes quiet hours of nearly a whole day.
 */
const afterQuietHours = (due: number, quiet: QuietHours | null, zone: string): number => {
  if (quiet === null) return due;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  let instant = due;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const wall = wallTimeOf(instant, zone);
    const day = Math.floor(wall / DAY_MS);
    const minute = Math.floor((wall - day * DAY_MS) / MINUTE_MS);
    if (!isQuiet(minute, from, to)) return instant;
    const endDay = from > to && minute >= from ? day + 1 : day;
    instant = zonedWallTimeToInstant(endDay * DAY_MS + to * MINUTE_MS, zone);
  }
  return instant;
};

// ---------------------------------------------------------------------------------------------
// Local calendar periods

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Bounds memo tables that a base spread over many zones and dates could otherwise grow. */
const MEMO_LIMIT = 10_000;

/** The UTC offset in force all through a UTC day, or null when it changes nearby, by zone. */
const zoneDayOffsets = new Map<string, Map<number, number | null>>();

/**
 * UTC offset of a zone at an instant, in milliseconds. Asking Intl costs microseconds, a run asks
 * for every customer, and offsets stay put for months: a day whose offset is the same a day before
 * and two days after is known to have it throughout (offsets change at most once in three days,
 * as `zonedWallTimeToInstant` also assumes).
 */
const offsetAt = (zone: string, instant: number): number => {
  let days = zoneDayOffsets.get(zone);
  if (days === undefined) {
    days = new Map();
    if (zoneDayOffsets.size >= MEMO_LIMIT) zoneDayOffsets.clear();
    zoneDayOffsets.set(zone, days);
  }
  const day = Math.floor(instant / DAY_MS);
  let constant = days.get(day);
  if (constant === undefined) {
    const before = zoneOffset(zone, (day - 1) * DAY_MS);
    const after = zoneOffset(zone, (day + 2) * DAY_MS);
    constant = before === after ? before : null;
    if (days.size >= MEMO_LIMIT) days.clear();
    days.set(day, constant);
  }
  return constant ?? zoneOffset(zone, instant);
};

/** The local wall time of an instant, read as if it were UTC. */
const wallTimeOf = (instant: number, zone: string): number => instant + offsetAt(zone, instant);

/** Days since 1970-01-01 of the local calendar date of an instant. */
const localDayOf = (instant: number, zone: string): number => Math.floor(wallTimeOf(instant, zone) / DAY_MS);

const dayStarts = new Map<string, Map<number, number>>();

/**
 * The first instant of a local calendar day (days since 1970-01-01). A midnight skipped by a DST
 * gap starts the day at the end of the gap; one that happens twice (clocks turned back to 00:00,
 * as in Havana) starts it at the first occurrence, so the repeated hour belongs to the new day.
 */
const startOfLocalDay = (day: number, zone: string): number => {
  let starts = dayStarts.get(zone);
  if (starts === undefined) {
    starts = new Map();
    if (dayStarts.size >= MEMO_LIMIT) dayStarts.clear();
    dayStarts.set(zone, starts);
  }
  const cached = starts.get(day);
  if (cached !== undefined) return cached;
  const wall = day * DAY_MS;
  const later = zonedWallTimeToInstant(wall, zone);
  // Offsets change at most once in a few hours, so six hours before the later occurrence is
  // within the offset of the earlier one when there is one.
  const earlier = wall - offsetAt(zone, later - 6 * HOUR_MS);
  const start = earlier < later && offsetAt(zone, earlier) === wall - earlier ? earlier : later;
  if (starts.size >= MEMO_LIMIT) starts.clear();
  starts.set(day, start);
  return start;
};

/** `[from, before)` instants of the local day, ISO week (from Monday) and month of a local day. */
const localPeriodsOf = (day: number, zone: string): Record<CapPeriod, readonly [number, number]> => {
  // 1970-01-01 was a Thursday: three days after a Monday.
  const monday = day - ((((day + 3) % 7) + 7) % 7);
  const date = new Date(day * DAY_MS);
  const firstOfMonth = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / DAY_MS;
  const firstOfNextMonth = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / DAY_MS;
  return {
    day: [startOfLocalDay(day, zone), startOfLocalDay(day + 1, zone)],
    week: [startOfLocalDay(monday, zone), startOfLocalDay(monday + 7, zone)],
    month: [startOfLocalDay(firstOfMonth, zone), startOfLocalDay(firstOfNextMonth, zone)],
  };
};
