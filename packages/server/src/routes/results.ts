import { revenueShareCsv } from '@opencvm/app';
import { resultsApi } from '@opencvm/core';
import { type ApiRouter, endpointRoute, jsonBody, pathParam, type RouteDeps, reply } from '../api-route.ts';
import { invalidInput } from '../errors.ts';

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
    endpointRoute(resultsApi.campaign, {
      access: 'dashboard.read',
      tag: 'Results',
      summary: "A campaign's results: every arm, every metric, with confidence intervals",
      answer: 'The results.',
    }),
    async (c) => {
      const result = await app.results.campaignResults(pathParam(c, 'id'), {
        runId: c.req.query('run'),
        by: c.req.query('by'),
      });
      return result.ok ? reply(c, resultsApi.campaign, result.value) : refuse(result.error);
    },
  );

  router.route(
    endpointRoute(resultsApi.daily, {
      access: 'dashboard.read',
      tag: 'Results',
      summary: "A campaign's results day by day",
      answer: 'One item per day.',
    }),
    async (c) => {
      const result = await app.results.dailySeries(pathParam(c, 'id'), { runId: c.req.query('run') });
      return result.ok ? reply(c, resultsApi.daily, { items: result.value }) : refuse(result.error);
    },
  );

  router.route(
    endpointRoute(resultsApi.programme, {
      access: 'dashboard.read',
      tag: 'Results',
      summary: 'The whole programme against the universal control group over a period',
      answer: 'The programme results.',
    }),
    async (c) => {
      const range = period(c.req.query('from'), c.req.query('to'));
      if ('error' in range) return range.error;
      const result = await app.results.programme(range);
      return result.ok ? reply(c, resultsApi.programme, result.value) : refuse(result.error);
    },
  );

  router.route(
    endpointRoute(resultsApi.revenueShare, {
      access: 'dashboard.read',
      tag: 'Results',
      summary: 'Incremental revenue per campaign and offer, and its share (JSON or CSV)',
      answer: 'One item per campaign, channel and offer; CSV with `format=csv`.',
    }),
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
      return reply(c, resultsApi.revenueShare, { items: result.value });
    },
  );

  router.route(
    endpointRoute(resultsApi.plan, {
      access: 'results.read',
      tag: 'Results',
      summary: 'The smallest effect a campaign can detect, or the audience and control a wanted one needs',
      answer: 'The plan.',
    }),
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
      return result.ok ? reply(c, resultsApi.plan, result.value) : refuse(result.error);
    },
  );
};
