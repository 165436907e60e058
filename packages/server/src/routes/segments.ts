import { csvHeader, csvLine, type SegmentTarget } from '@opencvm/app';
import { err, FEATURES, maskRow, ok, type Result, SegmentDefinition, SegmentRule } from '@opencvm/core';
import { z } from 'zod';
import {
  type ApiContext,
  type ApiRouter,
  jsonBody,
  pathParam,
  principalOf,
  type RouteDeps,
  type RouteSpec,
} from '../api-route.ts';
import { named } from '../openapi.ts';
import { PageQuery, pageOf, pageRequest, pageSchema, readCount } from '../pagination.ts';

/** Rules and segment definitions are small; list uploads may be as large as any body. */
export const MAX_RULE_BODY_BYTES = 1024 * 1024;

/** A query parameter as a whole number; NaN (refused by the use case) when it is not one. */
const queryInteger = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : Number.NaN;

const queryColumns = (text: string | undefined): string[] | undefined =>
  text === undefined ? undefined : text.split(',').map((column) => column.trim());

// Bodies and answers, for the OpenAPI document (the use cases check bodies themselves).
const SegmentChange = named(
  SegmentDefinition.partial({ id: true })
    .extend({
      version: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe(
          'The version the change is based on (as read); when the stored one moved since, the answer is 409 `conflict` with reason `stale_version` and nothing is written.',
        ),
    })
    .describe('The segment definition; `id`, when given, must be the one in the path.'),
  'SegmentChange',
);
const RuleBody = named(z.object({ rule: SegmentRule }), 'RuleBody');
const PreviewBody = named(
  z.object({
    rule: SegmentRule,
    limit: z.number().int().min(1).max(1000).optional(),
    columns: z.array(z.string()).optional(),
  }),
  'PreviewBody',
);
const ListIds = named(
  z.object({ ids: z.array(z.string()).describe('Customer ids; repeats count once.') }),
  'ListIds',
);
const SavedSegment = named(
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    rule: SegmentRule,
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  'SavedSegment',
);
const SegmentVersion = named(
  z.object({
    version: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    rule: SegmentRule,
    createdAt: z.string(),
  }),
  'SegmentVersion',
);
const SegmentSnapshot = named(
  z.object({
    id: z.string(),
    segmentId: z.string(),
    version: z.number().int(),
    takenAt: z.string(),
    size: z.number().int(),
    entered: z.number().int().nullable(),
    left: z.number().int().nullable(),
  }),
  'SegmentSnapshot',
);
const CustomerList = named(
  z.object({
    name: z.string(),
    size: z.number().int(),
    matched: z.number().int(),
    updatedAt: z.string(),
  }),
  'CustomerList',
);
const Count = named(z.object({ count: z.number().int() }), 'Count');
const Preview = named(
  z.object({ columns: z.array(z.string()), rows: z.array(z.record(z.string(), z.unknown())) }),
  'Preview',
);
const Explain = named(
  z.object({
    customers: z.number().int(),
    matched: z.number().int(),
    nodes: z.array(
      z.object({
        path: z.string(),
        type: z.string(),
        matched: z.number().int(),
        cumulative: z.number().int().nullable(),
      }),
    ),
  }),
  'Explain',
);
const PreviewQuery = z.object({
  limit: z.string().regex(/^\d+$/).optional().describe('Rows to show, 1 to 1000.'),
  columns: z.string().optional().describe('Comma-separated customer columns; `id` when absent.'),
});
const ChangesQuery = z.object({
  limit: z
    .string()
    .regex(/^\d+$/)
    .optional()
    .describe('Ids to show of each of entered and left; 100 by default.'),
});
const ExportQuery = z.object({
  columns: z.string().optional().describe('Comma-separated customer columns; `id` when absent.'),
});

