import { normalQuantile } from './distributions.ts';

/**
 * Planning a campaign's control group with the normal approximation of a two-sided test:
 *
 *   MDE = (z₁₋α/₂ + z_power) · σ · √(1/n_treatment + 1/n_control)
 *
 * with n_control = audience · controlShare and n_treatment = audience · (1 − controlShare).
 * For a conversion rate σ² = p(1 − p) at the base rate p, the same variance in both groups
 * (the textbook formula; the chance of rejecting in the wrong direction is ignored). Group sizes
 * are treated as real numbers, not rounded to whole customers.
 */

export interface PowerOptions {
  /** Two-sided significance level; 0.05 unless given. */
  readonly alpha?: number;
  /** Probability of detecting an effect of the MDE's size; 0.8 unless given. */
  readonly power?: number;
}

export interface RateMdeInput extends PowerOptions {
  /** Conversion rate expected without the campaign, in (0, 1). */
  readonly baseRate: number;
  /** Customers in the campaign, treatment and control together. */
  readonly audience: number;
  /** Share of the audience held out as control, in (0, 1). */
  readonly controlShare: number;
}

export interface MinimumDetectableEffect {
  /** Smallest detectable absolute lift of the rate (0.01 = one percentage point). */
  readonly absolute: number;
  /** The same relative to the base rate (absolute / baseRate). */
  readonly relative: number;
}

export interface ControlShareInput extends PowerOptions {
  readonly baseRate: number;
  readonly audience: number;
  /** Absolute lift of the rate to detect. */
  readonly mde: number;
}

export interface SampleSizeInput extends PowerOptions {
  readonly baseRate: number;
  /** Absolute lift of the rate to detect. */
  readonly mde: number;
  readonly controlShare: number;
}

export interface MeanMdeInput extends PowerOptions {
  /** Standard deviation of the money metric per customer (revenue, say). */
  readonly standardDeviation: number;
  readonly audience: number;
  readonly controlShare: number;
}

const requireOpenUnit = (name: string, value: number): void => {
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must be in (0, 1), got ${value}`);
};

const requirePositive = (name: string, value: number): void => {
  if (!(value > 0 && Number.isFinite(value)))
    throw new RangeError(`${name} must be a positive finite number, got ${value}`);
};

/** z₁₋α/₂ + z_power, after checking both. */
const zSum = (options: PowerOptions): number => {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  requireOpenUnit('alpha', alpha);
  requireOpenUnit('power', power);
  return normalQuantile(1 - alpha / 2) + normalQuantile(power);
};

/** 1/(1 − c) + 1/c: the variance factor of a split with control share c, per customer of audience. */
const splitFactor = (controlShare: number): number => 1 / (1 - controlShare) + 1 / controlShare;

/** Smallest absolute and relative lift of a conversion rate the campaign can detect. */
export const minimumDetectableEffect = (input: RateMdeInput): MinimumDetectableEffect => {
  requireOpenUnit('baseRate', input.baseRate);
  requirePositive('audience', input.audience);
  requireOpenUnit('controlShare', input.controlShare);
  const variance = input.baseRate * (1 - input.baseRate);
  const absolute = zSum(input) * Math.sqrt((variance * splitFactor(input.controlShare)) / input.audience);
  return { absolute, relative: absolute / input.baseRate };
};

/**
 * The smallest control share (at most ½, where a split detects the least) whose MDE is `mde`, or
 * null when even an even split cannot detect it. Solves c(1 − c) = (z-sum)² p(1 − p) / (N · mde²).
 */
export const controlShareFor = (input: ControlShareInput): number | null => {
  requireOpenUnit('baseRate', input.baseRate);
  requirePositive('audience', input.audience);
  requirePositive('mde', input.mde);
  const product =
    (zSum(input) ** 2 * input.baseRate * (1 - input.baseRate)) / (input.audience * input.mde ** 2);
  if (product > 0.25) return null;
  // The smaller root of c² − c + product = 0, written without cancellation for small products.
  return (2 * product) / (1 + Math.sqrt(1 - 4 * product));
};

/** The whole audience (treatment and control, rounded up to a customer) needed to detect `mde`. */
export const sampleSizeFor = (input: SampleSizeInput): number => {
  requireOpenUnit('baseRate', input.baseRate);
  requirePositive('mde', input.mde);
  requireOpenUnit('controlShare', input.controlShare);
  const variance = input.baseRate * (1 - input.baseRate);
  return Math.ceil((zSum(input) ** 2 * variance * splitFactor(input.controlShare)) / input.mde ** 2);
};

/** Smallest detectable absolute lift of a money metric's mean (revenue per customer, say). */
export const minimumDetectableEffectMean = (input: MeanMdeInput): number => {
  requirePositive('standardDeviation', input.standardDeviation);
  requirePositive('audience', input.audience);
  requireOpenUnit('controlShare', input.controlShare);
  return zSum(input) * input.standardDeviation * Math.sqrt(splitFactor(input.controlShare) / input.audience);
};
