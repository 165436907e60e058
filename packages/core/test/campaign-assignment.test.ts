import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AssignmentGroup,
  assignGroup,
  bucketsOf,
  createUcgSettings,
  GroupSplit,
  isInUcg,
  rotateUcg,
  UcgSettings,
  ucgInForce,
} from '../src/campaigns/assignment.ts';
import { BUCKETS, bucketOf } from '../src/segments/bucket.ts';

const N = 100_000;
const ids = Array.from({ length: N }, (_, i) => `C${String(i + 1).padStart(7, '0')}`);

/**
 * Upper 0.1% point of the chi-square distribution with 99 degrees of freedom (100 ranges − 1),
 * from `/usr/bin/python3 -c "from scipy.stats import chi2; print(chi2.ppf(0.999, 99))"`
 * (SciPy 1.10.1). A uniform hash exceeds it once in a thousand salts.
 */
const CHI2_999_DF99 = 148.23035916510173;

/**
 * Upper 0.1% point of chi-square with 1 degree of freedom, for a 2×2 independence table, from
 * `chi2.ppf(0.999, 1)` (SciPy 1.10.1).
 */
const CHI2_999_DF1 = 10.827566170662733;

/** Allowed deviation of an observed share: 4 binomial standard deviations (p < 1e-4). */
const tolerance = (share: number, n: number): number => 4 * Math.sqrt((share * (1 - share)) / n);

const chiSquareOverRanges = (salt: string, ranges: number): number => {
  const counts = new Array<number>(ranges).fill(0);
  const width = BUCKETS / ranges;
  for (const id of ids) {
    const range = Math.floor(bucketOf(salt, id) / width);
    counts[range] = (counts[range] ?? 0) + 1;
  }
  const expected = N / ranges;
  return counts.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
};

describe('shares', () => {
  it('are percentages with at most two decimals, turned into buckets without float drift', () => {
    expect(GroupSplit.safeParse({ salt: 's', share: 12.34 }).success).toBe(true);
    expect(GroupSplit.safeParse({ salt: 's', share: 0 }).success).toBe(true);
    expect(GroupSplit.safeParse({ salt: 's', share: 100 }).success).toBe(true);
    expect(GroupSplit.safeParse({ salt: 's', share: 12.345 }).success).toBe(false);
    expect(GroupSplit.safeParse({ salt: 's', share: 100.01 }).success).toBe(false);
    expect(GroupSplit.safeParse({ salt: 's', share: -1 }).success).toBe(false);
    expect(GroupSplit.safeParse({ salt: '', share: 5 }).success).toBe(false);
    expect(bucketsOf(0.29)).toBe(29);
    expect(bucketsOf(12.34)).toBe(1234);
    expect(bucketsOf(100)).toBe(BUCKETS);
  });

  it('select exactly the buckets below share × 100', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string(),
        fc.integer({ min: 0, max: 10_000 }),
        (salt, id, b) => {
          const share = b / 100;
          expect(isInUcg(id, { salt, share })).toBe(bucketOf(salt, id) < b);
        },
      ),
    );
    expect(ids.slice(0, 1000).every((id) => !isInUcg(id, { salt: 's', share: 0 }))).toBe(true);
    expect(ids.slice(0, 1000).every((id) => isInUcg(id, { salt: 's', share: 100 }))).toBe(true);
  });
});

