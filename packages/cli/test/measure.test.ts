import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ComparisonReference, disagreements, loadStatsReference } from '@opencvm/core/testing';
import { tempDir } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/program.ts';

/** `cvm measure`: an offline experiment read from a CSV file, with no workspace or store. */

const buffer = () => {
  let text = '';
  return {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
  };
};

// No CVM_SCHEMA or data directory: the command must not need a workspace.
const cli = async (cwd: string, argv: string[]) => {
  const stdout = buffer();
  const stderr = buffer();
  const code = await runCli(argv, {
    clock: () => new Date('2026-01-15T10:00:00Z'),
    stdout,
    stderr,
    env: {},
    cwd,
  });
  return { code, out: stdout.text, err: stderr.text };
};

/** The same object with every leaf replaced by its type: two JSON documents of the same shape agree. */
const shapeOf = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shapeOf(item)]));
  return value === null ? 'null' : typeof value;
};

// Four customers in each arm, chosen so the figures have closed forms.
const SMALL_CSV = [
  'arm,region,converted,revenue',
  'control,north,1,10',
  'control,north,0,0',
  'control,south,false,0',
  'control,south,0,2.00',
  'promo,north,1,12',
  'promo,north,true,8',
  'promo,south,0,0',
  'promo,south,1,4',
].join('\n');

const SMALL_ARGS = ['--group', 'arm', '--control', 'control', '--metric', 'converted:binary'];

const withFile = (text: string) => {
  const dir = tempDir();
  writeFileSync(join(dir.path, 'experiment.csv'), `${text}\n`);
  return dir;
};

