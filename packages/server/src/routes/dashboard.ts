import { z } from 'zod';
import { type ApiRouter, pathParam, type RouteDeps } from '../api-route.ts';
import { invalidInput } from '../errors.ts';
import { named } from '../openapi.ts';
import { PageQuery, pageOf, pageRequest, pageSchema, readCount } from '../pagination.ts';

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

const Period = z.object({
  from: z.string().describe('First day (or instant) of the period, e.g. 2026-03-01.'),
  to: z.string().describe('End of the period (exclusive), e.g. 2026-04-01.'),
});

const Ratio = z.number().nullable();
const ContactPressure = named(
  z.object({
    from: z.string(),
    to: z.string(),
    timezone: z.string().describe("The workspace's time zone: weeks start on its Mondays."),
    counted: z.literal('sent').describe('Messages a gateway accepted, by their sent time.'),
    base: z.number().int().describe('Customers in the store: the denominator of `perBase`.'),
    weeks: z
      .number()
      .describe('The period in weeks (days / 7): with the base, the denominator of `perBaseWeekly`.'),
    byWeek: z.array(
      z.object({
        weekStart: z.string().describe('The Monday the week starts on, YYYY-MM-DD.'),
        channel: z.string(),
        messages: z.number().int(),
        customers: z.number().int().describe('Distinct customers contacted on the channel that week.'),
        perContacted: Ratio.describe('messages / customers contacted that week.'),
        perBase: Ratio.describe('messages / base.'),
      }),
    ),
    byChannel: z.array(
      z.object({
        channel: z.string(),
        messages: z.number().int(),
        activeWeeks: z.number().int(),
        perContactedWeekly: Ratio.describe('Messages per contacted customer per week (over customer-weeks).'),
        perBaseWeekly: Ratio.describe('Messages per customer of the base per week of the period.'),
        peakPerContacted: Ratio,
      }),
    ),
  }),
  'ContactPressure',
);

const ResultsRun = named(
  z.object({
    id: z.string(),
    campaignId: z.string(),
    campaignVersion: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    status: z.string(),
    dueAt: z.string().nullable(),
    funnel: z.record(z.string(), z.unknown()).nullable(),
  }),
  'ResultsRun',
);

const ResultsContext = named(
  z.object({
    currency: z.string().describe("The workspace's currency: every amount in results is in it."),
    timezone: z.string(),
    attributes: z.array(z.object({ name: z.string(), type: z.string() })),
    segments: z.array(z.object({ id: z.string(), name: z.string() })),
  }),
  'ResultsContext',
);

export const addDashboardRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;

  router.route(
    {
      method: 'get',
      path: '/v1/contact-pressure',
      access: 'dashboard.read',
      tag: 'Results',
      summary: 'Messages per customer per week by channel over a period',
      description:
        'Messages a gateway accepted (by sent time), per week of the workspace calendar and channel, divided by the customers contacted that week (`perContacted`) and by the whole base (`perBase`).',
      query: Period,
      responses: { 200: { description: 'The pressure by week and by channel.', schema: ContactPressure } },
    },
    async (c) => {
      const from = instant(c.req.query('from'));
      const to = instant(c.req.query('to'));
      if (from === null)
        return fail(invalidInput('from', 'expected a date such as 2026-03-01', 'invalid_format'));
      if (to === null)
        return fail(invalidInput('to', 'expected a date such as 2026-04-01', 'invalid_format'));
      const result = await app.results.contactPressure({ from, to });
      return result.ok ? c.json(result.value) : refuse(result.error);
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/campaigns/:id/results/runs',
      access: 'dashboard.read',
      tag: 'Results',
      summary: "A campaign's real runs with their funnels, newest first: the runs its results cover",
      query: PageQuery,
      responses: {
        200: { description: 'A page of runs (dry runs left out).', schema: pageSchema(ResultsRun) },
      },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const runs = await app.runs.listRuns(pathParam(c, 'id'), 10_000);
      if (!runs.ok) return refuse(runs.error);
      const real = runs.value
        .filter((run) => !run.dryRun)
        .slice(0, readCount(page.value))
        .map(({ dryRun: _dryRun, ...run }) => run);
      return c.json(pageOf(real, page.value));
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/results/context',
      access: 'dashboard.read',
      tag: 'Results',
      summary: 'What results are read with: the currency, the time zone, and what they break down by',
      description:
        'Customer attributes and saved segments (`segment:<id>`) are what `?by=` of campaign results takes.',
      responses: {
        200: { description: 'Currency, time zone, attributes and segments.', schema: ResultsContext },
      },
    },
    async (c) => {
      const attributes = [
        ...Object.entries(app.schema.customer.attributes).map(([name, spec]) => ({ name, type: spec.type })),
        { name: 'timezone', type: 'string' },
        { name: 'locale', type: 'string' },
      ];
      const segments = (await app.segments.list()).map((segment) => ({ id: segment.id, name: segment.name }));
      return c.json({
        currency: app.schema.workspace.currency,
        timezone: app.schema.workspace.timezone,
        attributes,
        segments,
      });
    },
  );
};
