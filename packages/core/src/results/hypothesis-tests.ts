import { chiSquareSf, normalCdf, normalQuantile, studentTCdf, studentTQuantile } from './distributions.ts';

/** Successes out of n trials in one group (conversions among customers, say). */
export interface ProportionSample {
  readonly n: number;
  readonly successes: number;
}

/** One group of a money metric: its size, mean and sample variance (divided by n − 1). */
export interface MeanSample {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

export interface TestOptions {
  /** Coverage of the confidence intervals; 0.95 unless given. */
  readonly confidence?: number;
}

/**
 * Treatment against control. Everything that cannot be computed is null, never NaN:
 * - `treatmentMean` / `controlMean`: null when that group is empty (n = 0);
 * - `lift`, `ci`: null when either mean is null (for Welch also when a group has n < 2, or
 *   when both groups have zero variance, so the standard error is 0);
 * - `liftRelative`, `relativeCi`: also null when the control mean is 0;
 * - `statistic`, `pValue`: also null when the standard error of the statistic is 0 (both groups
 *   all successes or all failures, or both without variance).
 */
export interface LiftTest {
  readonly treatmentMean: number | null;
  readonly controlMean: number | null;
  /** treatmentMean − controlMean. */
  readonly lift: number | null;
  /** lift / controlMean. */
  readonly liftRelative: number | null;
  /** Confidence interval of the absolute lift. */
  readonly ci: readonly [number, number] | null;
  /** Confidence interval of the relative lift, by the delta method on treatmentMean / controlMean. */
  readonly relativeCi: readonly [number, number] | null;
  readonly statistic: number | null;
  /** Two-sided. */
  readonly pValue: number | null;
}

export interface WelchTest extends LiftTest {
  /** Welch–Satterthwaite degrees of freedom; null when the standard error is 0 or undefined. */
  readonly df: number | null;
}

export interface SampleRatioMismatch {
  /** Pearson's chi-square; null when nothing was observed. */
  readonly statistic: number | null;
  readonly df: number;
  readonly pValue: number | null;
}

const requireCount = (name: string, value: number): void => {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
};

const requireConfidence = (confidence: number): void => {
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
};

const interval = (center: number, halfWidth: number): readonly [number, number] => [
  center - halfWidth,
  center + halfWidth,
];

/**
 * Relative lift r = t / c − 1 and its interval by the delta method on the ratio t / c:
 * Var(t / c) ≈ Var(t) / c² + t² Var(c) / c⁴.
 */
const relativeLift = (options: {
  treatmentMean: number;
  controlMean: number;
  treatmentVariance: number;
  controlVariance: number;
  criticalValue: number;
}): { liftRelative: number | null; relativeCi: readonly [number, number] | null } => {
  const { treatmentMean, controlMean, treatmentVariance, controlVariance, criticalValue } = options;
  if (controlMean === 0) return { liftRelative: null, relativeCi: null };
  const liftRelative = treatmentMean / controlMean - 1;
  const ratioVariance =
    treatmentVariance / controlMean ** 2 + (treatmentMean ** 2 * controlVariance) / controlMean ** 4;
  return { liftRelative, relativeCi: interval(liftRelative, criticalValue * Math.sqrt(ratioVariance)) };
};

const EMPTY_TEST: Omit<LiftTest, 'treatmentMean' | 'controlMean'> = {
  lift: null,
  liftRelative: null,
  ci: null,
  relativeCi: null,
  statistic: null,
  pValue: null,
};

/**
 * Two-proportion z-test. The z statistic uses the pooled standard error (the one that holds
 * under the null hypothesis of equal rates); the interval of the lift uses the unpooled one
 * √(p_t(1 − p_t)/n_t + p_c(1 − p_c)/n_c) (Wald), as no equality is assumed there.
 */
export const twoProportionTest = (
  treatment: ProportionSample,
  control: ProportionSample,
  options: TestOptions = {},
): LiftTest => {
  const confidence = options.confidence ?? 0.95;
  requireConfidence(confidence);
  const samples: [string, ProportionSample][] = [
    ['treatment', treatment],
    ['control', control],
  ];
  for (const [name, sample] of samples) {
    requireCount(`${name}.n`, sample.n);
    requireCount(`${name}.successes`, sample.successes);
    if (sample.successes > sample.n)
      throw new RangeError(`${name}.successes (${sample.successes}) exceeds ${name}.n (${sample.n})`);
  }
  const treatmentMean = treatment.n === 0 ? null : treatment.successes / treatment.n;
  const controlMean = control.n === 0 ? null : control.successes / control.n;
  if (treatmentMean === null || controlMean === null) return { treatmentMean, controlMean, ...EMPTY_TEST };

  const criticalValue = normalQuantile(1 - (1 - confidence) / 2);
  const lift = treatmentMean - controlMean;
  const treatmentVariance = (treatmentMean * (1 - treatmentMean)) / treatment.n;
  const controlVariance = (controlMean * (1 - controlMean)) / control.n;
  const unpooledError = Math.sqrt(treatmentVariance + controlVariance);
  const pooledRate = (treatment.successes + control.successes) / (treatment.n + control.n);
  const pooledError = Math.sqrt(pooledRate * (1 - pooledRate) * (1 / treatment.n + 1 / control.n));
  const statistic = pooledError > 0 ? lift / pooledError : null;
  return {
    treatmentMean,
    controlMean,
    lift,
    ...relativeLift({ treatmentMean, controlMean, treatmentVariance, controlVariance, criticalValue }),
    ci: interval(lift, criticalValue * unpooledError),
    statistic,
    pValue: statistic === null ? null : 2 * normalCdf(-Math.abs(statistic)),
  };
};

/**
 * Welch's unequal-variance t-test. Standard error √(s_t²/n_t + s_c²/n_c) for both the statistic
 * and the interval, Welch–Satterthwaite degrees of freedom, t quantile for the interval.
 */
export const welchTest = (
  treatment: MeanSample,
  control: MeanSample,
  options: TestOptions = {},
): WelchTest => {
  const confidence = options.confidence ?? 0.95;
  requireConfidence(confidence);
  const samples: [string, MeanSample][] = [
    ['treatment', treatment],
    ['control', control],
  ];
  for (const [name, sample] of samples) {
    requireCount(`${name}.n`, sample.n);
    if (sample.n > 0 && !Number.isFinite(sample.mean))
      throw new RangeError(`${name}.mean must be finite, got ${sample.mean}`);
    if (sample.n > 1 && !(sample.variance >= 0 && Number.isFinite(sample.variance)))
      throw new RangeError(`${name}.variance must be a non-negative finite number, got ${sample.variance}`);
  }
  const treatmentMean = treatment.n === 0 ? null : treatment.mean;
  const controlMean = control.n === 0 ? null : control.mean;
  const empty = { treatmentMean, controlMean, ...EMPTY_TEST, df: null };
  if (treatmentMean === null || controlMean === null) return empty;
  const lift = treatmentMean - controlMean;
  const liftOnly = {
    ...empty,
    lift,
    liftRelative: controlMean === 0 ? null : treatmentMean / controlMean - 1,
  };
  // A sample variance needs two observations in each group.
  if (treatment.n < 2 || control.n < 2) return liftOnly;

  const treatmentVariance = treatment.variance / treatment.n;
  const controlVariance = control.variance / control.n;
  const standardError = Math.sqrt(treatmentVariance + controlVariance);
  if (standardError === 0) return liftOnly;
  const df =
    (treatmentVariance + controlVariance) ** 2 /
    (treatmentVariance ** 2 / (treatment.n - 1) + controlVariance ** 2 / (control.n - 1));
  const criticalValue = studentTQuantile(1 - (1 - confidence) / 2, df);
  const statistic = lift / standardError;
  return {
    treatmentMean,
    controlMean,
    lift,
    ...relativeLift({ treatmentMean, controlMean, treatmentVariance, controlVariance, criticalValue }),
    ci: interval(lift, criticalValue * standardError),
    statistic,
    pValue: 2 * studentTCdf(-Math.abs(statistic), df),
    df,
  };
};

/**
 * Sample ratio mismatch: Pearson's chi-square goodness of fit of the observed group sizes to the
 * planned shares (normalized to sum to 1), df = groups − 1. A tiny p-value means the split is broken.
 */
export const sampleRatioMismatch = (
  observed: readonly number[],
  expectedShares: readonly number[],
): SampleRatioMismatch => {
  if (observed.length !== expectedShares.length)
    throw new RangeError(`${observed.length} observed counts for ${expectedShares.length} expected shares`);
  if (observed.length < 2) throw new RangeError('a sample ratio needs at least two groups');
  for (const count of observed) requireCount('observed count', count);
  for (const share of expectedShares) {
    if (!(share > 0 && Number.isFinite(share)))
      throw new RangeError(`expected shares must be positive, got ${share}`);
  }
  const df = observed.length - 1;
  const total = observed.reduce((sum, count) => sum + count, 0);
  if (total === 0) return { statistic: null, df, pValue: null };
  const shareTotal = expectedShares.reduce((sum, share) => sum + share, 0);
  let statistic = 0;
  observed.forEach((count, index) => {
    const expected = (total * (expectedShares[index] ?? 0)) / shareTotal;
    statistic += (count - expected) ** 2 / expected;
  });
  return { statistic, df, pValue: chiSquareSf(statistic, df) };
};