describe('universal control group', () => {
  const ucg = { salt: 'workspace-ucg-1', share: 5 };

  it('is stable: the same customer gets the same answer on every call', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (salt, id) => {
        const split = { salt, share: 37.5 };
        expect(isInUcg(id, split)).toBe(isInUcg(id, split));
      }),
    );
  });

  it('holds the nominal share of customers', () => {
    for (const share of [1, 5, 10, 33.33]) {
      const observed = ids.filter((id) => isInUcg(id, { ...ucg, share })).length / N;
      expect(Math.abs(observed - share / 100)).toBeLessThan(tolerance(share / 100, N));
    }
  });

  it('spreads 100,000 sequential ids uniformly over 100 equal bucket ranges (chi-square, p = 0.001)', () => {
    for (const salt of ['workspace-ucg-1', 'campaign-7f3a', '']) {
      expect(chiSquareOverRanges(salt, 100)).toBeLessThan(CHI2_999_DF99);
    }
  });

  it('a growing share keeps everyone already held out', () => {
    const small = ids.filter((id) => isInUcg(id, { ...ucg, share: 5 }));
    expect(small.every((id) => isInUcg(id, { ...ucg, share: 7.5 }))).toBe(true);
  });
});

describe('campaign holdout', () => {
  const ucg = { salt: 'workspace-ucg-1', share: 5 };
  const holdout = { salt: 'campaign-42', share: 10 };
  const groups = new Map(ids.map((id) => [id, assignGroup(id, { ucg, holdout })]));
  const count = (group: AssignmentGroup): number => [...groups.values()].filter((g) => g === group).length;

  it('puts UCG members in the UCG before anything else', () => {
    for (const id of ids.slice(0, 5000)) {
      if (isInUcg(id, ucg)) expect(groups.get(id)).toBe('ucg');
      else expect(groups.get(id)).not.toBe('ucg');
    }
    expect(AssignmentGroup.options).toEqual(['ucg', 'control', 'target']);
  });

  it('is stable across calls', () => {
    fc.assert(
      fc.property(fc.string(), (id) => {
        expect(assignGroup(id, { ucg, holdout })).toBe(assignGroup(id, { ucg, holdout }));
      }),
    );
  });

  it('holds the nominal holdout share among the customers left after the UCG', () => {
    const remaining = count('control') + count('target');
    expect(Math.abs(count('ucg') / N - 0.05)).toBeLessThan(tolerance(0.05, N));
    expect(Math.abs(count('control') / remaining - 0.1)).toBeLessThan(tolerance(0.1, remaining));
  });

  it('is decided independently of the UCG', () => {
    // Where each customer would fall by the holdout salt alone, whatever the UCG said.
    const inHoldout = (id: string): boolean => bucketOf(holdout.salt, id) < bucketsOf(holdout.share);
    const ucgIds = ids.filter((id) => groups.get(id) === 'ucg');
    const ucgInHoldout = ucgIds.filter(inHoldout).length;
    expect(ucgInHoldout).toBeGreaterThan(0);
    expect(ucgInHoldout).toBeLessThan(ucgIds.length);
    expect(Math.abs(ucgInHoldout / ucgIds.length - 0.1)).toBeLessThan(tolerance(0.1, ucgIds.length));

    // 2×2 table UCG × holdout: chi-square test of independence.
    const table = [
      [ucgInHoldout, ucgIds.length - ucgInHoldout],
      [count('control'), count('target')],
    ];
    const rows = table.map(([a = 0, b = 0]) => a + b);
    const columns = [0, 1].map((c) => table.reduce((sum, row) => sum + (row[c] ?? 0), 0));
    let statistic = 0;
    table.forEach((row, r) => {
      row.forEach((observed, c) => {
        const expected = ((rows[r] ?? 0) * (columns[c] ?? 0)) / N;
        statistic += (observed - expected) ** 2 / expected;
      });
    });
    expect(statistic).toBeLessThan(CHI2_999_DF1);
  });

  it('gives no control group when the share is 0 and refuses the UCG salt', () => {
    expect(
      ids
        .slice(0, 2000)
        .some((id) => assignGroup(id, { ucg, holdout: { salt: 'c', share: 0 } }) === 'control'),
    ).toBe(false);
    expect(() => assignGroup('C1', { ucg, holdout: { salt: ucg.salt, share: 10 } })).toThrow(/UCG salt/);
  });
});

