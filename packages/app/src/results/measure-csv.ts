import { Readable } from 'node:stream';
import {
  createExperimentTally,
  type ExperimentError,
  type ExperimentMetric,
  type ExperimentReport,
  type ExperimentSpec,
  err,
  METRIC_KINDS,
  type MetricKind,
  ok,
  parseMetricValue,
  type Result,
} from '@opencvm/core';
import { parse } from 'csv-parse';
import { recordOf } from '../import/row-source.ts';

/**
 * Offline analysis of a randomized experiment read from a CSV: a header row, one customer per row.
 * The CLI (`cvm measure`) and the API (`POST /v1/measure`) both call `measureCsv`, so a file is
 * accepted or refused the same way by both.
 */

/** One refused cell, or a row with the wrong number of cells (`column` "(row)", `value` null). */
export interface MeasureCsvIssue {
  readonly line: number;
  readonly column: string;
  readonly value: string | null;
  readonly reason: string;
}

export type MeasureCsvError =
  | {
      readonly type: 'repeated_metric';
      readonly message: string;
      readonly column: string;
    }
  | {
      readonly type: 'unknown_columns';
      readonly message: string;
      /** In the order group, `by`, metrics. */
      readonly columns: readonly string[];
      readonly header: readonly string[];
    }
  | { readonly type: 'empty_file'; readonly message: string }
  | {
      readonly type: 'invalid_values';
      /** Names the first issue, for a caller that shows only one line. */
      readonly message: string;
      readonly issues: readonly MeasureCsvIssue[];
      /** Reading stopped at `MAX_MEASURE_ISSUES`; the rest of the file was not checked. */
      readonly truncated: boolean;
    }
  | { readonly type: 'unreadable'; readonly message: string }
  | ExperimentError;

export interface MeasuredCsv {
  readonly report: ExperimentReport;
  /** Data rows counted, header and blank lines excluded. */
  readonly rows: number;
}

// Enough to show what is wrong with a file without flooding a terminal or a response.
export const MAX_MEASURE_ISSUES = 10;

const isMetricKind = (value: string): value is MetricKind => METRIC_KINDS.some((kind) => kind === value);

/** `<column>:binary|money` as given on the command line or in a query string. */
export const parseExperimentMetric = (text: string): Result<ExperimentMetric, string> => {
  // The last colon separates the kind, so a column name may itself contain colons.
  const separator = text.lastIndexOf(':');
  const column = text.slice(0, separator);
  const kind = text.slice(separator + 1);
  if (separator <= 0 || !isMetricKind(kind))
    return err(`expected <column>:${METRIC_KINDS.join('|')}, got "${text}"`);
  return ok({ column, kind });
};

/** `line 9, converted = "yes": expected 0, 1, true or false` */
export const describeMeasureIssue = (issue: MeasureCsvIssue): string =>
  `line ${issue.line}, ${issue.column}${issue.value === null ? '' : ` = ${JSON.stringify(issue.value)}`}: ${issue.reason}`;

const repeatedMetric = (metrics: readonly ExperimentMetric[]): string | undefined => {
  const columns = metrics.map((metric) => metric.column);
  return columns.find((column, index) => columns.indexOf(column) !== index);
};

const unknownColumnsError = (columns: readonly string[], header: readonly string[]): MeasureCsvError => {
  const listed = columns.map((column) => `"${column}"`).join(', ');
  const plural = columns.length > 1 ? 's' : '';
  return {
    type: 'unknown_columns',
    message: `unknown column${plural} ${listed}; the header has ${header.join(', ')}`,
    columns,
    header,
  };
};

const invalidValuesError = (issues: readonly MeasureCsvIssue[]): MeasureCsvError => {
  const truncated = issues.length >= MAX_MEASURE_ISSUES;
  const [first] = issues;
  const count = truncated ? `at least ${issues.length}` : String(issues.length);
  const plural = issues.length > 1 ? 's' : '';
  return {
    type: 'invalid_values',
    message: `${count} invalid value${plural}${first === undefined ? '' : `, first ${describeMeasureIssue(first)}`}`,
    issues,
    truncated,
  };
};

/**
 * Streams a CSV into the experiment tally, so a large file is never held in memory. Stops at the
 * first `MAX_MEASURE_ISSUES` refused cells; a file with any refused cell gives no report. A
 * refused spec returns before the source is read, so a lazily opened file is never opened.
 */
export const measureCsv = async (
  source: AsyncIterable<Uint8Array | string> | NodeJS.ReadableStream,
  spec: ExperimentSpec,
): Promise<Result<MeasuredCsv, MeasureCsvError>> => {
  const repeated = repeatedMetric(spec.metrics);
  if (repeated !== undefined) {
    return err({
      type: 'repeated_metric',
      message: `metric "${repeated}" is given more than once`,
      column: repeated,
    });
  }
  const tally = createExperimentTally(spec);
  const input = Readable.from(source);
  const parser = input.pipe(
    parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true }),
  );
  // pipe() does not forward a read error (a missing file, say); without this the loop would wait forever.
  input.on('error', (error) => parser.destroy(error));
  const issues: MeasureCsvIssue[] = [];
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
        const wanted = [spec.groupColumn, ...(spec.by === undefined ? [] : [spec.by])].concat(
          spec.metrics.map((metric) => metric.column),
        );
        unknownColumns = wanted.filter((column) => !names.includes(column));
        if (unknownColumns.length > 0) break;
        indexes = {
          group: names.indexOf(spec.groupColumn),
          by: spec.by === undefined ? null : names.indexOf(spec.by),
          metrics: spec.metrics.map((metric) => names.indexOf(metric.column)),
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
          issues.push({
            line,
            column: spec.groupColumn,
            value: '',
            reason: 'empty; every row needs a group',
          });
        row[spec.groupColumn] = group;
        if (spec.by !== undefined && indexes.by !== null) row[spec.by] = (cells[indexes.by] ?? '').trim();
        for (const [index, metric] of spec.metrics.entries()) {
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
      if (issues.length >= MAX_MEASURE_ISSUES) break;
    }
  } catch (error) {
    readError = error instanceof Error ? error.message : String(error);
  } finally {
    input.destroy();
  }
  if (readError !== null) return err({ type: 'unreadable', message: readError });
  if (unknownColumns.length > 0) return err(unknownColumnsError(unknownColumns, header ?? []));
  if (header === null)
    return err({ type: 'empty_file', message: 'the file is empty; expected a header row' });
  if (issues.length > 0) return err(invalidValuesError(issues));
  const report = tally.report();
  return report.ok ? ok({ report: report.value, rows }) : err(report.error);
};
