import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyContactPolicy,
  CAP_PERIODS,
  CAP_RULES,
  CAP_SCOPES,
  type CapPeriod,
  type CapScope,
  ContactPolicy,
  type ContactPolicyInput,
  type PastContact,
  type PeriodCaps,
  type PolicyDecision,
  type QuietHours,
} from '../src/campaigns/contact-policy.ts';
import { CHANNELS, type Channel } from '../src/workspace/workspace-schema.ts';

const at = (iso: string): Date => new Date(iso);

const policyOf = (input: unknown): ContactPolicy => ContactPolicy.parse(input);

const sent = (iso: string, channel: Channel = 'sms', offerId: string | null = null): PastContact => ({
  at: at(iso),
  channel,
  offerId,
});

/** One decision with everything not under test switched off. */
const decide = (
  overrides: Partial<Omit<ContactPolicyInput, 'dueAt'>> & { readonly dueAt: string; readonly zone?: string },
): PolicyDecision => {
  const { zone = 'Europe/Berlin', dueAt, ...rest } = overrides;
  return applyContactPolicy({
    policy: policyOf({}),
    customer: { id: 'C1', timezone: zone },
    channel: 'sms',
    offerId: null,
    history: [],
    cooldownDays: 0,
    stopList: new Set(),
    ...rest,
    dueAt: at(dueAt),
  });
};

const allowedAt = (iso: string): PolicyDecision => ({ type: 'allowed', sendAt: at(iso) });
const suppressed = (rule: string): { type: 'suppressed'; rule: string } => ({ type: 'suppressed', rule });

describe('ContactPolicy schema', () => {
  it('accepts caps per channel and in total, and quiet hours global or per channel', () => {
    const policy = policyOf({
      caps: { total: { day: 1, week: 3, month: 8 }, sms: { week: 2 } },
      quietHours: {
        default: { from: '21:00', to: '09:00' },
        push: { from: '22:30', to: '08:00' },
        email: null,
      },
    });
    expect(policy.caps.total).toEqual({ day: 1, week: 3, month: 8 });
    expect(policyOf({})).toEqual({ caps: {}, quietHours: {} });
  });

  it('refuses malformed caps and times', () => {
    for (const input of [
      { caps: { total: { day: -1 } } },
      { caps: { total: { day: 1.5 } } },
      { caps: { fax: { day: 1 } } },
      { caps: { sms: { year: 1 } } },
      { quietHours: { default: { from: '24:00', to: '09:00' } } },
      { quietHours: { default: { from: '9:00', to: '21:00' } } },
      { quietHours: { default: { from: '09:00', to: '09:00' } } },
      { quietHours: { default: null } },
    ]) {
      expect(ContactPolicy.safeParse(input).success, JSON.stringify(input)).toBe(false);
    }
  });

  it('names a cap rule for every channel and the total in every period', () => {
    expect(CAP_RULES).toHaveLength((CHANNELS.length + 1) * 3);
    expect(CAP_RULES).toContain('cap:push:month');
    expect(CAP_RULES).toContain('cap:total:week');
  });
});

describe('stop list', () => {
  it('suppresses by customer id or by contact point, before anything else', () => {
    const history = [sent('2026-03-10T08:00:00Z')];
    const policy = policyOf({ caps: { total: { day: 1 } } });
    const base = { policy, history, dueAt: '2026-03-10T10:00:00Z' };
    expect(decide({ ...base, stopList: new Set(['C1']) })).toEqual(suppressed('stop_list'));
    expect(
      decide({
        ...base,
        customer: { id: 'C1', timezone: 'Europe/Berlin', contactPoint: '+79991234567' },
        stopList: new Set(['+79991234567']),
      }),
    ).toEqual(suppressed('stop_list'));
    expect(decide({ ...base, stopList: new Set(['C2', '+70000000000']) })).toEqual(
      suppressed('cap:total:day'),
    );
  });
});

