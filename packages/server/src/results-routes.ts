import { type App, type ResultsError, revenueShareCsv } from '@opencvm/app';
import type { Hono } from 'hono';
import type { ApiError } from './errors.ts';

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

export const addResultsRoutes = (
  server: Hono,
  deps: { readonly app: App; readonly fail: (error: ApiError) => Response },
): void => {
  const { app, fail } = deps;
  const refusal = (error: ResultsError) =>
    error.type === 'not_found'
      ? fail({ code: 'not_found', message: error.message })
      : fail({ code: 'invalid_body', path: error.path, message: error.message });
  const period = (from: string | undefined, to: string | undefined) => {
    const start = instant(from);
    const end = instant(to);
    if (start === null)
      return {
        error: fail({ code: 'invalid_body', path: 'from', message: 'expected a date such as 2026-03-01' }),
      };
    if (end === null)
      return {
        error: fail({ code: 'invalid_body', path: 'to', message: 'expected a date such as 2026-04-01' }),
      };
    return { from: start, to: end };
  };

  server.get('/v1/campaigns/:id/results', async (c) => {
    const result = await app.results.campaignResults(c.req.param('id'), {
      runId: c.req.query('run'),
      by: c.req.query('by'),
    });
    return result.ok ? c.json(result.value) : refusal(result.error);
  });

  server.get('/v1/campaigns/:id/results/daily', async (c) => {
    const result = await app.results.dailySeries(c.req.param('id'), { runId: c.req.query('run') });
    return result.ok ? c.json({ items: result.value }) : refusal(result.error);
  });

  server.get('/v1/programme', async (c) => {
    const range = period(c.req.query('from'), c.req.query('to'));
    if ('error' in range) return range.error;
    const result = await app.results.programme(range);
    return result.ok ? c.json(result.value) : refusal(result.error);
  });

  server.get('/v1/revenue-share', async (c) => {
    const range = period(c.req.query('from'), c.req.query('to'));
    if ('error' in range) return range.error;
    const shareText = c.req.query('share');
    const share = shareText === undefined ? undefined : Number(shareText);
    if (share !== undefined && !(share >= 0 && share <= 100)) {
      return fail({ code: 'invalid_body', path: 'share', message: 'expected a percentage from 0 to 100' });
    }
    const result = await app.results.revenueShare({ ...range, sharePercent: share });
    if (!result.ok) return refusal(result.error);
    if (c.req.query('format') === 'csv') {
      return c.body(revenueShareCsv(result.value), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="revenue-share.csv"',
      });
    }
    return c.json({ items: result.value });
  });

  server.post('/v1/planning', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return fail({ code: 'invalid_body', path: '(body)', message: 'the body is not valid JSON' });
    }
    const field = (name: string): number | undefined =>
      typeof body === 'object' && body !== null && name in body ? Number(Reflect.get(body, name)) : undefined;
    const result = app.results.plan({
      baseRate: field('baseRate') ?? Number.NaN,
      audience: field('audience') ?? Number.NaN,
      controlSharePercent: field('controlShare') ?? 10,
      mde: field('mde'),
    });
    return result.ok ? c.json(result.value) : refusal(result.error);
  });
};
