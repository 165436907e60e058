import { MAX_BATCH_ROWS } from '@opencvm/app';
import {
  IMPORT_KINDS,
  IMPORT_RUN_FORMATS,
  IMPORT_STATUSES,
  type ImportKind,
  importApi,
  PageQuery,
  pageOf as pageSchema,
} from '@opencvm/core';
import { z } from 'zod';
import {
  type ApiRouter,
  endpointRoute,
  jsonBody,
  MAX_BODY_BYTES,
  type RouteDeps,
  reply,
} from '../api-route.ts';
import { named } from '../openapi.ts';
import { pageOf, pageRequest, readCount } from '../pagination.ts';

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
    format: z.enum(IMPORT_RUN_FORMATS),
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

/** The summary of the data, import runs and batch loads. */
export const addImportRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;

  router.route(
    endpointRoute(importApi.summary, {
      access: 'dashboard.read',
      tag: 'Data',
      summary: 'How many customers, events and relations the store holds, and how fresh they are',
      answer: 'The counts.',
    }),
    async (c) => reply(c, importApi.summary, await app.summary()),
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
      return c.json(pageOf(await app.importRuns(readCount(page.value)), page.value));
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
        if (!result.ok) return refuse(result.error);
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