describe('caps in the customer’s own calendar', () => {
  const dayCap = policyOf({ caps: { total: { day: 1 } } });

  it('counts the local day: the same instant is another day in Vladivostok than in Kaliningrad', () => {
    // 05:00Z is 15:00 on 10 March in Vladivostok (UTC+10) and 07:00 on 10 March in Kaliningrad (UTC+2);
    // 15:00Z is 01:00 on 11 March in Vladivostok but 17:00 on 10 March in Kaliningrad.
    const history = [sent('2026-03-10T05:00:00Z')];
    const dueAt = '2026-03-10T15:00:00Z';
    expect(decide({ zone: 'Asia/Vladivostok', policy: dayCap, history, dueAt })).toEqual(allowedAt(dueAt));
    expect(decide({ zone: 'Europe/Kaliningrad', policy: dayCap, history, dueAt })).toEqual(
      suppressed('cap:total:day'),
    );
  });

  it('counts the local ISO week from Monday', () => {
    const weekCap = policyOf({ caps: { total: { week: 1 } } });
    // 15 March 2026 is a Sunday. 15:00Z on Sunday is already Monday 01:00 in Vladivostok.
    const history = [sent('2026-03-09T12:00:00Z')]; // Monday 9 March everywhere
    const dueAt = '2026-03-15T15:00:00Z';
    expect(decide({ zone: 'Asia/Vladivostok', policy: weekCap, history, dueAt })).toEqual(allowedAt(dueAt));
    expect(decide({ zone: 'Europe/Kaliningrad', policy: weekCap, history, dueAt })).toEqual(
      suppressed('cap:total:week'),
    );
    // Sunday 22:00 Kaliningrad and the Monday before count in one week; the next Monday does not.
    expect(
      decide({ zone: 'Europe/Kaliningrad', policy: weekCap, history, dueAt: '2026-03-15T20:00:00Z' }),
    ).toEqual(suppressed('cap:total:week'));
    expect(
      decide({ zone: 'Europe/Kaliningrad', policy: weekCap, history, dueAt: '2026-03-15T22:00:00Z' }),
    ).toEqual(allowedAt('2026-03-15T22:00:00Z'));
  });

  it('counts the local calendar month, and weeks across a new year', () => {
    const monthCap = policyOf({ caps: { total: { month: 2 } } });
    const history = [sent('2026-03-02T12:00:00Z'), sent('2026-03-20T12:00:00Z')];
    // 31 March 20:00Z: 1 April 06:00 in Vladivostok, 31 March 22:00 in Kaliningrad.
    const dueAt = '2026-03-31T20:00:00Z';
    expect(decide({ zone: 'Asia/Vladivostok', policy: monthCap, history, dueAt })).toEqual(allowedAt(dueAt));
    expect(decide({ zone: 'Europe/Kaliningrad', policy: monthCap, history, dueAt })).toEqual(
      suppressed('cap:total:month'),
    );

    // ISO week 1 of 2027 starts on Monday 4 January; 28 Dec 2026 – 3 Jan 2027 is one week.
    const weekCap = policyOf({ caps: { total: { week: 1 } } });
    const newYear = [sent('2026-12-28T12:00:00Z')];
    expect(decide({ policy: weekCap, history: newYear, dueAt: '2027-01-03T12:00:00Z' })).toEqual(
      suppressed('cap:total:week'),
    );
    expect(decide({ policy: weekCap, history: newYear, dueAt: '2027-01-04T12:00:00Z' })).toEqual(
      allowedAt('2027-01-04T12:00:00Z'),
    );
  });

  it('caps a channel separately from the total and reports the channel first', () => {
    const policy = policyOf({ caps: { sms: { day: 1 }, total: { day: 2 } } });
    const history = [sent('2026-03-10T08:00:00Z', 'sms')];
    const dueAt = '2026-03-10T12:00:00Z';
    expect(decide({ policy, history, dueAt })).toEqual(suppressed('cap:sms:day'));
    expect(decide({ policy, history, dueAt, channel: 'email' })).toEqual(allowedAt(dueAt));
    const twoSent = [...history, sent('2026-03-10T09:00:00Z', 'push')];
    expect(decide({ policy, history: twoSent, dueAt, channel: 'email' })).toEqual(
      suppressed('cap:total:day'),
    );
    expect(decide({ policy: policyOf({ caps: { push: { month: 0 } } }), dueAt, channel: 'push' })).toEqual(
      suppressed('cap:push:month'),
    );
  });

  it('counts messages queued for later in the same period', () => {
    const history = [sent('2026-03-10T17:00:00Z')];
    expect(decide({ policy: dayCap, history, dueAt: '2026-03-10T08:00:00Z' })).toEqual(
      suppressed('cap:total:day'),
    );
  });

  it('has a 23-hour day when Berlin springs forward and a 25-hour one when it falls back', () => {
    // 29 March 2026 in Berlin: 2026-03-28T23:00Z to 2026-03-29T22:00Z.
    const spring = [sent('2026-03-28T23:30:00Z')];
    expect(decide({ policy: dayCap, history: spring, dueAt: '2026-03-29T21:59:00Z' })).toEqual(
      suppressed('cap:total:day'),
    );
    expect(decide({ policy: dayCap, history: spring, dueAt: '2026-03-29T22:00:00Z' })).toEqual(
      allowedAt('2026-03-29T22:00:00Z'),
    );
    // 25 October 2026: 2026-10-24T22:00Z to 2026-10-25T23:00Z.
    const autumn = [sent('2026-10-24T22:00:00Z')];
    expect(decide({ policy: dayCap, history: autumn, dueAt: '2026-10-25T22:30:00Z' })).toEqual(
      suppressed('cap:total:day'),
    );
    expect(decide({ policy: dayCap, history: autumn, dueAt: '2026-10-25T23:00:00Z' })).toEqual(
      allowedAt('2026-10-25T23:00:00Z'),
    );
  });

  it('starts a day at its first instant when midnight is skipped or happens twice (Havana)', () => {
    const zone = 'America/Havana';
    // 8 March 2026: clocks jump from 00:00 to 01:00 (05:00Z), so 7 March ends at 05:00Z.
    expect(
      decide({
        zone,
        policy: dayCap,
        history: [sent('2026-03-08T04:59:00Z')],
        dueAt: '2026-03-08T05:00:00Z',
      }),
    ).toEqual(allowedAt('2026-03-08T05:00:00Z'));
    // 1 November 2026: clocks go back from 01:00 to 00:00; the first 00:30 (04:30Z) is already 1 November.
    expect(
      decide({
        zone,
        policy: dayCap,
        history: [sent('2026-11-01T04:30:00Z')],
        dueAt: '2026-11-01T05:30:00Z',
      }),
    ).toEqual(suppressed('cap:total:day'));
    expect(
      decide({
        zone,
        policy: dayCap,
        history: [sent('2026-11-01T03:59:00Z')],
        dueAt: '2026-11-01T04:00:00Z',
      }),
    ).toEqual(allowedAt('2026-11-01T04:00:00Z'));
  });
});

