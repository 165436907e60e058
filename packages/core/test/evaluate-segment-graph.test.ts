import { describe, expect, it } from 'vitest';
import { bucketOf, hashOf } from '../src/segments/bucket.ts';
import { computeRfm } from '../src/segments/compute-rfm.ts';
import type { ReferenceRelation } from '../src/segments/evaluate-segment.ts';
import { RFM_PRESETS } from '../src/segments/features.ts';
import type { SegmentRule } from '../src/segments/segment-rule.ts';
import { attribute, clock, customers, dataOf, event, membersOf } from './segment-fixtures.ts';

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
