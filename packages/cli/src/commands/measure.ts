import { createReadStream } from 'node:fs';
import { basename, resolve } from 'node:path';
import { measureCsv, parseExperimentMetric } from '@opencvm/app';
import type {
  ExperimentComparison,
  ExperimentMetric,
  ExperimentReport,
  GroupMetric,
  MetricKind,
} from '@opencvm/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { refuse } from '../errors.ts';
import type { CommandDeps } from './command-deps.ts';

type OutputFormat = 'table' | 'json';
const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json'];

interface MeasureOptions {
  readonly group: string;
  readonly control: string;
  readonly metric: readonly ExperimentMetric[];
  readonly by?: string;
  readonly format: OutputFormat;
}

const collectMetric = (value: string, previous: ExperimentMetric[] | undefined): ExperimentMetric[] => {
  const parsed = parseExperimentMetric(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.error);
  return [...(previous ?? []), parsed.value];
};

/** Opened on the first read, so a file is not touched when the options are refused. */
async function* fileChunks(path: string): AsyncGenerator<Buffer | string> {
  yield* createReadStream(path);
}

// ---------------------------------------------------------------------------------------------
// Table output

const NOT_COMPUTED = '—';

const signed = (value: number, digits: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;

/** p-values: four decimals where they matter, scientific notation below 0.001. */
export const formatPValue = (pValue: number | null): string => {
  if (pValue === null) return NOT_COMPUTED;
  if (pValue === 0) return '< 1e-300';
  return pValue >= 0.001 ? pValue.toFixed(4) : pValue.toExponential(1);
};

interface MetricFormat {
  /** A mean (a rate in %, money with two decimals). */
  readonly mean: (value: number) => string;
  /** A lift or an interval bound, in percentage points or money. */
  readonly lift: (value: number) => string;
  readonly meanHeader: string;
  readonly liftUnit: string;
  readonly statisticHeader: string;
  readonly title: string;
}

const METRIC_FORMATS: Record<MetricKind, MetricFormat> = {
  binary: {
    mean: (value) => `${(value * 100).toFixed(2)}%`,
    lift: (value) => signed(value * 100, 2),
    meanHeader: 'rate',
    liftUnit: ' (pp)',
    statisticHeader: 'z',
    title: 'rate per customer; lift in percentage points; two-proportion z-test',
  },
  money: {
    mean: (value) => value.toFixed(2),
    lift: (value) => signed(value, 2),
    meanHeader: 'mean',
    liftUnit: '',
    statisticHeader: 't',
    title: 'mean per customer; Welch t-test',
  },
};

/** Columns padded to their widest cell: text to the left, figures to the right. */
const alignedTable = (header: readonly string[], rows: readonly (readonly string[])[]): string[] => {
  const widths = header.map((title, index) =>
    Math.max(title.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) =>
        index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
};

const metricTable = (comparison: ExperimentComparison, metric: ExperimentMetric): string[] => {
  const format = METRIC_FORMATS[metric.kind];
  const orNone = (value: number | null, show: (value: number) => string) =>
    value === null ? NOT_COMPUTED : show(value);
  const controlMean = comparison.control.metrics[metric.column]?.mean ?? null;
  const rows = [[comparison.control.group, String(comparison.control.n), orNone(controlMean, format.mean)]];
  for (const group of comparison.groups) {
    const figures: GroupMetric | undefined = group.metrics[metric.column];
    const ci = figures?.ci95 ?? null;
    rows.push([
      group.group,
      String(group.n),
      orNone(figures?.mean ?? null, format.mean),
      orNone(figures?.lift ?? null, format.lift),
      ci === null ? NOT_COMPUTED : `[${format.lift(ci[0])}, ${format.lift(ci[1])}]`,
      orNone(figures?.liftRelative ?? null, (value) => `${signed(value * 100, 2)}%`),
      orNone(figures?.statistic ?? null, (value) => value.toFixed(2)),
      formatPValue(figures?.pValue ?? null),
    ]);
  }
  return [
    `${metric.column} (${format.title})`,
    ...alignedTable(
      [
        'group',
        'n',
        format.meanHeader,
        `lift${format.liftUnit}`,
        `95% CI${format.liftUnit}`,
        'relative',
        format.statisticHeader,
        'p-value',
      ],
      rows,
    ).map((line) => `  ${line}`),
  ];
};

const comparisonLines = (comparison: ExperimentComparison, metrics: readonly ExperimentMetric[]): string[] =>
  metrics.flatMap((metric) => ['', ...metricTable(comparison, metric)]);

const hasGaps = (comparison: ExperimentComparison): boolean =>
  comparison.groups.some((group) =>
    Object.values(group.metrics).some((figures) => figures.pValue === null || figures.ci95 === null),
  );

export const reportLines = (options: {
  file: string;
  rows: number;
  report: ExperimentReport;
  spec: MeasureOptions;
}): string[] => {
  const { file, rows, report, spec } = options;
  const lines = [`${file}: ${rows} rows; groups in "${spec.group}", control "${spec.control}"`];
  const comparisons = 'slices' in report ? report.slices : [report];
  if ('slices' in report) {
    for (const slice of report.slices) {
      lines.push(
        '',
        `${report.by} = ${slice.value}`,
        ...comparisonLines(slice, spec.metric).map((line) => (line === '' ? line : `  ${line}`)),
      );
    }
  } else {
    lines.push(...comparisonLines(report, spec.metric));
  }
  if (comparisons.some(hasGaps)) {
    lines.push(
      '',
      `${NOT_COMPUTED} not computable: an empty group, a money metric with fewer than 2 customers in a group, or no variation at all`,
    );
  }
  return lines;
};

/** `cvm measure`: reads one file and opens no store, so it runs without a workspace. */
export const registerMeasureCommand = (program: Command, deps: CommandDeps): void => {
  program
    .command('measure')
    .description('compare groups of a randomized experiment in a CSV file with its control (no store needed)')
    .argument('<file>', 'CSV file with a header row, one customer per row')
    .requiredOption('--group <column>', 'the column holding each customer’s group')
    .requiredOption('--control <value>', 'the group value of the control')
    .requiredOption(
      '--metric <column:kind>',
      'an outcome column and its kind, binary (0/1/true/false) or money (decimal); repeatable',
      collectMetric,
    )
    .option('--by <column>', 'repeat the comparison for each value of this column')
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .action(async (file: string, options: MeasureOptions) => {
      const path = resolve(deps.context.cwd, file);
      const result = await measureCsv(fileChunks(path), {
        groupColumn: options.group,
        control: options.control,
        metrics: options.metric,
        ...(options.by === undefined ? {} : { by: options.by }),
      });
      if (!result.ok) return refuse(result.error, { file: basename(path) });
      const { report, rows } = result.value;
      if (options.format === 'json') {
        deps.out(JSON.stringify(report, null, 2));
        return;
      }
      for (const line of reportLines({ file: basename(file), rows, report, spec: options })) deps.out(line);
    });
};
