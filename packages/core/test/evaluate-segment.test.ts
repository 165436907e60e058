import { describe, expect, it } from 'vitest';
import type { NormalizedRow } from '../src/import/records.ts';
import { bucketOf, hashOf } from '../src/segments/bucket.ts';
import { checkSegmentRule } from '../src/segments/check-segment-rule.ts';
import {
  computeRfm,
  evaluateSegment,
  type ReferenceData,
  type ReferenceRelation,
} from '../src/segments/evaluate-segment.ts';
import { RFM_PRESETS } from '../src/segments/features.ts';
import { type RuleClock, recencyRange } from '../src/segments/rule-time.ts';
import type { AttributeCondition, SegmentRule } from '../src/segments/segment-rule.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../src/workspace/workspace-schema.ts';

const shop = ((): WorkspaceSchema => {
  const parsed = parseWorkspaceSchema({
    workspace: { name: 'Shop', currency: 'EUR', timezone: 'Europe/Berlin' },
    customer: {
      attributes: {
        tier: { type: 'enum', values: ['gold', 'silver', 'bronze'] },
        birth_date: { type: 'date' },
        score: { type: 'number' },
        visits: { type: 'integer' },
        vip: { type: 'boolean' },
        signup_at: { type: 'timestamp' },
        city: { type: 'string' },
      },
    },
    events: {
      purchase: { amount: true, attributes: { sku: { type: 'string' }, qty: { type: 'integer' } } },
      refund: { amount: true },
      visit: { attributes: { page: { type: 'string' } } },
    },
    relations: { kinds: ['family', 'referral'] },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
})();

/** Monday after the spring change to summer time in Berlin (29 March 2026, 02:00 → 03:00). */
const clock: RuleClock = { now: new Date('2026-03-30T10:00:00.000Z'), timezone: 'Europe/Berlin' };

let eventNumber = 0;
const event = (customerId: string, type: string, ts: string, fields: NormalizedRow = {}): NormalizedRow => {
  eventNumber += 1;
  return {
    id: `e${eventNumber}`,
    customer_id: customerId,
    type,
    ts,
    amount: null,
    currency: null,
    ...fields,
  };
};

const customers = (...ids: string[]): NormalizedRow[] => ids.map((id) => ({ id }));

const dataOf = (data: Partial<ReferenceData>): ReferenceData => ({
  customers: [],
  events: [],
  relations: [],
  ...data,
});

/** Members, sorted; the rule must pass the schema check, as every stored rule has. */
const membersOf = (rule: SegmentRule, data: ReferenceData, at: RuleClock = clock): string[] => {
  const checked = checkSegmentRule(rule, { schema: shop });
  if (!checked.ok) throw new Error(JSON.stringify(checked.error.issues));
  return [...evaluateSegment(rule, data, { schema: shop, clock: at })].sort();
};

const where = (attribute: string, op: AttributeCondition['op'], more: Partial<AttributeCondition> = {}) => ({
  attribute,
  op,
  ...more,
});
const attribute = (
  name: string,
  op: AttributeCondition['op'],
  more: Partial<AttributeCondition> = {},
): SegmentRule => ({ type: 'attribute', ...where(name, op, more) });

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

describe('graph', () => {
  const relations: ReferenceRelation[] = [
    { src: 'n1', dst: 'n2', kind: 'family', weight: 1 },
    { src: 'n1', dst: 'n2', kind: 'referral', weight: 4 },
    { src: 'n1', dst: 'n3', kind: 'referral', weight: 5 },
    { src: 'n2', dst: 'n4', kind: 'family', weight: 2 },
    // x is no customer, but a path runs through it.
    { src: 'n3', dst: 'x', kind: 'family', weight: 1 },
    { src: 'x', dst: 'n5', kind: 'family', weight: 1 },
    { src: 'n6', dst: 'n1', kind: 'family', weight: 3 },
  ];
  const data = dataOf({ customers: customers('n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'), relations });
  const graph = (more: Partial<Extract<SegmentRule, { type: 'graph' }>>): SegmentRule => ({
    type: 'graph',
    base: attribute('id', '=', { value: 'n1' }),
    hops: 1,
    ...more,
  });

  it('follows relations hop by hop, in the given direction, through ids that are not customers', () => {
    expect(membersOf(graph({}), data)).toEqual(['n1', 'n2', 'n3', 'n6']);
    expect(membersOf(graph({ direction: 'out' }), data)).toEqual(['n1', 'n2', 'n3']);
    expect(membersOf(graph({ direction: 'in' }), data)).toEqual(['n1', 'n6']);
    expect(membersOf(graph({ hops: 2 }), data)).toEqual(['n1', 'n2', 'n3', 'n4', 'n6']);
    expect(membersOf(graph({ hops: 3 }), data)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    expect(membersOf(graph({ hops: 3, direction: 'in' }), data)).toEqual(['n1', 'n6']);
    expect(membersOf(graph({ excludeBase: true, direction: 'out' }), data)).toEqual(['n2', 'n3']);
  });

  it('follows only the given kinds, at or above the minimum weight', () => {
    expect(membersOf(graph({ hops: 3, kinds: ['referral'] }), data)).toEqual(['n1', 'n2', 'n3']);
    expect(membersOf(graph({ hops: 2, minWeight: 3 }), data)).toEqual(['n1', 'n2', 'n3', 'n6']);
    expect(membersOf(graph({ hops: 2, minWeight: 4 }), data)).toEqual(['n1', 'n2', 'n3']);
  });

  it('caps the found customers by hop, then strongest reaching edge, then id', () => {
    // Hop 1: n3 (5), n2 (4: the referral, not the family edge of 1), n6 (3); hop 2: n4.
    expect(membersOf(graph({ hops: 2, cap: 2 }), data)).toEqual(['n1', 'n2', 'n3']);
    expect(membersOf(graph({ hops: 2, cap: 2, excludeBase: true }), data)).toEqual(['n2', 'n3']);
    // Family only: n6 (3), n2 (1) at hop 1 come before n4 (2) at hop 2.
    expect(membersOf(graph({ hops: 2, cap: 2, kinds: ['family'] }), data)).toEqual(['n1', 'n2', 'n6']);
    const tie = dataOf({
      customers: customers('base', 'b', 'a', 'c'),
      relations: [
        { src: 'base', dst: 'b', kind: 'family', weight: 1 },
        { src: 'base', dst: 'c', kind: 'family', weight: 1 },
        { src: 'a', dst: 'base', kind: 'family', weight: 1 },
      ],
    });
    const capped: SegmentRule = {
      type: 'graph',
      base: attribute('id', '=', { value: 'base' }),
      hops: 1,
      cap: 2,
    };
    expect(membersOf(capped, tie)).toEqual(['a', 'b', 'base']);
  });
});

describe('top', () => {
  const data = dataOf({
    customers: [
      { id: 'a', score: 10, birth_date: '1990-01-01', signup_at: '2026-01-02T00:00:00.000Z' },
      { id: 'b', score: 2.5, birth_date: '1985-06-30', signup_at: '2026-01-01T23:00:00.000Z' },
      { id: 'c', score: null },
      { id: 'd', score: 10, birth_date: '2001-12-31' },
      { id: 'e', score: 7 },
    ],
    events: [
      event('a', 'purchase', '2026-03-01T00:00:00.000Z', { amount: '1' }),
      event('a', 'purchase', '2026-03-02T00:00:00.000Z', { amount: '2' }),
      event('b', 'purchase', '2026-03-01T00:00:00.000Z', { amount: '1.5' }),
      event('e', 'purchase', '2026-03-01T00:00:00.000Z', { amount: '3' }),
      event('e', 'purchase', '2026-03-01T00:00:00.000Z', { amount: null }),
    ],
  });
  const top = (by: Extract<SegmentRule, { type: 'top' }>['by'], n: number, more = {}): SegmentRule => ({
    type: 'top',
    by,
    n,
    ...more,
  });
  const score = { type: 'attribute', attribute: 'score' } as const;

  it('ranks by the measure, highest first, ties by id; customers without a value are left out', () => {
    expect(membersOf(top(score, 1), data)).toEqual(['a']);
    expect(membersOf(top(score, 3), data)).toEqual(['a', 'd', 'e']);
    expect(membersOf(top(score, 1, { order: 'asc' }), data)).toEqual(['b']);
    expect(membersOf(top(score, 10), data)).toEqual(['a', 'b', 'd', 'e']);
    expect(membersOf(top(score, 1, { of: attribute('score', '<', { value: 10 }) }), data)).toEqual(['e']);
  });

  it('ranks by dates, timestamps and event measures', () => {
    expect(membersOf(top({ type: 'attribute', attribute: 'birth_date' }, 1), data)).toEqual(['d']);
    expect(membersOf(top({ type: 'attribute', attribute: 'signup_at' }, 1, { order: 'asc' }), data)).toEqual([
      'b',
    ]);
    const purchases = { type: 'event', eventType: 'purchase' } as const;
    // Counts: a 2, e 2, b 1, c and d 0 (a count is never missing).
    expect(membersOf(top({ ...purchases, aggregate: 'count' }, 2), data)).toEqual(['a', 'e']);
    expect(membersOf(top({ ...purchases, aggregate: 'count' }, 2, { order: 'asc' }), data)).toEqual([
      'c',
      'd',
    ]);
    // Averages: e 3, a 1.5, b 1.5 — c and d have none.
    expect(membersOf(top({ ...purchases, aggregate: 'avg', field: 'amount' }, 2), data)).toEqual(['a', 'e']);
    expect(
      membersOf(top({ ...purchases, aggregate: 'avg', field: 'amount' }, 9, { order: 'asc' }), data),
    ).toEqual(['a', 'b', 'e']);
    expect(
      membersOf(top({ ...purchases, aggregate: 'avg', field: 'amount' }, 1, { order: 'asc' }), data),
    ).toEqual(['a']);
  });

  it('orders tied ids by their bytes, as PostgreSQL\'s "C" collation does', () => {
    // UTF-16 puts the emoji (a surrogate pair, 0xD83D…) before U+FF5E; code points, like UTF-8 bytes, do not.
    const tied = dataOf({ customers: ['\u{1F600}', '\uFF5E', 'a', 'B'].map((id) => ({ id, score: 1 })) });
    expect(membersOf(top(score, 1), tied)).toEqual(['B']);
    expect(membersOf(top(score, 2), tied)).toEqual(['B', 'a']);
    expect(membersOf(top(score, 3), tied)).toContain('\uFF5E');
    expect(membersOf(top(score, 3), tied)).not.toContain('\u{1F600}');
  });
});

describe('sample', () => {
  const ids = Array.from({ length: 1000 }, (_, index) => `c${index}`);
  const data = dataOf({ customers: ids.map((id) => ({ id, vip: Number(id.slice(1)) % 2 === 0 })) });

  it('takes the customers whose bucket is below percent × 100: stable, and close to the share', () => {
    const rule: SegmentRule = { type: 'sample', percent: 20, seed: 'spring' };
    const members = membersOf(rule, data);
    expect(members).toEqual(ids.filter((id) => bucketOf('spring', id) < 2000).sort());
    expect(members.length).toBeGreaterThan(150);
    expect(members.length).toBeLessThan(250);
    expect(membersOf(rule, data)).toEqual(members);
    expect(membersOf({ ...rule, seed: 'autumn' }, data)).not.toEqual(members);
    expect(membersOf({ ...rule, percent: 100 }, data)).toHaveLength(1000);
  });

  it('takes the first count by hash, from the customers matching of', () => {
    const vips = attribute('vip', '=', { value: true });
    const members = membersOf({ type: 'sample', count: 10, seed: 'spring', of: vips }, data);
    const expected = ids
      .filter((id) => Number(id.slice(1)) % 2 === 0)
      .sort((a, b) => hashOf('spring', a) - hashOf('spring', b))
      .slice(0, 10)
      .sort();
    expect(members).toEqual(expected);
    expect(membersOf({ type: 'sample', count: 5000, seed: 'spring', of: vips }, data)).toHaveLength(500);
  });
});

describe('computeRfm', () => {
  const day = 86_400_000;
  const ago = (ms: number): string => new Date(clock.now.getTime() - ms).toISOString();
  const events = [
    event('r1', 'purchase', ago(1 * day), { amount: '10' }),
    event('r1', 'purchase', ago(5 * day), { amount: '20' }),
    event('r2', 'purchase', ago(day + 3_600_000), { amount: '30' }),
    event('r3', 'purchase', ago(10 * day), { amount: '5' }),
    event('r3', 'purchase', ago(20 * day), { amount: '5' }),
    event('r3', 'purchase', ago(30 * day), { amount: null }),
    // Outside the 365-day window, and a type that is not a purchase: r4 has no RFM.
    event('r4', 'purchase', ago(400 * day), { amount: '1000' }),
    event('r4', 'refund', ago(day), { amount: '1000' }),
    event('r5', 'purchase', ago(100 * day), { amount: '0.5' }),
    // Exactly at the start of the window: counted. In the future: not.
    event('r7', 'purchase', ago(365 * day), { amount: '1' }),
    event('r7', 'purchase', ago(-1), { amount: '1' }),
  ];

  it('scores by quintile of rank, ties sharing the lowest rank', () => {
    const rfm = computeRfm(events, { eventTypes: ['purchase'], windowDays: 365 }, clock);
    // Five customers, so score = rank. Recency ranks days descending: r7 365, r5 100, r3 10, r1 = r2 1.
    // Frequency: r2 = r5 = r7 1, r1 2, r3 3. Monetary: r5 0.5, r7 1, r3 10, r1 = r2 30.
    expect(Object.fromEntries(rfm)).toEqual({
      r1: {
        rfm_recency_days: 1,
        rfm_frequency: 2,
        rfm_monetary: '30',
        rfm_r: 4,
        rfm_f: 4,
        rfm_m: 4,
        rfm_score: 444,
      },
      r2: {
        rfm_recency_days: 1,
        rfm_frequency: 1,
        rfm_monetary: '30',
        rfm_r: 4,
        rfm_f: 1,
        rfm_m: 4,
        rfm_score: 414,
      },
      r3: {
        rfm_recency_days: 10,
        rfm_frequency: 3,
        rfm_monetary: '10',
        rfm_r: 3,
        rfm_f: 5,
        rfm_m: 3,
        rfm_score: 353,
      },
      r5: {
        rfm_recency_days: 100,
        rfm_frequency: 1,
        rfm_monetary: '0.5',
        rfm_r: 2,
        rfm_f: 1,
        rfm_m: 1,
        rfm_score: 211,
      },
      r7: {
        rfm_recency_days: 365,
        rfm_frequency: 1,
        rfm_monetary: '1',
        rfm_r: 1,
        rfm_f: 1,
        rfm_m: 2,
        rfm_score: 112,
      },
    });
  });

  it('spreads four customers over the scores 1, 2, 3 and 4', () => {
    const four = computeRfm(
      ['w', 'x', 'y', 'z'].flatMap((id, index) =>
        Array.from({ length: index + 1 }, () => event(id, 'purchase', ago(day), { amount: '1.25' })),
      ),
      { eventTypes: ['purchase'], windowDays: 30 },
      clock,
    );
    // score = 1 + ⌊5 × (rank − 1) / 4⌋: ranks 1–4 give 1, 2, 3, 4.
    expect(['w', 'x', 'y', 'z'].map((id) => four.get(id)?.rfm_f)).toEqual([1, 2, 3, 4]);
    expect(['w', 'x', 'y', 'z'].map((id) => four.get(id)?.rfm_monetary)).toEqual([
      '1.25',
      '2.5',
      '3.75',
      '5',
    ]);
    // Equal recency: everyone shares rank 1.
    expect(['w', 'x', 'y', 'z'].map((id) => four.get(id)?.rfm_r)).toEqual([1, 1, 1, 1]);
  });

  it('feeds the RFM presets', () => {
    const features = computeRfm(events, { eventTypes: ['purchase'], windowDays: 365 }, clock);
    const data = dataOf({ customers: customers('r1', 'r2', 'r3', 'r4', 'r5', 'r7'), features });
    const preset = (name: string): SegmentRule => {
      const found = RFM_PRESETS[name];
      if (found === undefined) throw new Error(`no preset ${name}`);
      return found.rule;
    };
    expect(membersOf(preset('champions'), data)).toEqual(['r1']);
    // R ≤ 2 and F ≥ 3: nobody; R = 1 and F ≤ 2: r7.
    expect(membersOf(preset('at_risk'), data)).toEqual([]);
    expect(membersOf(preset('lost'), data)).toEqual(['r7']);
  });
});
