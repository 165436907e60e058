import { err, FEATURES, ok, type Result, segmentsApi } from '@opencvm/core';
import { z } from 'zod';
import {
  type ApiContext,
  type ApiRouter,
  endpointRoute,
  jsonBody,
  pathParam,
  type RouteDeps,
  type RouteSpec,
  reply,
} from '../api-route.ts';
import { pageOf, pageRequest } from '../pagination.ts';

/** What segments are made from besides rules: RFM presets, uploaded customer lists, computed features. */
export const addSegmentSourceRoutes = (router: ApiRouter, deps: RouteDeps): void => {
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

  router.route(
    endpointRoute(segmentsApi.presets, {
      tag: 'Segments',
      access: 'data.read',
      summary: 'The RFM presets a segment can be created from',
      answer: 'Every preset.',
    }),
    (c) => reply(c, segmentsApi.presets, { items: app.segments.presets() }),
  );

  router.route(
    endpointRoute(segmentsApi.fromPreset, {
      tag: 'Segments',
      access: 'segments.write',
      summary: 'Create a segment from an RFM preset',
      answer: 'The saved segment.',
      creates: true,
      audit: { action: 'segment.create' },
    }),
    async (c) => {
      const saved = await app.segments.createFromPreset(pathParam(c, 'key'));
      return saved.ok ? reply(c, segmentsApi.fromPreset, saved.value) : refuse(saved.error);
    },
  );

  router.route(
    endpointRoute(segmentsApi.lists, {
      tag: 'Segments',
      access: 'data.read',
      summary: 'Uploaded customer lists',
      answer: 'A page of lists.',
    }),
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      return reply(c, segmentsApi.lists, pageOf(await app.segments.lists(), page.value));
    },
  );

  const listTarget = (c: ApiContext) => ({ type: 'list', id: pathParam(c, 'name') });
  const listBefore = async (c: ApiContext) =>
    (await app.segments.lists()).find((list) => list.name === pathParam(c, 'name')) ?? null;

  router.route(
    endpointRoute(segmentsApi.saveList, {
      tag: 'Segments',
      access: 'segments.write',
      summary: 'Upload (or replace) a list of customer ids',
      answer: 'The saved list.',
      audit: { action: 'list.save', target: listTarget, before: listBefore },
    }),
    async (c) => {
      const body = await objectBody(c);
      if (!body.ok) return body.error;
      const saved = await app.segments.saveListIds(
        pathParam(c, 'name'),
        'ids' in body.value ? body.value.ids : undefined,
      );
      return saved.ok ? reply(c, segmentsApi.saveList, saved.value) : refuse(saved.error);
    },
  );

  router.route(
    endpointRoute(segmentsApi.removeList, {
      tag: 'Segments',
      access: 'segments.write',
      summary: 'Delete a list no segment refers to',
      answer: 'Deleted.',
      audit: { action: 'list.delete', target: listTarget, before: listBefore, after: () => null },
    }),
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
