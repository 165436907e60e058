import type { App } from '@opencvm/app';
import { StoreError } from '@opencvm/core';
import { Hono } from 'hono';
import { type ApiEnv, createRouter, MAX_BODY_BYTES, type RouteDeps, type RouteSpec } from './api-route.ts';
import { addDocsRoutes } from './docs.ts';
import { type ApiError, apiErrorOf, errorBody, HTTP_STATUS } from './errors.ts';
import { securityHeaders } from './hardening.ts';
import { openApiDocument } from './openapi.ts';
import { type RateLimits, routeGuards } from './route-guards.ts';
import { addAccountRoutes } from './routes/accounts.ts';
import { addCampaignRoutes } from './routes/campaigns.ts';
import { addCustomerRoutes } from './routes/customers.ts';
import { addDashboardRoutes } from './routes/dashboard.ts';
import { addDeliveryRoutes } from './routes/delivery.ts';
import { addHealthRoutes } from './routes/health.ts';
import { addImportRoutes } from './routes/import.ts';
import { addJourneyRoutes } from './routes/journeys.ts';
import { addMeasureRoutes } from './routes/measure.ts';
import { addOfferRoutes } from './routes/offers.ts';
import { addResultsRoutes } from './routes/results.ts';
import { addRunRoutes } from './routes/runs.ts';
import { addSchemaRoutes } from './routes/schema.ts';
import { addSegmentSourceRoutes } from './routes/segment-sources.ts';
import { addSegmentRoutes } from './routes/segments.ts';
import { addSettingsRoutes } from './routes/settings.ts';
import { addWebRoutes } from './routes/web.ts';

export { MAX_BODY_BYTES };

/** The HTTP API and the specs of its routes (for the OpenAPI document and tests). */
export interface ApiServer {
  readonly server: Hono<ApiEnv>;
  readonly routes: readonly RouteSpec[];
}

/**
 * The HTTP API over the application's use cases; routes only validate input and call them. Every
 * route goes through one router: its spec chooses the guards in front of it and describes it in
 * the OpenAPI document served at /openapi.json.
 */
export interface ServerOptions {
  readonly version: string;
  /** The clock of rate limits; the system clock when not given. */
  readonly clock?: () => Date;
  readonly rateLimits?: RateLimits;
  /** The web app's build (packages/web/dist), served at `/`; none when not given. */
  readonly webRoot?: string;
}

export const createServer = (app: App, options: ServerOptions): ApiServer => {
  const server = new Hono<ApiEnv>();
  for (const middleware of securityHeaders()) server.use(middleware);
  const fail = (error: ApiError) =>
    new Response(JSON.stringify(errorBody(error)), {
      status: HTTP_STATUS[error.code],
      headers: { 'content-type': 'application/json' },
    });

  server.onError((error) => {
    if (error instanceof StoreError && error.reason === 'unavailable') {
      return fail({ code: 'unavailable', message: 'the store is unavailable; try again' });
    }
    if (error instanceof StoreError && error.reason === 'conflict') {
      return fail({
        code: 'conflict',
        reason: 'concurrent_change',
        message: 'a concurrent change conflicted; try again',
      });
    }
    // Unknown failures are logged here and never described to the caller.
    console.error(error);
    return fail({ code: 'internal', message: 'internal error' });
  });
  server.notFound(() => fail({ code: 'not_found', message: 'no such route' }));

  const router = createRouter(
    server,
    routeGuards({
      app,
      fail,
      maxBodyBytes: MAX_BODY_BYTES,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
    }),
  );
  const deps: RouteDeps = {
    app,
    fail,
    refuse: (error, context) => fail(apiErrorOf(error, context)),
  };

  addHealthRoutes(router, { app, version: options.version });
  addImportRoutes(router, deps);
  addSegmentRoutes(router, deps);
  addSegmentSourceRoutes(router, deps);
  addRunRoutes(router, deps);
  addOfferRoutes(router, deps);
  addCampaignRoutes(router, deps);
  addJourneyRoutes(router, deps);
  addDeliveryRoutes(router, deps);
  addResultsRoutes(router, deps);
  addMeasureRoutes(router, deps);

  addAccountRoutes(router, deps);
  addSettingsRoutes(router, deps);
  addSchemaRoutes(router, deps);
  addCustomerRoutes(router, deps);
  addDashboardRoutes(router, deps);

  // Last: the document describes every route registered above (and these).
  let document: unknown = null;
  addDocsRoutes(router, {
    document: () => {
      document ??= openApiDocument(router.routes, { version: options.version });
      return document;
    },
  });
  addWebRoutes(server, { root: options.webRoot ?? null, fail });

  return { server, routes: router.routes };
};