describe('cvm measure on a hand-made experiment', () => {
  it('computes the two-proportion and Welch figures exactly', async () => {
    using dir = withFile(SMALL_CSV);
    const result = await cli(dir.path, [
      'measure',
      'experiment.csv',
      ...SMALL_ARGS,
      '--metric',
      'revenue:money',
      '--format',
      'json',
    ]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const report: unknown = JSON.parse(result.out);
    // Rates 1/4 and 3/4; pooled rate ½, so z = 0.5 / √(¼ · ½) = √2 and p = 2Φ(−√2); the interval
    // uses the unpooled error √(2 · 3/16 / 4). Revenue means 3 and 6, variances 68/3 and 80/3,
    // so t = 3 / √(37/3) and Welch's df = 4107/689.
    const expected = {
      control: { group: 'control', n: 4, metrics: { converted: { mean: 0.25 }, revenue: { mean: 3 } } },
      groups: [
        {
          group: 'promo',
          n: 4,
          metrics: {
            converted: {
              mean: 0.75,
              lift: 0.5,
              liftRelative: 2,
              ci95: [-0.10011395954441382, 1.1001139595444138],
              statistic: Math.SQRT2,
              pValue: 0.15729920705028502,
            },
            revenue: {
              mean: 6,
              lift: 3,
              liftRelative: 1,
              ci95: [-5.606984740181463, 11.606984740181463],
              statistic: 3 / Math.sqrt(37 / 3),
              pValue: 0.4259636635734936,
            },
          },
        },
      ],
    };
    expect(shapeOf(report)).toEqual(shapeOf(expected));
    expect(disagreements(report, expected)).toEqual([]);
  });

  it('prints an aligned table with rates in percent', async () => {
    using dir = withFile(SMALL_CSV);
    const result = await cli(dir.path, [
      'measure',
      'experiment.csv',
      ...SMALL_ARGS,
      '--metric',
      'revenue:money',
    ]);
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toBe('experiment.csv: 8 rows; groups in "arm", control "control"');
    expect(result.out).toContain(
      '  group    n    rate  lift (pp)        95% CI (pp)  relative     z  p-value',
    );
    expect(result.out).toContain('  control  4  25.00%');
    expect(result.out).toContain(
      '  promo    4  75.00%     +50.00  [-10.01, +110.01]  +200.00%  1.41   0.1573',
    );
    expect(result.out).toContain('  promo    4  6.00  +3.00  [-5.61, +11.61]  +100.00%  0.85   0.4260');
  });

  it('repeats the comparison per value of --by', async () => {
    using dir = withFile(SMALL_CSV);
    const result = await cli(dir.path, [
      'measure',
      'experiment.csv',
      ...SMALL_ARGS,
      '--metric',
      'revenue:money',
      '--by',
      'region',
      '--format',
      'json',
    ]);
    expect(result.code).toBe(0);
    const report: unknown = JSON.parse(result.out);
    expect(report).toMatchObject({
      by: 'region',
      slices: [
        {
          value: 'north',
          control: { group: 'control', n: 2, metrics: { converted: { mean: 0.5 }, revenue: { mean: 5 } } },
          groups: [
            { group: 'promo', n: 2, metrics: { converted: { mean: 1, lift: 0.5 }, revenue: { lift: 5 } } },
          ],
        },
        {
          value: 'south',
          control: { n: 2, metrics: { converted: { mean: 0 } } },
          // A control without conversions: no relative lift.
          groups: [{ n: 2, metrics: { converted: { mean: 0.5, liftRelative: null } } }],
        },
      ],
    });
    const table = await cli(dir.path, ['measure', 'experiment.csv', ...SMALL_ARGS, '--by', 'region']);
    expect(table.out).toContain('\nregion = north\n');
    expect(table.out).toContain('\nregion = south\n');
  });

  it('handles a group with fewer than two customers', async () => {
    using dir = withFile(`${SMALL_CSV}\nsolo,north,1,5`);
    const json = await cli(dir.path, [
      'measure',
      'experiment.csv',
      ...SMALL_ARGS,
      '--metric',
      'revenue:money',
      '--format',
      'json',
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      groups: [
        { group: 'promo' },
        {
          group: 'solo',
          n: 1,
          metrics: { revenue: { mean: 5, lift: 2, ci95: null, statistic: null, pValue: null } },
        },
      ],
    });
    const table = await cli(dir.path, [
      'measure',
      'experiment.csv',
      ...SMALL_ARGS,
      '--metric',
      'revenue:money',
    ]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/\n {2}solo {5}1 {2}5\.00 {2}\+2\.00 +— {3}\+66\.67% +— +—\n/);
    expect(table.out).toContain('— not computable');
  });
});

describe('cvm measure refuses bad input with exit code 2', () => {
  const measure = async (csv: string, args: string[] = SMALL_ARGS) => {
    using dir = withFile(csv);
    return await cli(dir.path, ['measure', 'experiment.csv', ...args]);
  };

  it('names unknown columns', async () => {
    const result = await measure(SMALL_CSV, [...SMALL_ARGS, '--metric', 'spend:money', '--by', 'zip']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('unknown columns "zip", "spend"');
    expect(result.err).toContain('the header has arm, region, converted, revenue');
  });

  it('names line, column, value and reason of a bad binary value', async () => {
    const result = await measure(SMALL_CSV.replace('promo,south,1,4', 'promo,south,yes,4'));
    expect(result.code).toBe(2);
    expect(result.err).toContain('line 9, converted = "yes": expected 0, 1, true or false');
  });

  it('names a money value that is not a decimal number', async () => {
    const result = await measure(SMALL_CSV.replace('control,north,1,10', 'control,north,1,$10'), [
      ...SMALL_ARGS,
      '--metric',
      'revenue:money',
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('line 2, revenue = "$10": not a decimal number such as 12.50');
  });

  it('lists every bad cell up to ten', async () => {
    const rows = Array.from({ length: 15 }, () => 'promo,north,2,1');
    const result = await measure([SMALL_CSV, ...rows].join('\n'));
    expect(result.code).toBe(2);
    expect(result.err).toContain('reading stopped at the first 10');
    expect(result.err.match(/converted = "2"/g)).toHaveLength(10);
  });

  it('names a row with the wrong number of columns', async () => {
    const result = await measure(`${SMALL_CSV}\npromo,north,1`);
    expect(result.code).toBe(2);
    expect(result.err).toContain('line 10, (row): expected 4 columns, found 3');
  });

  it('says when the control group is not in the file', async () => {
    const result = await measure(SMALL_CSV, [
      '--group',
      'arm',
      '--control',
      'holdout',
      '--metric',
      'converted:binary',
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      'control group "holdout" not found in column "arm" (groups found: control, promo)',
    );
  });

  it('rejects an unknown metric kind, a repeated metric and a missing file', async () => {
    expect((await measure(SMALL_CSV, [...SMALL_ARGS, '--metric', 'revenue:count'])).code).toBe(2);
    const repeated = await measure(SMALL_CSV, [...SMALL_ARGS, '--metric', 'converted:binary']);
    expect(repeated.code).toBe(2);
    expect(repeated.err).toContain('--metric converted is given more than once');
    using dir = tempDir();
    const missing = await cli(dir.path, ['measure', 'nothing.csv', ...SMALL_ARGS]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read nothing.csv');
    const empty = await measure('');
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('the file is empty');
  });
});

// The shared data sit next to the repository (../shared/data from its root); a fresh clone has none.
const HILLSTROM = resolve(import.meta.dirname, '../../../../shared/data/hillstrom.csv');
const hillstromPresent = existsSync(HILLSTROM);
const HILLSTROM_ARGS = [
  'measure',
  'hillstrom.csv',
  '--group',
  'segment',
  '--control',
  'No E-Mail',
  '--metric',
  'visit:binary',
  '--metric',
  'conversion:binary',
  '--metric',
  'spend:money',
];

describe.skipIf(!hillstromPresent)(
  `Hillstrom's e-mail experiment${hillstromPresent ? '' : ` (skipped: ${HILLSTROM} is absent)`}`,
  () => {
    const reference = loadStatsReference().hillstrom;

    it('reproduces the published rates and spend per customer', async () => {
      const result = await cli(dirname(HILLSTROM), [...HILLSTROM_ARGS, '--format', 'json']);
      expect(result.code).toBe(0);
      const report = ComparisonReference.parse(JSON.parse(result.out));
      const figure = (group: string, metric: string, scale: number) => {
        const metrics =
          group === report.control.group
            ? report.control.metrics
            : report.groups.find((entry) => entry.group === group)?.metrics;
        return ((metrics?.[metric]?.mean ?? Number.NaN) * scale).toFixed(2);
      };
      const published = {
        visit: { 'Mens E-Mail': '18.28', 'Womens E-Mail': '15.14', 'No E-Mail': '10.62' },
        conversion: { 'Mens E-Mail': '1.25', 'Womens E-Mail': '0.88', 'No E-Mail': '0.57' },
        spend: { 'Mens E-Mail': '1.42', 'Womens E-Mail': '1.08', 'No E-Mail': '0.65' },
      };
      for (const [metric, byGroup] of Object.entries(published)) {
        for (const [group, value] of Object.entries(byGroup))
          expect(figure(group, metric, metric === 'spend' ? 1 : 100), `${metric} of ${group}`).toBe(value);
      }
      expect(report.groups.map((group) => group.group)).toEqual(['Mens E-Mail', 'Womens E-Mail']);
      expect([report.control.n, ...report.groups.map((group) => group.n)]).toEqual([21306, 21307, 21387]);
    });

    it('agrees with scipy and statsmodels on every lift, interval, statistic and p-value', async () => {
      const result = await cli(dirname(HILLSTROM), [...HILLSTROM_ARGS, '--format', 'json']);
      const report: unknown = JSON.parse(result.out);
      expect(shapeOf(report)).toEqual(shapeOf(reference.report));
      expect(disagreements(report, reference.report)).toEqual([]);
    });

    it('agrees per zip code with --by', async () => {
      const result = await cli(dirname(HILLSTROM), [
        ...HILLSTROM_ARGS,
        '--by',
        'zip_code',
        '--format',
        'json',
      ]);
      expect(result.code).toBe(0);
      const report: unknown = JSON.parse(result.out);
      expect(shapeOf(report)).toEqual(shapeOf(reference.byZipCode));
      expect(disagreements(report, reference.byZipCode)).toEqual([]);
    });

    it('prints the published figures in the table', async () => {
      const result = await cli(dirname(HILLSTROM), HILLSTROM_ARGS);
      expect(result.code).toBe(0);
      expect(result.out).toContain(
        '  Mens E-Mail    21307  18.28%      +7.66  [+7.00, +8.32]   +72.14%  22.49  5.7e-112',
      );
      expect(result.out).toContain('  No E-Mail      21306  0.57%');
      expect(result.out).toContain(
        '  Womens E-Mail  21387  1.08  +0.42  [+0.17, +0.68]   +65.02%  3.26   0.0011',
      );
    });
  },
);
