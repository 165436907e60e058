import { revenueShareCsv } from '@opencvm/app';
import { z } from 'zod';
import { type ApiRouter, jsonBody, pathParam, type RouteDeps } from '../api-route.ts';
import { invalidInput } from '../errors.ts';
import { named } from '../openapi.ts';

/**
 * Measurement over HTTP: a campaign's results (whole, by attribute or segment, daily series), the
 * programme against the universal control group, the revenue-share report (JSON or CSV) and
 * planning.
 */

const instant = (text: string | undefined): Date | null => {
  if (text === undefined || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(text)) return null;
  const date = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(date.getTime()) ? null : date;
};

const Period = z.object({
  from: z.string().describe('First day (or instant) of the period, e.g. 2026-03-01.'),
  to: z.string().describe('End of the period (exclusive), e.g. 2026-04-01.'),
});
const ResultsQuery = z.object({
  run: z.string().optional().describe('One run; the latest real run when absent.'),
  by: z.string().optional().describe('A customer attribute or `segment:<id>` to break the results down by.'),
});
const RevenueShareQuery = Period.extend({
  share: z.string().optional().describe('The share of incremental revenue, in percent (0–100).'),
  format: z.enum(['json', 'csv']).optional(),
});
const PlanningInput = named(
  z.object({
    baseRate: z.number().describe('The expected conversion rate without the campaign, between 0 and 1.'),
    audience: z.number().int().describe('How many customers the campaign reaches.'),
    controlShare: z.number().optional().describe('The control group, in percent; 10 when absent.'),
    mde: z.number().optional().describe('A wanted minimum detectable effect (absolute lift).'),
  }),
  'PlanningInput',
);

export const addResultsRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;
  const period = (from: string | undefined, to: string | undefined) => {
    const start = instant(from);
    const end = instant(to);
    if (start === null)
      return {
        error: fail(invalidInput('from', 'expected a date such as 2026-03-01', 'invalid_format')),
      };
    if (end === null)
      return {
        error: fail(invalidInput('to', 'expected a date such as 2026-04-01', 'invalid_format')),
      };
    return { from: start, to: end };
  };

  router.route(
    {
      method: 'get',
      path: '/v1/campaigns/:id/results',
      access: 'dashboard.read',
      tag: 'Results',
      summary: "A campaign's results: every arm, every metric, with confidence intervals",
      query: ResultsQuery,
      responses: { 200: { description: 'The results.' } },
    },
    async (c) => {
      const result = await app.results.campaignResults(pathParam(c, 'id'), {
        runId: c.req.query('run'),
        by: c.req.query('by'),
      });
      return result.ok ? c.json(result.value) : refuse(result.error);
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/campaigns/:id/results/daily',
      access: 'dashboard.read',
      tag: 'Results',
      summary: "A campaign's results day by day",
      query: ResultsQuery.pick({ run: true }),
      responses: {
        200: { description: 'One item per day.', schema: z.object({ items: z.array(z.unknown()) }) },
      },
    },
    async (c) => {
      const result = await app.results.dailySeries(pathParam(c, 'id'), { runId: c.req.query('run') });
      return result.ok ? c.json({ items: result.value }) : refuse(result.error);
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/programme',
      access: 'dashboard.read',
      tag: 'Results',
      summary: 'The whole programme against the universal control group over a period',
      query: Period,
      responses: { 200: { description: 'The programme results.' } },
    },
    async (c) => {
      const range = period(c.req.query('from'), c.req.query('to'));
      if ('error' in range) return range.error;
      const result = await app.results.programme(range);
      return result.ok ? c.json(result.value) : refuse(result.error);
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/revenue-share',
      access: 'dashboard.read',
      tag: 'Results',
      summary: 'Incremental revenue per campaign and offer, and its share (JSON or CSV)',
      query: RevenueShareQuery,
      responses: {
        200: {
          description: 'One item per campaign, channel and offer; CSV with `format=csv`.',
          schema: z.object({ items: z.array(z.unknown()) }),
        },
      },
    },
    async (c) => {
      const range = period(c.req.query('from'), c.req.query('to'));
      if ('error' in range) return range.error;
      const shareText = c.req.query('share');
      const share = shareText === undefined ? undefined : Number(shareText);
      if (share !== undefined && !(share >= 0 && share <= 100)) {
        return fail(invalidInput('share', 'expected a percentage from 0 to 100', 'invalid_value'));
      }
      const result = await app.results.revenueShare({ ...range, sharePercent: share });
      if (!result.ok) return refuse(result.error);
      if (c.req.query('format') === 'csv') {
        return c.body(revenueShareCsv(result.value), 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': 'attachment; filename="revenue-share.csv"',
        });
      }
      return c.json({ items: result.value });
    },
  );

  router.route(
    {
      method: 'post',
      path: '/v1/planning',
      access: 'results.read',
      tag: 'Results',
      summary: 'The smallest effect a campaign can detect, or the audience and control a wanted one needs',
      body: PlanningInput,
      responses: { 200: { description: 'The plan.' } },
    },
    async (c) => {
      const decoded = await jsonBody(c);
      if (!decoded.ok) return fail(decoded.error);
      const body = decoded.value;
      const field = (name: string): number | undefined =>
        typeof body === 'object' && body !== null && name in body
          ? Number(Reflect.get(body, name))
          : undefined;
      const result = app.results.plan({
        baseRate: field('baseRate') ?? Number.NaN,
        audience: field('audience') ?? Number.NaN,
        controlSharePercent: field('controlShare') ?? 10,
        mde: field('mde'),
      });
      return result.ok ? c.json(result.value) : refuse(result.error);
    },
  );
};