describe('quiet hours', () => {
  const night = policyOf({ quietHours: { default: { from: '21:00', to: '09:00' } } });

  it('moves a message due at night to 09:00 in the customer’s zone', () => {
    const dueAt = '2026-03-10T12:00:00Z';
    // 22:00 in Vladivostok → 09:00 next morning there (23:00Z).
    expect(decide({ zone: 'Asia/Vladivostok', policy: night, dueAt })).toEqual(
      allowedAt('2026-03-10T23:00:00Z'),
    );
    // 14:00 in Kaliningrad: not quiet.
    expect(decide({ zone: 'Europe/Kaliningrad', policy: night, dueAt })).toEqual(allowedAt(dueAt));
    // 08:00 EDT in New York (DST began 8 March): 09:00 the same morning.
    expect(decide({ zone: 'America/New_York', policy: night, dueAt })).toEqual(
      allowedAt('2026-03-10T13:00:00Z'),
    );
    // 21:00 is quiet, 09:00 is not.
    expect(decide({ zone: 'Europe/Kaliningrad', policy: night, dueAt: '2026-03-10T19:00:00Z' })).toEqual(
      allowedAt('2026-03-11T07:00:00Z'),
    );
    expect(decide({ zone: 'Europe/Kaliningrad', policy: night, dueAt: '2026-03-11T07:00:00Z' })).toEqual(
      allowedAt('2026-03-11T07:00:00Z'),
    );
  });

  it('handles quiet hours within a day, per channel, and none for a channel', () => {
    const policy = policyOf({
      quietHours: {
        default: { from: '21:00', to: '09:00' },
        push: { from: '13:00', to: '14:30' },
        email: null,
      },
    });
    const dueAt = '2026-03-10T12:00:00Z'; // 13:00 in Berlin
    expect(decide({ policy, dueAt, channel: 'push' })).toEqual(allowedAt('2026-03-10T13:30:00Z'));
    expect(decide({ policy, dueAt, channel: 'sms' })).toEqual(allowedAt(dueAt));
    expect(decide({ policy, dueAt: '2026-03-10T23:00:00Z', channel: 'email' })).toEqual(
      allowedAt('2026-03-10T23:00:00Z'),
    );
    expect(decide({ policy, dueAt: '2026-03-10T23:00:00Z', channel: 'sms' })).toEqual(
      allowedAt('2026-03-11T08:00:00Z'),
    );
  });

  it('ends at 09:00 local wall time on the days Berlin changes clocks', () => {
    // 23:00 CET on 28 March → 09:00 CEST on 29 March = 07:00Z (not 08:00Z).
    expect(decide({ policy: night, dueAt: '2026-03-28T22:00:00Z' })).toEqual(
      allowedAt('2026-03-29T07:00:00Z'),
    );
    // 22:00 CEST on 24 October → 09:00 CET on 25 October = 08:00Z.
    expect(decide({ policy: night, dueAt: '2026-10-24T20:00:00Z' })).toEqual(
      allowedAt('2026-10-25T08:00:00Z'),
    );
  });

  it('moves an end skipped by the spring gap forward and takes the later of a repeated one', () => {
    const toHalfPastTwo = policyOf({ quietHours: { default: { from: '22:00', to: '02:30' } } });
    // 02:30 does not exist on 29 March in Berlin: 03:30 CEST = 01:30Z.
    expect(decide({ policy: toHalfPastTwo, dueAt: '2026-03-28T23:30:00Z' })).toEqual(
      allowedAt('2026-03-29T01:30:00Z'),
    );
    // 02:30 happens twice on 25 October: 01:15 CEST waits until the second, 02:30 CET = 01:30Z.
    expect(decide({ policy: toHalfPastTwo, dueAt: '2026-10-24T23:15:00Z' })).toEqual(
      allowedAt('2026-10-25T01:30:00Z'),
    );
  });

  it('checks caps in the period the message will really be sent in', () => {
    const policy = policyOf({
      caps: { total: { day: 1 } },
      quietHours: { default: { from: '21:00', to: '09:00' } },
    });
    const zone = 'Asia/Vladivostok';
    const dueAt = '2026-03-10T12:00:00Z'; // 22:00 on 10 March, sent at 09:00 on 11 March
    // A contact earlier on 10 March does not count against 11 March …
    expect(decide({ zone, policy, dueAt, history: [sent('2026-03-10T02:00:00Z')] })).toEqual(
      allowedAt('2026-03-10T23:00:00Z'),
    );
    // … one on 11 March does.
    expect(decide({ zone, policy, dueAt, history: [sent('2026-03-11T03:00:00Z')] })).toEqual(
      suppressed('cap:total:day'),
    );
  });
});

