import { err, ok, type Result } from '../result.ts';
import { type LiftTest, twoProportionTest, welchTest } from './hypothesis-tests.ts';

/**
 * Offline analysis of a randomized experiment: every group against the control, per metric, and
 * optionally per value of a slicing column. Binary metrics (0/1 per customer) use the
 * two-proportion z-test, money metrics Welch's t-test, both at 95% confidence.
 *
 * Output, without `by`:
 *   { "control": { "group", "n", "metrics": { "<m>": { "mean" } } },
 *     "groups": [ { "group", "n", "metrics": { "<m>": { "mean", "lift", "liftRelative", "ci95",
 *                                                        "statistic", "pValue" } } } ] }
 * With `by`:
 *   { "by": "<column>", "slices": [ { "value": "<value>", "control": …, "groups": … } ] }
 * Groups are sorted by name (code units), slices by value; every slice lists every group seen in
 * the file, with n = 0 and null figures where a group is absent from that slice. A figure that
 * cannot be computed (an empty group, a money metric with n < 2) is null.
 */

export type MetricKind = 'binary' | 'money';

export const METRIC_KINDS: readonly MetricKind[] = ['binary', 'money'];

export interface ExperimentMetric {
  readonly column: string;
  readonly kind: MetricKind;
}

export interface ExperimentSpec {
  /** Column holding each customer's group. */
  readonly groupColumn: string;
  /** The group value of the control. */
  readonly control: string;
  readonly metrics: readonly ExperimentMetric[];
  /** Column to slice by: the whole comparison is repeated for each of its values. */
  readonly by?: string;
}

/** One customer: group and slice columns as text, metric columns as numbers (0/1 for binary). */
export type ExperimentRow = Readonly<Record<string, string | number>>;

export interface ControlMetric {
  readonly mean: number | null;
}

export interface GroupMetric {
  readonly mean: number | null;
  readonly lift: number | null;
  readonly liftRelative: number | null;
  readonly ci95: readonly [number, number] | null;
  readonly statistic: number | null;
  readonly pValue: number | null;
}

export interface ControlSummary {
  readonly group: string;
  readonly n: number;
  readonly metrics: Readonly<Record<string, ControlMetric>>;
}

export interface GroupSummary {
  readonly group: string;
  readonly n: number;
  readonly metrics: Readonly<Record<string, GroupMetric>>;
}

export interface ExperimentComparison {
  readonly control: ControlSummary;
  readonly groups: readonly GroupSummary[];
}

export interface ExperimentSlice extends ExperimentComparison {
  readonly value: string;
}

export interface SlicedExperiment {
  readonly by: string;
  readonly slices: readonly ExperimentSlice[];
}

export type ExperimentReport = ExperimentComparison | SlicedExperiment;

export type ExperimentError = {
  readonly type: 'control_not_found';
  readonly message: string;
  readonly control: string;
  readonly groups: readonly string[];
};

/** What a metric value means, or why a cell is not one. */
export const parseMetricValue = (kind: MetricKind, text: string): Result<number, string> => {
  const value = text.trim();
  if (kind === 'binary') {
    const lower = value.toLowerCase();
    if (lower === '1' || lower === 'true') return ok(1);
    if (lower === '0' || lower === 'false') return ok(0);
    return err(value === '' ? 'empty; expected 0, 1, true or false' : 'expected 0, 1, true or false');
  }
  if (value === '') return err('empty; expected a decimal number');
  // Plain decimals only: a currency sign, thousands separator or exponent is more likely a mistake.
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value)) return err('not a decimal number such as 12.50');
  return ok(Number(value));
};

/** Running count, mean and sum of squared deviations (Welford), stable for large money sums. */
interface RunningMoments {
  n: number;
  /** Exact for 0/1 values: the success count of a binary metric. */
  sum: number;
  mean: number;
  squaredDeviations: number;
}

interface GroupTally {
  n: number;
  readonly moments: Map<string, RunningMoments>;
}

const compareText = (left: string, right: string): number => (left < right ? -1 : left > right ? 1 : 0);

const cellText = (row: ExperimentRow, column: string): string => {
  const value = row[column];
  if (value === undefined) throw new RangeError(`row has no column "${column}"`);
  return String(value);
};

/** Accumulates rows one at a time, so a large file never has to be held in memory. */
export interface ExperimentTally {
  add(row: ExperimentRow): void;
  report(): Result<ExperimentReport, ExperimentError>;
}

