import { resultsApi } from '@opencvm/core';
import { type ApiRouter, endpointRoute, pathParam, type RouteDeps, reply } from '../api-route.ts';
import { invalidInput } from '../errors.ts';
import { pageOf, pageRequest, readCount } from '../pagination.ts';

/**
 * What the home and results pages need that a viewer (`dashboard.read` only) may read: contact
 * pressure, the funnels of a campaign's real runs, and what results are read with (currency,
 * breakdowns). Each answers counts over many customers, never a customer.
 */

const instant = (text: string | undefined): Date | null => {
  if (text === undefined || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(text)) return null;
  const date = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(date.getTime()) ? null : date;
};

export const addDashboardRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;

  router.route(
    endpointRoute(resultsApi.contactPressure, {
      access: 'dashboard.read',
      tag: 'Results',
      summary: 'Messages per customer per week by channel over a period',
      description:
        'Messages a gateway accepted (by sent time), per week of the workspace calendar and channel, divided by the customers contacted that week (`perContacted`) and by the whole base (`perBase`).',
      answer: 'The pressure by week and by channel.',
    }),
    async (c) => {
      const from = instant(c.req.query('from'));
      const to = instant(c.req.query('to'));
      if (from === null)
        return fail(invalidInput('from', 'expected a date such as 2026-03-01', 'invalid_format'));
      if (to === null)
        return fail(invalidInput('to', 'expected a date such as 2026-04-01', 'invalid_format'));
      const result = await app.results.contactPressure({ from, to });
      return result.ok ? reply(c, resultsApi.contactPressure, result.value) : refuse(result.error);
    },
  );

  router.route(
    endpointRoute(resultsApi.runs, {
      access: 'dashboard.read',
      tag: 'Results',
      summary: "A campaign's real runs with their funnels, newest first: the runs its results cover",
      answer: 'A page of runs (dry runs left out).',
    }),
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const runs = await app.runs.listRuns(pathParam(c, 'id'), 10_000);
      if (!runs.ok) return refuse(runs.error);
      const real = runs.value
        .filter((run) => !run.dryRun)
        .slice(0, readCount(page.value))
        .map(({ dryRun: _dryRun, ...run }) => run);
      return reply(c, resultsApi.runs, pageOf(real, page.value));
    },
  );

  router.route(
    endpointRoute(resultsApi.context, {
      access: 'dashboard.read',
      tag: 'Results',
      summary: 'What results are read with: the currency, the time zone, and what they break down by',
      description:
        'Customer attributes and saved segments (`segment:<id>`) are what `?by=` of campaign results takes.',
      answer: 'Currency, time zone, attributes and segments.',
    }),
    async (c) => {
      const attributes = [
        ...Object.entries(app.schema.customer.attributes).map(([name, spec]) => ({ name, type: spec.type })),
        { name: 'timezone', type: 'string' },
        { name: 'locale', type: 'string' },
      ];
      const segments = (await app.segments.list()).map((segment) => ({ id: segment.id, name: segment.name }));
      return reply(c, resultsApi.context, {
        currency: app.schema.workspace.currency,
        timezone: app.schema.workspace.timezone,
        attributes,
        segments,
      });
    },
  );
};