describe('offer cooldown', () => {
  const history = [sent('2026-03-01T10:00:00Z', 'sms', 'offer-a')];

  it('holds an offer back for the given local calendar days, whatever the channel', () => {
    const base = { history, offerId: 'offer-a', cooldownDays: 7 };
    expect(decide({ ...base, dueAt: '2026-03-07T22:59:00Z', channel: 'email' })).toEqual(
      suppressed('cooldown'),
    );
    // 8 March starts at 23:00Z on 7 March in Berlin.
    expect(decide({ ...base, dueAt: '2026-03-07T23:00:00Z', channel: 'email' })).toEqual(
      allowedAt('2026-03-07T23:00:00Z'),
    );
    expect(decide({ ...base, dueAt: '2026-03-02T10:00:00Z', offerId: 'offer-b' })).toEqual(
      allowedAt('2026-03-02T10:00:00Z'),
    );
    expect(decide({ ...base, dueAt: '2026-03-02T10:00:00Z', offerId: null })).toEqual(
      allowedAt('2026-03-02T10:00:00Z'),
    );
    expect(decide({ ...base, dueAt: '2026-03-01T11:00:00Z', cooldownDays: 0 })).toEqual(
      allowedAt('2026-03-01T11:00:00Z'),
    );
    expect(decide({ ...base, dueAt: '2026-03-01T23:00:00Z', cooldownDays: 1 })).toEqual(
      allowedAt('2026-03-01T23:00:00Z'),
    );
  });

  it('also counts a contact of the offer queued for later', () => {
    expect(decide({ history, offerId: 'offer-a', cooldownDays: 3, dueAt: '2026-02-27T10:00:00Z' })).toEqual(
      suppressed('cooldown'),
    );
    expect(decide({ history, offerId: 'offer-a', cooldownDays: 3, dueAt: '2026-02-26T10:00:00Z' })).toEqual(
      allowedAt('2026-02-26T10:00:00Z'),
    );
  });

  it('is checked on the day the message is really sent', () => {
    const policy = policyOf({ quietHours: { default: { from: '21:00', to: '09:00' } } });
    // Due 22:00 on 7 March (cooldown still running), sent 09:00 on 8 March (over).
    expect(
      decide({ policy, history, offerId: 'offer-a', cooldownDays: 7, dueAt: '2026-03-07T21:00:00Z' }),
    ).toEqual(allowedAt('2026-03-08T08:00:00Z'));
  });
});

