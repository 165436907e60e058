import { Readable } from 'node:stream';
import { measureCsv, parseExperimentMetric } from '@opencvm/app';
import type { ExperimentMetric, ExperimentSpec } from '@opencvm/core';
import { z } from 'zod';
import type { ApiRouter, RouteDeps } from '../api-route.ts';
import type { ApiError } from '../errors.ts';

/**
 * `POST /v1/measure`: the offline analysis of `cvm measure` over HTTP. The query names the columns
 * (`group`, `control`, repeatable `metric=<column>:binary|money`, optional `by`), the body is the
 * CSV itself, and the answer is the report `cvm measure --format json` prints. Nothing is stored.
 */

// Larger than the JSON batch limit: a CSV of a few hundred thousand customers is a normal experiment.
export const MAX_MEASURE_BODY_BYTES = 64 * 1024 * 1024;

type SpecResult = { readonly spec: ExperimentSpec } | { readonly error: ApiError };

const invalidParameter = (path: string, message: string): SpecResult => ({
  error: { code: 'invalid_body', path, message },
});

/** The experiment the query string describes, or the first parameter that is missing or wrong. */
const specOf = (query: {
  readonly group: string | undefined;
  readonly control: string | undefined;
  readonly metrics: readonly string[];
  readonly by: string | undefined;
}): SpecResult => {
  if (query.group === undefined || query.group.trim() === '')
    return invalidParameter('group', 'expected the column holding each customer’s group');
  if (query.control === undefined || query.control.trim() === '')
    return invalidParameter('control', 'expected the group value of the control');
  if (query.metrics.length === 0)
    return invalidParameter('metric', 'expected at least one metric=<column>:binary|money');
  const metrics: ExperimentMetric[] = [];
  for (const text of query.metrics) {
    const parsed = parseExperimentMetric(text);
    if (!parsed.ok) return invalidParameter('metric', parsed.error);
    metrics.push(parsed.value);
  }
  if (query.by !== undefined && query.by.trim() === '')
    return invalidParameter('by', 'expected a column name, or no by parameter');
  // Cells are trimmed before they are compared, so the names and the control are too.
  return {
    spec: {
      groupColumn: query.group.trim(),
      control: query.control.trim(),
      metrics,
      ...(query.by === undefined ? {} : { by: query.by.trim() }),
    },
  };
};

/** Which query parameter named a column the header lacks: the first one, in the order group, by, metric. */
const parameterOf = (column: string, spec: ExperimentSpec): string => {
  if (column === spec.groupColumn) return 'group';
  if (column === spec.by) return 'by';
  return 'metric';
};

const MeasureQuery = z.object({
  group: z.string().describe('The column holding each customer’s group.'),
  control: z.string().describe('The group value of the control.'),
  metric: z
    .array(z.string())
    .min(1)
    .describe('`<column>:binary` or `<column>:money`; repeat the parameter for several metrics.'),
  by: z.string().optional().describe('A column to break the report down by.'),
});

export const addMeasureRoutes = (router: ApiRouter, deps: Pick<RouteDeps, 'fail' | 'refuse'>): void => {
  const { fail, refuse } = deps;

  router.route(
    {
      method: 'post',
      path: '/v1/measure',
      access: 'results.read',
      tag: 'Results',
      summary: 'Measure an offline experiment from a CSV of customers (nothing is stored)',
      description:
        'The report `cvm measure --format json` prints: each metric per group against the control.',
      query: MeasureQuery,
      body: { contentType: 'text/csv', description: 'One row per customer, with a header row.' },
      responses: { 200: { description: 'The report.' } },
      maxBodyBytes: MAX_MEASURE_BODY_BYTES,
    },
    async (c) => {
      const parsed = specOf({
        group: c.req.query('group'),
        control: c.req.query('control'),
        metrics: c.req.queries('metric') ?? [],
        by: c.req.query('by'),
      });
      if ('error' in parsed) return fail(parsed.error);
      // Streamed into the parser: the body is never held whole, only the running tallies are.
      const result = await measureCsv(c.req.raw.body ?? Readable.from([]), parsed.spec);
      return result.ok
        ? c.json(result.value.report)
        : refuse(result.error, { parameterOfColumn: (column) => parameterOf(column, parsed.spec) });
    },
  );
};
