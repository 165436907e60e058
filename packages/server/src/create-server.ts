import { type App, MAX_BATCH_ROWS } from '@opencvm/app';
import { FILE_FORMATS, IMPORT_KINDS, IMPORT_STATUSES, type ImportKind, StoreError } from '@opencvm/core';

import { Hono } from 'hono';
import { z } from 'zod';
import { addAccountRoutes } from './account-routes.ts';
import {
  type ApiEnv,
  type ApiRouter,
  createRouter,
  jsonBody,
  pathParam,
  type RouteSpec,
} from './api-route.ts';
import { addCampaignRoutes } from './campaign-routes.ts';
import { addCustomerRoutes } from './customer-routes.ts';
import { addDashboardRoutes } from './dashboard-routes.ts';
import { addDeliveryRoutes } from './delivery-routes.ts';
import { addDocsRoutes } from './docs.ts';
import { type ApiError, errorBody, HTTP_STATUS } from './errors.ts';
import { securityHeaders } from './hardening.ts';
import { addMeasureRoutes } from './measure-routes.ts';
import { named, openApiDocument } from './openapi.ts';
import { PageQuery, pageOf, pageRequest, pageSchema, readCount } from './pagination.ts';
import { addResultsRoutes } from './results-routes.ts';
import { type RateLimits, routeGuards } from './route-guards.ts';
import { addSchemaRoutes } from './schema-routes.ts';
import { addSegmentRoutes } from './segment-routes.ts';
import { addSettingsRoutes } from './settings-routes.ts';
import { addWebRoutes } from './web-routes.ts';

export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** The HTTP API and the specs of its routes (for the OpenAPI document and tests). */
export interface ApiServer {
  readonly server: Hono<ApiEnv>;
  readonly routes: readonly RouteSpec[];
}

export interface ServerDeps {
  readonly app: App;
  readonly fail: (error: ApiError) => Response;
}

const Health = named(
  z.object({
    status: z.literal('ok'),
    engine: z.string(),
    version: z.string(),
  }),
  'Health',
);

const Summary = named(
  z.object({
    customers: z.number().int(),
    events: z.number().int(),
    relations: z.number().int(),
    lastEventAt: z.string().nullable(),
    lastImportAt: z.string().nullable(),
  }),
  'Summary',
);

/** One row of a batch: field names (built-in and declared attributes) to values, checked per row. */
const BatchRecord = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const BatchBody = named(z.array(BatchRecord).max(MAX_BATCH_ROWS), 'BatchBody');
const BatchQuery = z.object({
  atomic: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: write nothing when any row is refused (422 with every refused row).'),
});
const RowIssue = z.object({ column: z.string(), value: z.string().nullable(), reason: z.string() });
const BatchOutcome = named(
  z.object({
    read: z.number().int(),
    inserted: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.number().int(),
    errors: z.array(z.object({ index: z.number().int(), issues: z.array(RowIssue) })),
  }),
  'BatchOutcome',
);

const ImportRun = named(
  z.object({
    id: z.string(),
    kind: z.enum(IMPORT_KINDS),
    source: z.string(),
    format: z.enum([...FILE_FORMATS, 'api']),
    status: z.enum(IMPORT_STATUSES),
    startedAt: z.string(),
    finishedAt: z.string(),
    seconds: z.number(),
    read: z.number().int(),
    inserted: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.number().int(),
    error: z.string().nullable().describe('Why a failed import wrote nothing.'),
  }),
  'ImportRun',
);

const BATCH_DESCRIPTIONS: Readonly<Record<ImportKind, string>> = {
  customers: 'Customers merged on their id: new ones inserted, known ones updated.',
  events: 'Events, de-duplicated by (customer_id, id).',
  relations: 'Relations between customers, merged on (src, dst, kind).',
};

/** Health, the summary, imports, customers and batch loads. */
const addDataRoutes = (router: ApiRouter, deps: ServerDeps & { readonly version: string }): void => {
  const { app, fail } = deps;

  router.route(
    {
      method: 'get',
      path: '/health',
      access: 'public',
      tag: 'Meta',
      summary: 'Whether the server is up, its store engine and version',
      responses: { 200: { description: 'The server answers.', schema: Health } },
    },
    async (c) => c.json({ status: 'ok', engine: app.store.engine, version: deps.version }),
  );

  router.route(
    {
      method: 'get',
      path: '/v1/summary',
      access: 'dashboard.read',
      tag: 'Data',
      summary: 'How many customers, events and relations the store holds, and how fresh they are',
      responses: { 200: { description: 'The counts.', schema: Summary } },
    },
    async (c) => c.json(await app.summary()),
  );

  router.route(
    {
      method: 'get',
      path: '/v1/imports',
      access: 'data.read',
      tag: 'Data',
      summary: 'Import runs (files and batches), newest first',
      query: PageQuery,
      responses: { 200: { description: 'A page of import runs.', schema: pageSchema(ImportRun) } },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      return c.json(pageOf(await app.store.listImportRuns(readCount(page.value)), page.value));
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/customers/:id',
      access: 'data.read',
      tag: 'Data',
      summary: 'A customer with their latest events and relations',
      responses: { 200: { description: 'The customer.' } },
    },
    async (c) => {
      const details = await app.customer(pathParam(c, 'id'));
      return details ? c.json(details) : fail({ code: 'not_found', message: 'no customer with that id' });
    },
  );

  for (const kind of IMPORT_KINDS) {
    router.route(
      {
        method: 'post',
        path: `/v1/${kind}:batch`,
        access: 'data.ingest',
        tag: 'Data',
        summary: `Load up to ${MAX_BATCH_ROWS} ${kind}`,
        description: `${BATCH_DESCRIPTIONS[kind]} Each row is checked against the workspace schema; refused rows come back with their index and reasons.`,
        query: BatchQuery,
        body: BatchBody,
        responses: {
          200: { description: 'What the batch did, with every refused row.', schema: BatchOutcome },
        },
        maxBodyBytes: MAX_BODY_BYTES,
        creates: true,
        audit: { action: `import.${kind}` },
      },
      async (c) => {
        const decoded = await jsonBody(c);
        if (!decoded.ok) return fail(decoded.error);
        const body = decoded.value;
        const atomic = c.req.query('atomic') === 'true';
        const result = await app.importBatch({ kind, body, atomic });
        if (!result.ok) {
          const error = result.error;
          return error.type === 'invalid_body'
            ? fail({ code: 'invalid_body', path: error.path, message: error.message })
            : fail({ code: 'invalid_rows', message: error.message, details: { errors: error.errors } });
        }
        const { run, errors } = result.value;
        return c.json({
          read: run.read,
          inserted: run.inserted,
          updated: run.updated,
          unchanged: run.unchanged,
          duplicates: run.duplicates,
          rejected: run.rejected,
          errors,
        });
      },
    );
  }
};

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
  const deps: ServerDeps = { app, fail };

  addDataRoutes(router, { ...deps, version: options.version });
  addSegmentRoutes(router, deps);
  addCampaignRoutes(router, deps);
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
