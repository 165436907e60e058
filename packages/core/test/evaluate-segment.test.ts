import { describe, expect, it } from 'vitest';
import type { NormalizedRow } from '../src/import/records.ts';
import { type RuleClock, recencyRange } from '../src/segments/rule-time.ts';
import type { SegmentRule } from '../src/segments/segment-rule.ts';
import { attribute, clock, customers, dataOf, event, membersOf, where } from './segment-fixtures.ts';

describe('attribute conditions', () => {
  const data = dataOf({
    customers: [
      {
        id: 'a',
        tier: 'gold',
        score: 10,
        visits: 3,
        vip: true,
        birth_date: '1990-05-01',
        signup_at: '2026-03-01T00:00:00.000Z',
        city: 'Berlin',
      },
      {
        id: 'b',
        tier: 'silver',
        score: 2.5,
        visits: 0,
        vip: false,
        city: 'Bonn',
        signup_at: '2026-03-29T09:00:00.000Z',
      },
      { id: 'c', tier: null, score: null, city: 'berlin', birth_date: '2026-03-30' },
      { id: 'd', tier: 'bronze', score: 10, visits: 7 },
      { id: 'e' },
    ],
  });

  it('is false for a missing value, whatever the operator, so not() of it is true', () => {
    expect(membersOf(attribute('tier', '=', { value: 'gold' }), data)).toEqual(['a']);
    expect(membersOf(attribute('tier', '!=', { value: 'gold' }), data)).toEqual(['b', 'd']);
    expect(membersOf({ type: 'not', rule: attribute('tier', '=', { value: 'gold' }) }, data)).toEqual([
      'b',
      'c',
      'd',
      'e',
    ]);
    expect(membersOf(attribute('tier', 'not in', { values: ['gold'] }), data)).toEqual(['b', 'd']);
    expect(membersOf(attribute('tier', 'in', { values: ['gold', 'bronze'] }), data)).toEqual(['a', 'd']);
    expect(membersOf(attribute('tier', 'is null'), data)).toEqual(['c', 'e']);
    expect(membersOf(attribute('score', 'is not null'), data)).toEqual(['a', 'b', 'd']);
  });

  it('matches text case-sensitively', () => {
    expect(membersOf(attribute('city', 'starts with', { value: 'B' }), data)).toEqual(['a', 'b']);
    expect(membersOf(attribute('city', 'contains', { value: 'erl' }), data)).toEqual(['a', 'c']);
    expect(membersOf(attribute('city', '=', { value: 'berlin' }), data)).toEqual(['c']);
  });

  it('compares numbers and booleans, between including both ends', () => {
    expect(membersOf(attribute('score', 'between', { from: 2.5, to: 10 }), data)).toEqual(['a', 'b', 'd']);
    expect(membersOf(attribute('score', '>', { value: 2.5 }), data)).toEqual(['a', 'd']);
    expect(membersOf(attribute('visits', '<=', { value: 3 }), data)).toEqual(['a', 'b']);
    expect(membersOf(attribute('vip', '!=', { value: true }), data)).toEqual(['b']);
  });

  it('compares timestamps as instants, rule text read in the workspace zone, daysAgo as 24-hour days', () => {
    // 11:00 in Berlin on 29 March is summer time already: 09:00 UTC.
    expect(membersOf(attribute('signup_at', '=', { value: '2026-03-29T11:00' }), data)).toEqual(['b']);
    expect(membersOf(attribute('signup_at', '=', { value: '2026-03-29T09:00:00Z' }), data)).toEqual(['b']);
    // now − 24 h = 29 March 10:00 UTC, one hour after b signed up.
    expect(membersOf(attribute('signup_at', '>=', { value: { daysAgo: 1 } }), data)).toEqual([]);
    expect(membersOf(attribute('signup_at', '>=', { value: { daysAgo: 2 } }), data)).toEqual(['b']);
    expect(membersOf(attribute('signup_at', '<', { value: { daysAgo: 2 } }), data)).toEqual(['a']);
  });

  it('reads daysAgo on a date as a calendar day in the workspace time zone', () => {
    expect(membersOf(attribute('birth_date', '=', { value: { daysAgo: 0 } }), data)).toEqual(['c']);
    expect(membersOf(attribute('birth_date', '<', { value: { daysAgo: 0 } }), data)).toEqual(['a']);
    const day = dataOf({ customers: [{ id: 'x', birth_date: '2026-01-15' }] });
    const rule = attribute('birth_date', '=', { value: { daysAgo: 1 } });
    // 23:30 UTC on 15 January: already the 16th in Berlin, still the 15th in New York.
    const now = new Date('2026-01-15T23:30:00.000Z');
    expect(membersOf(rule, day, { now, timezone: 'Europe/Berlin' })).toEqual(['x']);
    expect(membersOf(rule, day, { now, timezone: 'America/New_York' })).toEqual([]);
    expect(
      membersOf(attribute('birth_date', '=', { value: { daysAgo: 0 } }), day, {
        now,
        timezone: 'America/New_York',
      }),
    ).toEqual(['x']);
  });

  it('combines with and, or and not', () => {
    const gold = attribute('tier', '=', { value: 'gold' });
    const highScore = attribute('score', '>=', { value: 10 });
    expect(membersOf({ type: 'and', rules: [gold, highScore] }, data)).toEqual(['a']);
    expect(membersOf({ type: 'or', rules: [gold, highScore] }, data)).toEqual(['a', 'd']);
    expect(membersOf({ type: 'and', rules: [{ type: 'not', rule: gold }, highScore] }, data)).toEqual(['d']);
  });
});