export const createExperimentTally = (spec: ExperimentSpec): ExperimentTally => {
  const columns = new Set<string>();
  for (const metric of spec.metrics) {
    if (columns.has(metric.column)) throw new RangeError(`metric "${metric.column}" given twice`);
    columns.add(metric.column);
  }
  // slice value → group → tally
  const slices = new Map<string, Map<string, GroupTally>>();
  const groupsSeen = new Set<string>();

  const tallyFor = (sliceValue: string, group: string): GroupTally => {
    let groups = slices.get(sliceValue);
    if (!groups) {
      groups = new Map();
      slices.set(sliceValue, groups);
    }
    let tally = groups.get(group);
    if (!tally) {
      tally = { n: 0, moments: new Map() };
      for (const metric of spec.metrics)
        tally.moments.set(metric.column, { n: 0, sum: 0, mean: 0, squaredDeviations: 0 });
      groups.set(group, tally);
    }
    return tally;
  };

  const add = (row: ExperimentRow): void => {
    const group = cellText(row, spec.groupColumn);
    const sliceValue = spec.by === undefined ? '' : cellText(row, spec.by);
    groupsSeen.add(group);
    const tally = tallyFor(sliceValue, group);
    tally.n += 1;
    for (const metric of spec.metrics) {
      const value = row[metric.column];
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new RangeError(`metric "${metric.column}" must be a finite number, got ${String(value)}`);
      if (metric.kind === 'binary' && value !== 0 && value !== 1)
        throw new RangeError(`binary metric "${metric.column}" must be 0 or 1, got ${value}`);
      const moments = tally.moments.get(metric.column);
      if (!moments) continue;
      moments.n += 1;
      moments.sum += value;
      const deviation = value - moments.mean;
      moments.mean += deviation / moments.n;
      moments.squaredDeviations += deviation * (value - moments.mean);
    }
  };

  const compare = (groups: ReadonlyMap<string, GroupTally> | undefined): ExperimentComparison => {
    const empty: GroupTally = { n: 0, moments: new Map() };
    const control = groups?.get(spec.control) ?? empty;
    const momentsOf = (tally: GroupTally, column: string): RunningMoments =>
      tally.moments.get(column) ?? { n: 0, sum: 0, mean: 0, squaredDeviations: 0 };
    const testOf = (tally: GroupTally, metric: ExperimentMetric): LiftTest => {
      const treatment = momentsOf(tally, metric.column);
      const reference = momentsOf(control, metric.column);
      if (metric.kind === 'binary') {
        return twoProportionTest(
          { n: treatment.n, successes: treatment.sum },
          { n: reference.n, successes: reference.sum },
        );
      }
      const sample = (moments: RunningMoments) => ({
        n: moments.n,
        mean: moments.mean,
        variance: moments.n > 1 ? moments.squaredDeviations / (moments.n - 1) : 0,
      });
      return welchTest(sample(treatment), sample(reference));
    };

    const controlMetrics: Record<string, ControlMetric> = {};
    for (const metric of spec.metrics) {
      const moments = momentsOf(control, metric.column);
      // Rates as the two-proportion test computes them (successes / n), money as the running mean.
      const mean = metric.kind === 'binary' ? moments.sum / moments.n : moments.mean;
      controlMetrics[metric.column] = { mean: moments.n === 0 ? null : mean };
    }
    const treatmentGroups = [...groupsSeen].filter((group) => group !== spec.control).sort(compareText);
    return {
      control: { group: spec.control, n: control.n, metrics: controlMetrics },
      groups: treatmentGroups.map((group) => {
        const tally = groups?.get(group) ?? empty;
        const metrics: Record<string, GroupMetric> = {};
        for (const metric of spec.metrics) {
          const test = testOf(tally, metric);
          metrics[metric.column] = {
            mean: test.treatmentMean,
            lift: test.lift,
            liftRelative: test.liftRelative,
            ci95: test.ci,
            statistic: test.statistic,
            pValue: test.pValue,
          };
        }
        return { group, n: tally.n, metrics };
      }),
    };
  };

  const report = (): Result<ExperimentReport, ExperimentError> => {
    if (!groupsSeen.has(spec.control)) {
      const groups = [...groupsSeen].sort(compareText);
      const found = groups.length === 0 ? 'no rows' : `groups found: ${groups.join(', ')}`;
      return err({
        type: 'control_not_found',
        message: `control group "${spec.control}" not found in column "${spec.groupColumn}" (${found})`,
        control: spec.control,
        groups,
      });
    }
    if (spec.by === undefined) return ok(compare(slices.get('')));
    const values = [...slices.keys()].sort(compareText);
    return ok({
      by: spec.by,
      slices: values.map((value) => ({ value, ...compare(slices.get(value)) })),
    });
  };

  return { add, report };
};

/** Compares every group with the control over all rows (see the top of this file for the shape). */
export const measureExperiment = (
  rows: Iterable<ExperimentRow>,
  spec: ExperimentSpec,
): Result<ExperimentReport, ExperimentError> => {
  const tally = createExperimentTally(spec);
  for (const row of rows) tally.add(row);
  return tally.report();
};
