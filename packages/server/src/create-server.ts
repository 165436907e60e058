import type { App } from '@opencvm/app';
import { IMPORT_KINDS, type ImportKind } from '@opencvm/core';
import { StoreError } from '@opencvm/storage';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { addCampaignRoutes } from './campaign-routes.ts';
import { addDeliveryRoutes } from './delivery-routes.ts';
import { type ApiError, errorBody, HTTP_STATUS } from './errors.ts';
import { addMeasureRoutes } from './measure-routes.ts';
import { addResultsRoutes } from './results-routes.ts';
import { addSegmentRoutes } from './segment-routes.ts';

export const MAX_BODY_BYTES = 32 * 1024 * 1024;

const batchKind = (action: string): ImportKind | null => {
  const match = /^([a-z]+):batch$/.exec(action);
  const kind = match?.[1];
  return IMPORT_KINDS.find((candidate) => candidate === kind) ?? null;
};

/** The HTTP API over the application's use cases; routes only validate input and call them. */
export const createServer = (app: App, options: { readonly version: string }): Hono => {
  const server = new Hono();
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
      return fail({ code: 'conflict', message: 'a concurrent change conflicted; try again' });
    }
    // Unknown failures are logged here and never described to the caller.
    console.error(error);
    return fail({ code: 'internal', message: 'internal error' });
  });
  server.notFound(() => fail({ code: 'not_found', message: 'no such route' }));

  server.get('/health', async (c) =>
    c.json({ status: 'ok', engine: app.store.engine, version: options.version }),
  );

  server.get('/v1/summary', async (c) => c.json(await app.summary()));

  server.get('/v1/imports', async (c) => {
    const limitText = c.req.query('limit') ?? '50';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return fail({ code: 'invalid_body', path: 'limit', message: 'expected an integer from 1 to 1000' });
    }
    return c.json({ items: await app.store.listImportRuns(limit) });
  });

  server.get('/v1/customers/:id', async (c) => {
    const details = await app.customer(c.req.param('id'));
    return details ? c.json(details) : fail({ code: 'not_found', message: 'no customer with that id' });
  });

  server.post(
    '/v1/:action{[a-z]+:batch}',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => fail({ code: 'payload_too_large', message: `the body is over ${MAX_BODY_BYTES} bytes` }),
    }),
    async (c) => {
      const kind = batchKind(c.req.param('action'));
      if (!kind) return fail({ code: 'not_found', message: 'no such route' });
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return fail({ code: 'invalid_body', path: '(body)', message: 'the body is not valid JSON' });
      }
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

  addSegmentRoutes(server, { app, fail, maxBodyBytes: MAX_BODY_BYTES });
  addCampaignRoutes(server, { app, fail });
  addDeliveryRoutes(server, { app, fail });
  addResultsRoutes(server, { app, fail });
  addMeasureRoutes(server, { fail });

  return server;
};