describe('event conditions', () => {
  const data = dataOf({
    customers: customers('a', 'b', 'c', 'd', 'e'),
    events: [
      event('a', 'purchase', '2026-03-20T10:00:00.000Z', { amount: '10.1', sku: 'shoe' }),
      event('a', 'purchase', '2026-03-29T10:00:00.000Z', { amount: '5.05', sku: 'hat', qty: 2 }),
      // After now: not seen yet.
      event('a', 'purchase', '2026-03-30T10:00:00.001Z', { amount: '100' }),
      event('b', 'purchase', '2026-03-25T00:00:00.000Z', { amount: '7.5', sku: 'shoe' }),
      event('b', 'purchase', '2026-03-26T00:00:00.000Z', { amount: null, qty: 1 }),
      event('c', 'refund', '2026-03-28T00:00:00.000Z', { amount: '3' }),
      // In binary floating point 0.1 + 0.1 + 0.1 is not 0.3, nor is 0.3 / 3 equal to 0.1.
      event('d', 'purchase', '2026-03-10T10:00:00.000Z', { amount: '0.1' }),
      event('d', 'purchase', '2026-03-11T10:00:00.000Z', { amount: '0.1' }),
      event('d', 'purchase', '2026-03-12T10:00:00.000Z', { amount: '0.1' }),
      // At now exactly: seen.
      event('e', 'visit', '2026-03-30T10:00:00.000Z', { page: '/home' }),
    ],
  });
  const purchases = (
    aggregate: 'count' | 'sum' | 'avg' | 'min' | 'max',
    op: '=' | '!=' | '<' | '<=' | '>' | '>=',
    value: number,
    more: Partial<Extract<SegmentRule, { type: 'event' }>> = {},
  ): SegmentRule => ({
    type: 'event',
    eventType: 'purchase',
    aggregate,
    ...(aggregate === 'count' ? {} : { field: 'amount' }),
    op,
    value,
    ...more,
  });

  it('counts events up to now; a customer without any counts 0', () => {
    expect(membersOf(purchases('count', '>=', 2), data)).toEqual(['a', 'b', 'd']);
    expect(membersOf(purchases('count', '=', 0), data)).toEqual(['c', 'e']);
    expect(membersOf({ type: 'activity', eventType: 'visit', done: true }, data)).toEqual(['e']);
  });

  it('sums amounts exactly, skipping empty ones; the sum without events is 0', () => {
    expect(membersOf(purchases('sum', '=', 15.15), data)).toEqual(['a']);
    expect(membersOf(purchases('sum', '=', 0.3), data)).toEqual(['d']);
    expect(membersOf(purchases('sum', '=', 7.5), data)).toEqual(['b']);
    expect(membersOf(purchases('sum', '=', 0), data)).toEqual(['c', 'e']);
  });

  it('compares averages exactly and leaves customers without values out', () => {
    expect(membersOf(purchases('avg', '=', 0.1), data)).toEqual(['d']);
    // b's empty amount is skipped: the average of 7.5 alone.
    expect(membersOf(purchases('avg', '=', 7.5), data)).toEqual(['b']);
    expect(membersOf(purchases('avg', '>=', 0), data)).toEqual(['a', 'b', 'd']);
    expect(membersOf(purchases('avg', '!=', 7.5), data)).toEqual(['a', 'd']);
    expect(membersOf(purchases('min', '<', 6), data)).toEqual(['a', 'd']);
    expect(membersOf(purchases('max', '>', 10.0999), data)).toEqual(['a']);
    expect(
      membersOf(
        { type: 'event', eventType: 'purchase', aggregate: 'max', field: 'qty', op: '>=', value: 1 },
        data,
      ),
    ).toEqual(['a', 'b']);
    expect(
      membersOf(
        {
          type: 'event',
          eventType: 'purchase',
          aggregate: 'sum',
          field: 'amount',
          op: 'between',
          from: 7.5,
          to: 15.15,
        },
        data,
      ),
    ).toEqual(['a', 'b']);
  });

  it('filters events with where and windows', () => {
    const shoes = [where('sku', '=', { value: 'shoe' })];
    expect(membersOf(purchases('count', '>=', 1, { where: shoes }), data)).toEqual(['a', 'b']);
    expect(membersOf(purchases('count', '>=', 1, { window: { days: 2 } }), data)).toEqual(['a']);
    expect(
      membersOf(purchases('count', '=', 3, { window: { from: '2026-03-10', to: '2026-03-25' } }), data),
    ).toEqual(['d']);
    const dear = {
      type: 'activity',
      eventType: 'purchase',
      where: [where('amount', '>', { value: 7 })],
    } as const;
    expect(membersOf({ ...dear, done: true }, data)).toEqual(['a', 'b']);
    expect(membersOf({ ...dear, done: false }, data)).toEqual(['c', 'd', 'e']);
  });

  it('measures days since the last or first matching event, rounded down', () => {
    const recency = (more: Partial<Extract<SegmentRule, { type: 'recency' }>>): SegmentRule => ({
      type: 'recency',
      eventType: 'purchase',
      op: '=',
      ...more,
    });
    // Last purchases: a 1 day ago exactly, b 4 days 10 hours, d 18 days. First: a 10, b 5, d 20.
    expect(membersOf(recency({ op: '<=', value: 1 }), data)).toEqual(['a']);
    expect(membersOf(recency({ op: '=', value: 4 }), data)).toEqual(['b']);
    expect(membersOf(recency({ op: '>', value: 4 }), data)).toEqual(['d']);
    expect(membersOf(recency({ op: '!=', value: 4 }), data)).toEqual(['a', 'd']);
    expect(membersOf(recency({ op: 'between', from: 2, to: 19 }), data)).toEqual(['b', 'd']);
    expect(membersOf(recency({ op: '>=', value: 10, since: 'first' }), data)).toEqual(['a', 'd']);
    expect(membersOf(recency({ op: '<', value: 1, eventType: 'visit' }), data)).toEqual(['e']);
    expect(membersOf(recency({ op: '<', value: 0 }), data)).toEqual([]);
  });

  it('agrees with ⌊(now − ts) / 24 h⌋ at the edges of whole days', () => {
    const now = clock.now.getTime();
    const hour = 3_600_000;
    for (const ago of [0, 1, 23 * hour, 24 * hour - 1, 24 * hour, 24 * hour + 1, 72 * hour, 73 * hour]) {
      const ts = new Date(now - ago).toISOString();
      const single = dataOf({ customers: customers('x'), events: [event('x', 'visit', ts)] });
      const days = Math.floor(ago / (24 * hour));
      for (const value of [0, 1, 2, 3]) {
        const rule = (op: '=' | '<' | '>='): SegmentRule => ({
          type: 'recency',
          eventType: 'visit',
          op,
          value,
        });
        expect(membersOf(rule('='), single).length).toBe(days === value ? 1 : 0);
        expect(membersOf(rule('<'), single).length).toBe(days < value ? 1 : 0);
        expect(membersOf(rule('>='), single).length).toBe(days >= value ? 1 : 0);
      }
    }
    expect(recencyRange({ op: '<', value: 0 }, clock).empty).toBe(true);
  });
});