// ---------------------------------------------------------------------------------------------
// Property: replaying due messages never breaks a cap, a cooldown or quiet hours.

const DAY_MS = 86_400_000;

/** Local calendar fields of an instant, straight from Intl: an independent reference. */
const localParts = (instant: Date, zone: string) => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const field = (type: string): number => Number(parts.find((part) => part.type === type)?.value);
  const date = Date.UTC(field('year'), field('month') - 1, field('day'));
  const weekday = new Date(date).getUTCDay();
  return {
    day: date / DAY_MS,
    keys: {
      day: new Date(date).toISOString().slice(0, 10),
      week: new Date(date - ((weekday + 6) % 7) * DAY_MS).toISOString().slice(0, 10),
      month: `${field('year')}-${field('month')}`,
    } satisfies Record<CapPeriod, string>,
    minute: field('hour') * 60 + field('minute'),
  };
};

const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));

const isQuietAt = (instant: Date, zone: string, quiet: QuietHours | null): boolean => {
  if (quiet === null) return false;
  const [from, to] = [minutesOf(quiet.from), minutesOf(quiet.to)];
  const { minute } = localParts(instant, zone);
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
};

const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

const periodCaps = fc.record(
  {
    day: fc.integer({ min: 0, max: 3 }),
    week: fc.integer({ min: 0, max: 6 }),
    month: fc.integer({ min: 0, max: 12 }),
  },
  { requiredKeys: [] },
);

