/**
 * The distributions campaign measurement needs: normal, Student's t and chi-square. Every
 * probability goes through the regularized incomplete gamma or beta function, evaluated with a
 * power series or a continued fraction, so tails stay accurate in relative terms (a p-value of
 * 1e-40 is not rounded to 0 or to 1 − 1 = 0).
 */

const RELATIVE_EPSILON = 1e-15;
const MAX_ITERATIONS = 10_000;
// Smallest magnitude the modified Lentz algorithm lets a denominator reach, to avoid dividing by 0.
const LENTZ_TINY = 1e-300;

const requireFinite = (name: string, value: number): void => {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
};

const requireProbability = (name: string, value: number): void => {
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must be in (0, 1), got ${value}`);
};

const requireDegreesOfFreedom = (df: number): void => {
  if (!(df > 0) || df === Number.POSITIVE_INFINITY)
    throw new RangeError(`degrees of freedom must be a positive finite number, got ${df}`);
};

// Lanczos approximation (g = 7, 9 terms): relative error around 1e-15 for positive arguments.
const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export const logGamma = (x: number): number => {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  // Reflection keeps the Lanczos series in the range where it is accurate.
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0] ?? 1;
  for (let index = 1; index < LANCZOS_COEFFICIENTS.length; index += 1) {
    sum += (LANCZOS_COEFFICIENTS[index] ?? 0) / (shifted + index);
  }
  const base = shifted + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(base) - base + Math.log(sum);
};

/** Regularized gamma functions P(a, x) and Q(a, x) = 1 − P(a, x), each computed without cancellation. */
const regularizedGamma = (a: number, x: number): { lower: number; upper: number } => {
  if (x <= 0) return { lower: 0, upper: 1 };
  const logPrefactor = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    // Series for P: converges fast here, and P is the smaller of the two.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n += 1) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * RELATIVE_EPSILON) break;
    }
    const lower = Math.min(1, sum * Math.exp(logPrefactor));
    return { lower, upper: 1 - lower };
  }
  // Continued fraction for Q (modified Lentz), accurate far into the upper tail.
  let b = x + 1 - a;
  let c = 1 / LENTZ_TINY;
  let d = 1 / b;
  let fraction = d;
  for (let n = 1; n < MAX_ITERATIONS; n += 1) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < LENTZ_TINY) d = LENTZ_TINY;
    c = b + an / c;
    if (Math.abs(c) < LENTZ_TINY) c = LENTZ_TINY;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < RELATIVE_EPSILON) break;
  }
  const upper = Math.min(1, Math.exp(logPrefactor) * fraction);
  return { lower: 1 - upper, upper };
};

/** The continued fraction of I_x(a, b) (modified Lentz); converges for x < (a + 1) / (a + b + 2). */
const betaContinuedFraction = (a: number, b: number, x: number): number => {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < LENTZ_TINY) d = LENTZ_TINY;
  d = 1 / d;
  let fraction = d;
  for (let m = 1; m < MAX_ITERATIONS; m += 1) {
    const twoM = 2 * m;
    const even = (m * (b - m) * x) / ((a + twoM - 1) * (a + twoM));
    d = 1 + even * d;
    if (Math.abs(d) < LENTZ_TINY) d = LENTZ_TINY;
    c = 1 + even / c;
    if (Math.abs(c) < LENTZ_TINY) c = LENTZ_TINY;
    d = 1 / d;
    fraction *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + twoM) * (a + twoM + 1));
    d = 1 + odd * d;
    if (Math.abs(d) < LENTZ_TINY) d = LENTZ_TINY;
    c = 1 + odd / c;
    if (Math.abs(c) < LENTZ_TINY) c = LENTZ_TINY;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < RELATIVE_EPSILON) break;
  }
  return fraction;
};

/**
 * Regularized incomplete beta I_x(a, b), given both x and 1 − x so that a caller who knows 1 − x
 * exactly (a small t² / (ν + t²)) does not lose it to rounding, and ln x for an x that underflows.
 */
const regularizedBeta = (options: { x: number; complement: number; logX: number; a: number; b: number }) => {
  const { x, complement, logX, a, b } = options;
  if (logX === Number.NEGATIVE_INFINITY) return 0;
  if (complement <= 0) return 1;
  const logPrefactor = a * logX + b * Math.log(complement) - (logGamma(a) + logGamma(b) - logGamma(a + b));
  // Use the side where the continued fraction converges quickly: I_x(a, b) = 1 − I_{1−x}(b, a).
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logPrefactor) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logPrefactor) * betaContinuedFraction(b, a, complement)) / b;
};

/** P(Z ≤ x) for a standard normal Z. */
export const normalCdf = (x: number): number => {
  if (Number.isNaN(x)) throw new RangeError('normalCdf: x is NaN');
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (x === Number.NEGATIVE_INFINITY) return 0;
  // Φ(x) = ½ erfc(−x/√2), and erfc(z) = Q(½, z²), erf(z) = P(½, z²).
  const { lower, upper } = regularizedGamma(0.5, (x * x) / 2);
  return x < 0 ? 0.5 * upper : 0.5 + 0.5 * lower;
};

/** Standard normal density. */
export const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

// Acklam's rational approximations (relative error below 1.2e-9), then polished by Halley steps.
const ACKLAM_A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const ACKLAM_B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155211877e1,
];
const ACKLAM_C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const ACKLAM_LOW = 0.02425;

const polynomial = (coefficients: readonly number[], x: number): number =>
  coefficients.reduce((sum, coefficient) => sum * x + coefficient, 0);

/** The lower-half quantile (p ≤ ½), where Φ(x) − p keeps its relative precision. */
const normalQuantileLowerHalf = (p: number): number => {
  let x: number;
  if (p < ACKLAM_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = polynomial(ACKLAM_C, q) / (polynomial(ACKLAM_D, q) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (polynomial(ACKLAM_A, r) * q) / (polynomial(ACKLAM_B, r) * r + 1);
  }
  // Halley's method on Φ(x) − p: two steps take 1e-9 to machine precision.
  for (let step = 0; step < 2; step += 1) {
    const error = normalCdf(x) - p;
    const u = error / normalPdf(x);
    x -= u / (1 + (x * u) / 2);
  }
  return x;
};

/** x such that Φ(x) = p, for p in (0, 1). */
export const normalQuantile = (p: number): number => {
  requireProbability('p', p);
  if (p === 0.5) return 0;
  // 1 − p is exact for p in [½, 1), so the symmetry costs no precision.
  return p < 0.5 ? normalQuantileLowerHalf(p) : -normalQuantileLowerHalf(1 - p);
};

// Above this |t|, t² is computed in logs (it would overflow near 1.3e154).
const HUGE_T = 1e150;

/** P(T ≤ t) for Student's t with df degrees of freedom (df > 0, not necessarily an integer). */
export const studentTCdf = (t: number, df: number): number => {
  if (Number.isNaN(t)) throw new RangeError('studentTCdf: t is NaN');
  requireDegreesOfFreedom(df);
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  // P(|T| > |t|) = I_x(ν/2, ½) with x = ν / (ν + t²); 1 − x is passed exactly. Beyond |t| = 1e150,
  // t² would overflow: there x = ν / t² and 1 − x = 1 to well within double precision.
  const huge = Math.abs(t) > HUGE_T;
  const denominator = df + t * t;
  const twoSidedTail = regularizedBeta({
    x: huge ? Math.exp(Math.log(df) - 2 * Math.log(Math.abs(t))) : df / denominator,
    complement: huge ? 1 : (t * t) / denominator,
    logX: huge ? Math.log(df) - 2 * Math.log(Math.abs(t)) : Math.log(df / denominator),
    a: df / 2,
    b: 0.5,
  });
  return t < 0 ? 0.5 * twoSidedTail : 1 - 0.5 * twoSidedTail;
};

const studentTLogDensity = (t: number, df: number): number =>
  logGamma((df + 1) / 2) -
  logGamma(df / 2) -
  0.5 * Math.log(df * Math.PI) -
  ((df + 1) / 2) *
    (Math.abs(t) > HUGE_T ? 2 * Math.log(Math.abs(t)) - Math.log(df) : Math.log1p((t * t) / df));

/** The quantile below the median (p < ½) by Newton's method on log P(T ≤ t), kept inside a bracket. */
const studentTQuantileLowerHalf = (p: number, df: number): number => {
  const target = Math.log(p);
  const gap = (t: number) => Math.log(studentTCdf(t, df)) - target;
  // Bracket [low, high] with gap(low) < 0 ≤ gap(high); the t tail is heavier than the normal's.
  let high = 0;
  let low = Math.min(-1, normalQuantile(p));
  while (gap(low) > 0) {
    high = low;
    low *= 2;
    // Tiny df puts the quantile beyond the largest double.
    if (!Number.isFinite(low)) return Number.NEGATIVE_INFINITY;
  }
  let t = low;
  for (let iteration = 0; iteration < 500; iteration += 1) {
    const logCdf = Math.log(studentTCdf(t, df));
    const value = logCdf - target;
    if (value === 0) return t;
    if (value < 0) low = t;
    else high = t;
    // d/dt log F(t) = f(t) / F(t), evaluated in logs so far tails do not underflow.
    const slope = Math.exp(studentTLogDensity(t, df) - logCdf);
    let next = t - value / slope;
    // Bisect whenever Newton would leave the bracket or stall.
    if (!(next > low && next < high) || !Number.isFinite(next)) next = (low + high) / 2;
    if (Math.abs(next - t) <= 1e-15 * Math.max(1, Math.abs(next))) return next;
    if (high - low <= 1e-15 * Math.max(1, Math.abs(low))) return next;
    t = next;
  }
  return t;
};

/** t such that P(T ≤ t) = p for Student's t with df degrees of freedom. */
export const studentTQuantile = (p: number, df: number): number => {
  requireProbability('p', p);
  requireDegreesOfFreedom(df);
  if (p === 0.5) return 0;
  return p < 0.5 ? studentTQuantileLowerHalf(p, df) : -studentTQuantileLowerHalf(1 - p, df);
};

/** P(X > x) for a chi-square X with df degrees of freedom. */
export const chiSquareSf = (x: number, df: number): number => {
  requireFinite('x', x);
  requireDegreesOfFreedom(df);
  if (x <= 0) return 1;
  return regularizedGamma(df / 2, x / 2).upper;
};
