import { createReadStream } from 'node:fs';
import { basename, resolve } from 'node:path';
import {
  createExperimentTally,
  type ExperimentComparison,
  type ExperimentMetric,
  type ExperimentReport,
  type GroupMetric,
  METRIC_KINDS,
  type MetricKind,
  parseMetricValue,
} from '@opencvm/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parse } from 'csv-parse';

/** What `cvm measure` needs from the program around it: no store, it reads one file. */
export interface MeasureCommandDeps {
  readonly out: (text: string) => void;
  readonly fail: (message: string, exitCode: number) => never;
  readonly cwd: string;
}

type OutputFormat = 'table' | 'json';
const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json'];

interface MeasureOptions {
  readonly group: string;
  readonly control: string;
  readonly metric: readonly ExperimentMetric[];
  readonly by?: string;
  readonly format: OutputFormat;
}

// Enough to show what is wrong with a file without flooding the terminal.
const MAX_REPORTED_ISSUES = 10;

const isMetricKind = (value: string): value is MetricKind => METRIC_KINDS.some((kind) => kind === value);

const collectMetric = (value: string, previous: ExperimentMetric[] | undefined): ExperimentMetric[] => {
  // The last colon separates the kind, so a column name may itself contain colons.
  const separator = value.lastIndexOf(':');
  const column = value.slice(0, separator);
  const kind = value.slice(separator + 1);
  if (separator <= 0 || !isMetricKind(kind))
    throw new InvalidArgumentError(`expected <column>:${METRIC_KINDS.join('|')}, got "${value}"`);
  return [...(previous ?? []), { column, kind }];
};

/** csv-parse with `info: true` yields `{ record: string[], info: { lines } }`. */
const recordOf = (item: unknown): { line: number; cells: string[] } => {
  if (typeof item !== 'object' || item === null || !('record' in item) || !('info' in item))
    throw new Error('csv-parse returned an unexpected record shape');
  const { record, info } = item;
  const line =
    typeof info === 'object' && info !== null && 'lines' in info && typeof info.lines === 'number'
      ? info.lines
      : 0;
  return { line, cells: Array.isArray(record) ? record.map((cell) => String(cell)) : [] };
};

interface CellIssue {
  readonly line: number;
  readonly column: string;
  readonly value: string | null;
  readonly reason: string;
}

const describeIssue = (issue: CellIssue): string =>
  `  line ${issue.line}, ${issue.column}${issue.value === null ? '' : ` = ${JSON.stringify(issue.value)}`}: ${issue.reason}`;

/** Streams the file into the tally; the issues of the first bad rows, or the report. */
const readExperiment = async (path: string, options: MeasureOptions, deps: MeasureCommandDeps) => {
  const tally = createExperimentTally({
    groupColumn: options.group,
    control: options.control,
    metrics: options.metric,
    ...(options.by === undefined ? {} : { by: options.by }),
  });
  const source = createReadStream(path);
  const parser = source.pipe(
    parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true }),
  );
  // pipe() does not forward a read error (a missing file, say); without this the loop would wait forever.
  source.on('error', (error) => parser.destroy(error));
  const issues: CellIssue[] = [];
  let header: readonly string[] | null = null;
  let unknownColumns: string[] = [];
  let indexes: { group: number; by: number | null; metrics: number[] } | null = null;
  let rows = 0;
  let readError: string | null = null;
  try {
    for await (const item of parser) {
      const { line, cells } = recordOf(item);
      if (header === null || indexes === null) {
        const names = cells.map((cell) => cell.trim());
        header = names;
        const wanted = [options.group, ...(options.by === undefined ? [] : [options.by])].concat(
          options.metric.map((metric) => metric.column),
        );
        unknownColumns = wanted.filter((column) => !names.includes(column));
        if (unknownColumns.length > 0) break;
        indexes = {
          group: names.indexOf(options.group),
          by: options.by === undefined ? null : names.indexOf(options.by),
          metrics: options.metric.map((metric) => names.indexOf(metric.column)),
        };
        continue;
      }
      if (cells.length !== header.length) {
        issues.push({
          line,
          column: '(row)',
          value: null,
          reason: `expected ${header.length} columns, found ${cells.length}`,
        });
      } else {
        const row: Record<string, string | number> = {};
        const group = (cells[indexes.group] ?? '').trim();
        if (group === '')
          issues.push({ line, column: options.group, value: '', reason: 'empty; every row needs a group' });
        row[options.group] = group;
        if (options.by !== undefined && indexes.by !== null)
          row[options.by] = (cells[indexes.by] ?? '').trim();
        for (const [index, metric] of options.metric.entries()) {
          const text = cells[indexes.metrics[index] ?? -1] ?? '';
          const parsed = parseMetricValue(metric.kind, text);
          if (parsed.ok) row[metric.column] = parsed.value;
          else issues.push({ line, column: metric.column, value: text, reason: parsed.error });
        }
        // Once the file is known to be invalid, only the issues matter.
        if (issues.length === 0) {
          tally.add(row);
          rows += 1;
        }
      }
      if (issues.length >= MAX_REPORTED_ISSUES) break;
    }
  } catch (error) {
    readError = error instanceof Error ? error.message : String(error);
  } finally {
    source.destroy();
  }
  const name = basename(path);
  if (readError !== null) deps.fail(`cannot read ${name}: ${readError}`, 2);
  if (unknownColumns.length > 0) {
    const listed = unknownColumns.map((column) => `"${column}"`).join(', ');
    const plural = unknownColumns.length > 1 ? 's' : '';
    deps.fail(`${name}: unknown column${plural} ${listed}; the header has ${header?.join(', ')}`, 2);
  }
  if (header === null) deps.fail(`${name}: the file is empty; expected a header row`, 2);
  if (issues.length > 0) {
    const more =
      issues.length >= MAX_REPORTED_ISSUES ? ` (reading stopped at the first ${MAX_REPORTED_ISSUES})` : '';
    deps.fail([`${name}: invalid values${more}`, ...issues.map(describeIssue)].join('\n'), 2);
  }
  const report = tally.report();
  if (!report.ok) deps.fail(`${name}: ${report.error.message}`, 2);
  return { report: report.value, rows };
};

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

export const registerMeasureCommand = (program: Command, deps: MeasureCommandDeps): void => {
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
      const columns = options.metric.map((metric) => metric.column);
      const repeated = columns.find((column, index) => columns.indexOf(column) !== index);
      if (repeated !== undefined) deps.fail(`--metric ${repeated} is given more than once`, 2);
      const { report, rows } = await readExperiment(resolve(deps.cwd, file), options, deps);
      if (options.format === 'json') {
        deps.out(JSON.stringify(report, null, 2));
        return;
      }
      for (const line of reportLines({ file: basename(file), rows, report, spec: options })) deps.out(line);
    });
};