describe('windows across daylight saving changes', () => {
  const counted = (
    window: { from: string; to: string } | { days: number },
    events: NormalizedRow[],
    now = clock,
  ) =>
    membersOf(
      { type: 'event', eventType: 'visit', aggregate: 'count', op: '=', value: 2, window },
      dataOf({ customers: customers('x'), events }),
      now,
    );

  it('holds the 23 hours of the spring-forward day', () => {
    const events = [
      event('x', 'visit', '2026-03-28T22:59:59.999Z'), // 23:59:59 on the 28th, winter time
      event('x', 'visit', '2026-03-28T23:00:00.000Z'), // 00:00 on the 29th
      event('x', 'visit', '2026-03-29T21:59:59.999Z'), // 23:59:59 on the 29th, summer time
      event('x', 'visit', '2026-03-29T22:00:00.000Z'), // 00:00 on the 30th
    ];
    expect(counted({ from: '2026-03-29', to: '2026-03-29' }, events)).toEqual(['x']);
  });

  it('holds the 25 hours of the fall-back day', () => {
    const events = [
      event('x', 'visit', '2026-10-24T21:59:59.999Z'), // 23:59:59 on the 24th, summer time
      event('x', 'visit', '2026-10-24T22:00:00.000Z'), // 00:00 on the 25th
      event('x', 'visit', '2026-10-25T22:59:59.999Z'), // 23:59:59 on the 25th, winter time
      event('x', 'visit', '2026-10-25T23:00:00.000Z'), // 00:00 on the 26th
    ];
    const november: RuleClock = { now: new Date('2026-11-01T00:00:00.000Z'), timezone: 'Europe/Berlin' };
    expect(counted({ from: '2026-10-25', to: '2026-10-25' }, events, november)).toEqual(['x']);
  });

  it('counts a window of days in 24-hour steps, not wall-clock days', () => {
    const noon: RuleClock = { now: new Date('2026-03-29T12:00:00.000Z'), timezone: 'Europe/Berlin' };
    const events = [
      event('x', 'visit', '2026-03-28T11:59:59.999Z'),
      // 13:30 on the 28th in Berlin: before "14:00 yesterday" on the wall clock, yet within 24 hours.
      event('x', 'visit', '2026-03-28T12:30:00.000Z'),
      event('x', 'visit', '2026-03-29T12:00:00.000Z'),
      event('x', 'visit', '2026-03-29T12:00:00.001Z'),
    ];
    expect(counted({ days: 1 }, events, noon)).toEqual(['x']);
  });
});

