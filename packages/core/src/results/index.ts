/**
 * Statistics of campaign measurement: pure functions, no I/O.
 *
 * Definitions (lift = treatment mean − control mean; relative lift = lift / control mean):
 * - rates: two-proportion z-test; the z statistic and its p-value use the pooled standard error
 *   √(p(1 − p)(1/n_t + 1/n_c)) of the null hypothesis, the interval of the lift the unpooled one
 *   √(p_t(1 − p_t)/n_t + p_c(1 − p_c)/n_c) with a normal quantile;
 * - money: Welch's t-test; standard error √(s_t²/n_t + s_c²/n_c) for both statistic and interval,
 *   Welch–Satterthwaite degrees of freedom, t quantile;
 * - relative intervals: delta method on the ratio of means, with the same standard errors as the
 *   absolute interval;
 * - p-values are two-sided; planning formulas are in sample-size.ts.
 */
export {
  chiSquareSf,
  logGamma,
  normalCdf,
  normalPdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
} from './distributions.ts';
export {
  type LiftTest,
  type MeanSample,
  type ProportionSample,
  type SampleRatioMismatch,
  sampleRatioMismatch,
  type TestOptions,
  twoProportionTest,
  type WelchTest,
  welchTest,
} from './hypothesis-tests.ts';
export {
  type ControlMetric,
  type ControlSummary,
  createExperimentTally,
  type ExperimentComparison,
  type ExperimentError,
  type ExperimentMetric,
  type ExperimentReport,
  type ExperimentRow,
  type ExperimentSlice,
  type ExperimentSpec,
  type ExperimentTally,
  type GroupMetric,
  type GroupSummary,
  METRIC_KINDS,
  type MetricKind,
  measureExperiment,
  parseMetricValue,
  type SlicedExperiment,
} from './measure-experiment.ts';
export * from './port.ts';
export {
  type ControlShareInput,
  controlShareFor,
  type MeanMdeInput,
  type MinimumDetectableEffect,
  minimumDetectableEffect,
  minimumDetectableEffectMean,
  type PowerOptions,
  type RateMdeInput,
  type SampleSizeInput,
  sampleSizeFor,
} from './sample-size.ts';