describe('rotating the UCG', () => {
  const created = createUcgSettings({ salt: 'ucg-2025', at: new Date('2025-01-01T00:00:00Z') });

  it('starts from the default share and round-trips through its schema', () => {
    expect(created).toEqual({
      salt: 'ucg-2025',
      share: 5,
      rotatedAt: '2025-01-01T00:00:00.000Z',
      history: [],
    });
    expect(UcgSettings.parse(JSON.parse(JSON.stringify(created)))).toEqual(created);
    expect(UcgSettings.parse({ salt: 's', rotatedAt: '2025-01-01T00:00:00Z' })).toMatchObject({
      share: 5,
      history: [],
    });
  });

  it('records the previous salt and its period', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const rotated = rotateUcg(created, { newSalt: 'ucg-2026', at });
    expect(rotated).toEqual({
      ok: true,
      value: {
        salt: 'ucg-2026',
        share: 5,
        rotatedAt: '2026-01-01T00:00:00.000Z',
        history: [
          { salt: 'ucg-2025', share: 5, from: '2025-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' },
        ],
      },
    });
    if (!rotated.ok) return;
    expect(UcgSettings.parse(rotated.value)).toEqual(rotated.value);
    const again = rotateUcg(rotated.value, {
      newSalt: 'ucg-2027',
      at: new Date('2027-01-01T00:00:00Z'),
      share: 3,
    });
    if (!again.ok) throw new Error(JSON.stringify(again.error));
    expect(again.value.share).toBe(3);
    expect(again.value.history.map((period) => period.salt)).toEqual(['ucg-2025', 'ucg-2026']);

    expect(ucgInForce(again.value, new Date('2024-12-31T23:59:59Z'))).toBeNull();
    expect(ucgInForce(again.value, new Date('2025-06-01T00:00:00Z'))).toEqual({ salt: 'ucg-2025', share: 5 });
    expect(ucgInForce(again.value, new Date('2026-01-01T00:00:00Z'))).toEqual({ salt: 'ucg-2026', share: 5 });
    expect(ucgInForce(again.value, new Date('2030-01-01T00:00:00Z'))).toEqual({ salt: 'ucg-2027', share: 3 });
  });

  it('refuses a salt used before and a rotation not after the current one', () => {
    const rotated = rotateUcg(created, { newSalt: 'ucg-2026', at: new Date('2026-01-01T00:00:00Z') });
    if (!rotated.ok) throw new Error(JSON.stringify(rotated.error));
    expect(rotateUcg(rotated.value, { newSalt: 'ucg-2025', at: new Date('2027-01-01T00:00:00Z') })).toEqual({
      ok: false,
      error: { type: 'salt_reused', salt: 'ucg-2025' },
    });
    expect(
      rotateUcg(rotated.value, { newSalt: 'ucg-2026', at: new Date('2027-01-01T00:00:00Z') }),
    ).toMatchObject({
      ok: false,
      error: { type: 'salt_reused' },
    });
    expect(rotateUcg(rotated.value, { newSalt: 'x', at: new Date('2026-01-01T00:00:00Z') })).toEqual({
      ok: false,
      error: { type: 'rotation_out_of_order', rotatedAt: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('changes membership for the expected share of customers', () => {
    const before = { salt: 'ucg-2025', share: 5 };
    const after = { salt: 'ucg-2026', share: 5 };
    const stayed = ids.filter((id) => isInUcg(id, before) && isInUcg(id, after)).length;
    const left = ids.filter((id) => isInUcg(id, before) && !isInUcg(id, after)).length;
    const joined = ids.filter((id) => !isInUcg(id, before) && isInUcg(id, after)).length;
    // Independent draws: P(in both) = 0.05², P(left) = P(joined) = 0.05 × 0.95.
    expect(Math.abs(stayed / N - 0.0025)).toBeLessThan(tolerance(0.0025, N));
    expect(Math.abs(left / N - 0.0475)).toBeLessThan(tolerance(0.0475, N));
    expect(Math.abs(joined / N - 0.0475)).toBeLessThan(tolerance(0.0475, N));
  });
});