describe('features, saved segments and lists', () => {
  const data = dataOf({
    customers: customers('a', 'b', 'c'),
    features: new Map([
      ['a', { rfm_r: 5, rfm_monetary: '15.15' }],
      ['b', { rfm_r: null, rfm_monetary: '0.3' }],
    ]),
    lists: new Map([['vips', new Set(['a', 'not-a-customer'])]]),
    segments: (id) =>
      new Map<string, SegmentRule>([
        ['with-r', { type: 'feature', feature: 'rfm_r', op: 'is not null' }],
        ['not-with-r', { type: 'not', rule: { type: 'segment', segment: 'with-r' } }],
      ]).get(id),
  });

  it('reads feature values; a missing one satisfies nothing but is null', () => {
    expect(membersOf({ type: 'feature', feature: 'rfm_r', op: '>=', value: 3 }, data)).toEqual(['a']);
    expect(membersOf({ type: 'feature', feature: 'rfm_r', op: 'is null' }, data)).toEqual(['b', 'c']);
    expect(membersOf({ type: 'feature', feature: 'rfm_r', op: 'not in', values: [1, 2] }, data)).toEqual([
      'a',
    ]);
    expect(membersOf({ type: 'feature', feature: 'rfm_monetary', op: '=', value: 0.3 }, data)).toEqual(['b']);
    expect(
      membersOf({ type: 'feature', feature: 'rfm_monetary', op: 'between', from: 0.3, to: 15.15 }, data),
    ).toEqual(['a', 'b']);
  });

  it('uses saved segments, also through other saved segments', () => {
    expect(membersOf({ type: 'segment', segment: 'with-r' }, data)).toEqual(['a']);
    expect(membersOf({ type: 'segment', segment: 'not-with-r' }, data)).toEqual(['b', 'c']);
  });

  it('takes the customers on a list; ids that are not customers are not members', () => {
    expect(membersOf({ type: 'list', list: 'vips' }, data)).toEqual(['a']);
    expect(membersOf({ type: 'list', list: 'nobody' }, data)).toEqual([]);
  });
});