const policyArbitrary = fc
  .record({
    caps: fc.record(
      { total: periodCaps, sms: periodCaps, email: periodCaps, push: periodCaps },
      { requiredKeys: [] },
    ),
    quietHours: fc.record(
      {
        default: fc.record({ from: hhmm, to: hhmm }),
        sms: fc.option(fc.record({ from: hhmm, to: hhmm })),
      },
      { requiredKeys: [] },
    ),
  })
  .filter((policy) => ContactPolicy.safeParse(policy).success)
  .map((policy) => ContactPolicy.parse(policy));

const ZONES = [
  'Europe/Berlin',
  'Asia/Vladivostok',
  'Europe/Kaliningrad',
  'America/New_York',
  'America/Havana',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Pacific/Chatham',
];

/** Starts near DST changes, month ends and a new year. */
const STARTS = [
  '2026-03-05T00:00:00Z',
  '2026-03-25T00:00:00Z',
  '2026-10-22T00:00:00Z',
  '2026-10-29T00:00:00Z',
  '2026-12-24T00:00:00Z',
];

const COOLDOWNS: Readonly<Record<string, number>> = { a: 0, b: 2, c: 5 };

describe('replaying due messages through the policy', () => {
  it('never exceeds a cap in any local day, week or month, nor a cooldown, nor sends in quiet hours', () => {
    fc.assert(
      fc.property(
        policyArbitrary,
        fc.constantFrom(...ZONES),
        fc.constantFrom(...STARTS),
        fc.array(
          fc.record({
            minutes: fc.integer({ min: 0, max: 40 * 24 * 60 }),
            channel: fc.constantFrom(...CHANNELS),
            offerId: fc.constantFrom('a', 'b', 'c', null),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (policy, zone, start, messages) => {
          const history: PastContact[] = [];
          for (const message of messages) {
            const dueAt = new Date(Date.parse(start) + message.minutes * 60_000);
            const cooldownDays = message.offerId === null ? 0 : (COOLDOWNS[message.offerId] ?? 0);
            const decision = applyContactPolicy({
              policy,
              customer: { id: 'C1', timezone: zone },
              channel: message.channel,
              offerId: message.offerId,
              dueAt,
              history,
              cooldownDays,
              stopList: new Set(),
            });
            if (decision.type === 'suppressed') continue;
            const { sendAt } = decision;
            expect(sendAt.getTime()).toBeGreaterThanOrEqual(dueAt.getTime());
            expect(sendAt.getTime() - dueAt.getTime()).toBeLessThan(2 * DAY_MS);
            const own = policy.quietHours[message.channel];
            const quiet = own === undefined ? (policy.quietHours.default ?? null) : own;
            expect(isQuietAt(sendAt, zone, quiet), `${sendAt.toISOString()} in ${zone}`).toBe(false);
            if (!isQuietAt(dueAt, zone, quiet)) expect(sendAt).toEqual(dueAt);
            history.push({ at: sendAt, channel: message.channel, offerId: message.offerId });
          }

          const capsOf = (scope: CapScope): PeriodCaps | undefined =>
            scope === 'total' ? policy.caps.total : policy.caps[scope];
          for (const scope of CAP_SCOPES) {
            for (const period of CAP_PERIODS) {
              const limit = capsOf(scope)?.[period];
              if (limit === undefined) continue;
              const counts = new Map<string, number>();
              for (const contact of history) {
                if (scope !== 'total' && contact.channel !== scope) continue;
                const key = localParts(contact.at, zone).keys[period];
                counts.set(key, (counts.get(key) ?? 0) + 1);
              }
              for (const [key, count] of counts) {
                expect(count, `${scope} ${period} ${key}`).toBeLessThanOrEqual(limit);
              }
            }
          }

          for (const [i, first] of history.entries()) {
            for (const second of history.slice(i + 1)) {
              if (first.offerId === null || first.offerId !== second.offerId) continue;
              const gap = Math.abs(localParts(first.at, zone).day - localParts(second.at, zone).day);
              expect(gap).toBeGreaterThanOrEqual(COOLDOWNS[first.offerId] ?? 0);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