/** The segment, list and feature routes; each validates its input and calls one use case. */
export const addSegmentRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;
  const route = (spec: Omit<RouteSpec, 'tag'>, handler: (c: ApiContext) => Response | Promise<Response>) =>
    router.route({ tag: 'Segments', ...spec }, handler);

  /** The body as a JSON object, or the response refusing it. */
  const objectBody = async (c: ApiContext): Promise<Result<object, Response>> => {
    const decoded = await jsonBody(c);
    if (!decoded.ok) return err(fail(decoded.error));
    const body = decoded.value;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return err(fail({ code: 'invalid_body', path: '(body)', message: 'the body must be a JSON object' }));
    return ok(body);
  };

  /** An inline rule from a `{ rule, … }` body. */
  const ruleTarget = (body: object): Result<SegmentTarget, Response> =>
    'rule' in body && body.rule !== undefined
      ? ok({ rule: body.rule })
      : err(fail({ code: 'invalid_body', path: 'rule', message: 'is required' }));

  const segmentTarget = (c: ApiContext) => ({ type: 'segment', id: pathParam(c, 'id') });
  const segmentBefore = (c: ApiContext) => app.segments.get(pathParam(c, 'id'));

  route(
    {
      method: 'get',
      path: '/v1/segments',
      access: 'data.read',
      summary: 'Saved segments',
      query: PageQuery,
      responses: { 200: { description: 'A page of segments.', schema: pageSchema(SavedSegment) } },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      return c.json(pageOf(await app.segments.list(), page.value));
    },
  );

  route(
    {
      method: 'post',
      path: '/v1/segments',
      access: 'segments.write',
      summary: 'Create a segment',
      body: SegmentDefinition,
      responses: { 201: { description: 'The saved segment, version 1.', schema: SavedSegment } },
      maxBodyBytes: MAX_RULE_BODY_BYTES,
      creates: true,
      audit: { action: 'segment.create' },
    },
    async (c) => {
      const body = await objectBody(c);
      if (!body.ok) return body.error;
      const saved = await app.segments.save(body.value, 'create');
      return saved.ok ? c.json(saved.value, 201) : refuse(saved.error);
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/segments/:id',
      access: 'data.read',
      summary: 'A segment',
      responses: { 200: { description: 'The segment.', schema: SavedSegment } },
    },
    async (c) => {
      const id = pathParam(c, 'id');
      const saved = await app.segments.get(id);
      return saved === null ? fail({ code: 'not_found', message: `no segment "${id}"` }) : c.json(saved);
    },
  );

  route(
    {
      method: 'put',
      path: '/v1/segments/:id',
      access: 'segments.write',
      summary: 'Change a segment (a new version)',
      body: SegmentChange,
      responses: { 200: { description: 'The saved segment.', schema: SavedSegment } },
      maxBodyBytes: MAX_RULE_BODY_BYTES,
      audit: { action: 'segment.update', target: segmentTarget, before: segmentBefore },
    },
    async (c) => {
      const id = pathParam(c, 'id');
      const body = await objectBody(c);
      if (!body.ok) return body.error;
      if ('id' in body.value && body.value.id !== id)
        return fail({ code: 'invalid_body', path: 'id', message: 'must be the id in the path, or left out' });
      const saved = await app.segments.save({ ...body.value, id }, 'update');
      return saved.ok ? c.json(saved.value) : refuse(saved.error);
    },
  );

  route(
    {
      method: 'delete',
      path: '/v1/segments/:id',
      access: 'segments.write',
      summary: 'Delete a segment no other segment refers to',
      responses: { 204: { description: 'Deleted.' } },
      audit: { action: 'segment.delete', target: segmentTarget, before: segmentBefore, after: () => null },
    },
    async (c) => {
      const removed = await app.segments.remove(pathParam(c, 'id'));
      return removed.ok ? c.body(null, 204) : refuse(removed.error);
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/segments/:id/versions',
      access: 'data.read',
      summary: "A segment's versions",
      query: PageQuery,
      responses: { 200: { description: 'A page of versions.', schema: pageSchema(SegmentVersion) } },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const versions = await app.segments.versions(pathParam(c, 'id'));
      return versions.ok ? c.json(pageOf(versions.value, page.value)) : refuse(versions.error);
    },
  );

  const count = async (c: ApiContext, target: SegmentTarget) => {
    const counted = await app.segments.count(target);
    return counted.ok ? c.json({ count: counted.value }) : refuse(counted.error);
  };

  route(
    {
      method: 'post',
      path: '/v1/segments:count',
      access: 'data.read',
      summary: 'Count the customers an inline rule selects',
      body: RuleBody,
      responses: { 200: { description: 'The count.', schema: Count } },
      maxBodyBytes: MAX_RULE_BODY_BYTES,
    },
    async (c) => {
      const body = await objectBody(c);
      if (!body.ok) return body.error;
      const target = ruleTarget(body.value);
      return target.ok ? count(c, target.value) : target.error;
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/segments/:id/count',
      access: 'data.read',
      summary: "Count a segment's members",
      responses: { 200: { description: 'The count.', schema: Count } },
    },
    (c) => count(c, { segment: pathParam(c, 'id') }),
  );

  const preview = async (
    c: ApiContext,
    target: SegmentTarget,
    options: { readonly limit: number | undefined; readonly columns: readonly string[] | undefined },
  ) => {
    const previewed = await app.segments.preview(target, {
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.columns === undefined ? {} : { columns: options.columns }),
    });
    return previewed.ok ? c.json(previewed.value) : refuse(previewed.error);
  };

  route(
    {
      method: 'post',
      path: '/v1/segments:preview',
      access: 'data.read',
      summary: 'The first customers an inline rule selects',
      body: PreviewBody,
      responses: { 200: { description: 'The columns and rows.', schema: Preview } },
      maxBodyBytes: MAX_RULE_BODY_BYTES,
    },
    async (c) => {
      const body = await objectBody(c);
      if (!body.ok) return body.error;
      const target = ruleTarget(body.value);
      if (!target.ok) return target.error;
      const limit = 'limit' in body.value ? body.value.limit : undefined;
      if (limit !== undefined && typeof limit !== 'number')
        return fail({ code: 'invalid_body', path: 'limit', message: 'must be a number' });
      const columns = 'columns' in body.value ? body.value.columns : undefined;
      if (
        columns !== undefined &&
        !(Array.isArray(columns) && columns.every((column) => typeof column === 'string'))
      )
        return fail({ code: 'invalid_body', path: 'columns', message: 'must be an array of column names' });
      return preview(c, target.value, { limit, columns });
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/segments/:id/preview',
      access: 'data.read',
      summary: "A segment's first members",
      query: PreviewQuery,
      responses: { 200: { description: 'The columns and rows.', schema: Preview } },
    },
    (c) =>
      preview(
        c,
        { segment: pathParam(c, 'id') },
        { limit: queryInteger(c.req.query('limit')), columns: queryColumns(c.req.query('columns')) },
      ),
  );

  const explain = async (c: ApiContext, target: SegmentTarget) => {
    const explained = await app.segments.explain(target);
    return explained.ok ? c.json(explained.value) : refuse(explained.error);
  };

  route(
    {
      method: 'post',
      path: '/v1/segments:explain',
      access: 'data.read',
      summary: 'How many customers each condition of an inline rule keeps',
      body: RuleBody,
      responses: { 200: { description: 'Counts per condition.', schema: Explain } },
      maxBodyBytes: MAX_RULE_BODY_BYTES,
    },
    async (c) => {
      const body = await objectBody(c);
      if (!body.ok) return body.error;
      const target = ruleTarget(body.value);
      return target.ok ? explain(c, target.value) : target.error;
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/segments/:id/explain',
      access: 'data.read',
      summary: "How many customers each condition of a segment's rule keeps",
      responses: { 200: { description: 'Counts per condition.', schema: Explain } },
    },
    (c) => explain(c, { segment: pathParam(c, 'id') }),
  );

  route(
    {
      method: 'post',
      path: '/v1/segments/:id/snapshots',
      access: 'segments.write',
      summary: "Take a snapshot of a segment's members",
      responses: { 201: { description: 'The snapshot.', schema: SegmentSnapshot } },
      creates: true,
      audit: { action: 'segment.snapshot', target: segmentTarget },
    },
    async (c) => {
      const snapshot = await app.segments.snapshot(pathParam(c, 'id'));
      return snapshot.ok ? c.json(snapshot.value, 201) : refuse(snapshot.error);
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/segments/:id/snapshots',
      access: 'data.read',
      summary: "A segment's snapshots, newest first",
      query: PageQuery,
      responses: { 200: { description: 'A page of snapshots.', schema: pageSchema(SegmentSnapshot) } },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const snapshots = await app.segments.snapshots(pathParam(c, 'id'), readCount(page.value));
      return snapshots.ok ? c.json(pageOf(snapshots.value, page.value)) : refuse(snapshots.error);
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/snapshots/:snapshotId/changes',
      access: 'data.read',
      summary: 'Who entered and who left a segment at a snapshot',
      query: ChangesQuery,
      responses: {
        200: {
          description: 'Ids that entered and left.',
          schema: z.object({ entered: z.array(z.string()), left: z.array(z.string()) }),
        },
      },
    },
    async (c) => {
      const changes = await app.segments.changes(
        pathParam(c, 'snapshotId'),
        queryInteger(c.req.query('limit')) ?? 100,
      );
      return changes.ok ? c.json(changes.value) : refuse(changes.error);
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/segments/:id/export',
      access: 'data.read',
      summary: "A segment's members as CSV, streamed",
      query: ExportQuery,
      responses: { 200: { description: 'The members, one per line.', contentType: 'text/csv' } },
    },
    async (c) => {
      const id = pathParam(c, 'id');
      // Rows go out as the store reads them: each write waits for the client to take the last one.
      const encoder = new TextEncoderStream();
      const writer = encoder.writable.getWriter();
      // A write fails when the client has gone: the export then stops, and that is no error of ours.
      let clientGone = false;
      const write = async (text: string) => {
        try {
          await writer.write(text);
        } catch (error) {
          clientGone = true;
          throw error;
        }
      };
      let markStarted = () => {};
      const started = new Promise<'started'>((resolve) => {
        markStarted = () => resolve('started');
      });
      const run = app.segments.exportRows(
        { segment: id },
        {
          columns: queryColumns(c.req.query('columns')),
          onStart: async (columns) => {
            markStarted();
            await write(csvHeader(columns));
          },
          onRows: async (rows, columns) => {
            const shown = principalOf(c).masked ? rows.map(maskRow) : rows;
            await write(shown.map((row) => csvLine(columns, row)).join(''));
          },
        },
      );
      // Refusals come before the first byte, so they still get their status.
      const first = await Promise.race([started, run]);
      if (first !== 'started' && !first.ok) return refuse(first.error);
      run.then(
        () => writer.close().catch(() => {}),
        (error: unknown) => {
          // The headers are sent: all that is left is to cut the response short.
          if (!clientGone) console.error(error);
          return writer.abort(error).catch(() => {});
        },
      );
      return new Response(encoder.readable, {
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${id}.csv"`,
        },
      });
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/segment-presets',
      access: 'data.read',
      summary: 'The RFM presets a segment can be created from',
      responses: {
        200: {
          description: 'Every preset.',
          schema: z.object({
            items: z.array(z.object({ key: z.string(), name: z.string(), rule: SegmentRule })),
          }),
        },
      },
    },
    (c) => c.json({ items: app.segments.presets() }),
  );

  route(
    {
      method: 'post',
      path: '/v1/segment-presets/:key',
      access: 'segments.write',
      summary: 'Create a segment from an RFM preset',
      responses: { 201: { description: 'The saved segment.', schema: SavedSegment } },
      creates: true,
      audit: { action: 'segment.create' },
    },
    async (c) => {
      const saved = await app.segments.createFromPreset(pathParam(c, 'key'));
      return saved.ok ? c.json(saved.value, 201) : refuse(saved.error);
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/lists',
      access: 'data.read',
      summary: 'Uploaded customer lists',
      query: PageQuery,
      responses: { 200: { description: 'A page of lists.', schema: pageSchema(CustomerList) } },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      return c.json(pageOf(await app.segments.lists(), page.value));
    },
  );

  const listTarget = (c: ApiContext) => ({ type: 'list', id: pathParam(c, 'name') });
  const listBefore = async (c: ApiContext) =>
    (await app.segments.lists()).find((list) => list.name === pathParam(c, 'name')) ?? null;

  route(
    {
      method: 'put',
      path: '/v1/lists/:name',
      access: 'segments.write',
      summary: 'Upload (or replace) a list of customer ids',
      body: ListIds,
      responses: { 200: { description: 'The saved list.', schema: CustomerList } },
      audit: { action: 'list.save', target: listTarget, before: listBefore },
    },
    async (c) => {
      const body = await objectBody(c);
      if (!body.ok) return body.error;
      const saved = await app.segments.saveListIds(
        pathParam(c, 'name'),
        'ids' in body.value ? body.value.ids : undefined,
      );
      return saved.ok ? c.json(saved.value) : refuse(saved.error);
    },
  );

  route(
    {
      method: 'delete',
      path: '/v1/lists/:name',
      access: 'segments.write',
      summary: 'Delete a list no segment refers to',
      responses: { 204: { description: 'Deleted.' } },
      audit: { action: 'list.delete', target: listTarget, before: listBefore, after: () => null },
    },
    async (c) => {
      const removed = await app.segments.removeList(pathParam(c, 'name'));
      return removed.ok ? c.body(null, 204) : refuse(removed.error);
    },
  );

  route(
    {
      method: 'post',
      path: '/v1/features:refresh',
      access: 'segments.write',
      summary: 'Recompute the RFM features of every customer',
      responses: {
        200: {
          description: 'What was computed.',
          schema: z.object({
            customers: z.number().int(),
            asOf: z.string(),
            refreshedAt: z.string(),
            windowDays: z.number().int(),
            eventTypes: z.array(z.string()),
          }),
        },
      },
      audit: { action: 'features.refresh' },
    },
    async (c) => c.json(await app.segments.refreshFeatures()),
  );

  route(
    {
      method: 'get',
      path: '/v1/features',
      access: 'data.read',
      summary: 'The computed customer features and their last refresh',
      responses: { 200: { description: 'The features.' } },
    },
    async (c) =>
      c.json({
        features: Object.entries(FEATURES).map(([name, feature]) => ({ name, ...feature })),
        lastRefresh: await app.segments.lastFeatureRefresh(),
      }),
  );
};
