import { csvHeader, csvLine, type SegmentTarget } from '@opencvm/app';
import { err, maskRow, ok, type Result, segmentsApi } from '@opencvm/core';
import {
  type ApiContext,
  type ApiRouter,
  endpointRoute,
  jsonBody,
  pathParam,
  principalOf,
  type RouteDeps,
  reply,
} from '../api-route.ts';
import { pageOf, pageRequest, readCount } from '../pagination.ts';

/** Rules and segment definitions are small; list uploads may be as large as any body. */
export const MAX_RULE_BODY_BYTES = 1024 * 1024;

/** A query parameter as a whole number; NaN (refused by the use case) when it is not one. */
const queryInteger = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : Number.NaN;

const queryColumns = (text: string | undefined): string[] | undefined =>
  text === undefined ? undefined : text.split(',').map((column) => column.trim());

/** The segment, list and feature routes; each validates its input and calls one use case. */
export const addSegmentRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;

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

  router.route(
    endpointRoute(segmentsApi.list, {
      tag: 'Segments',
      access: 'data.read',
      summary: 'Saved segments',
      answer: 'A page of segments.',
    }),
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      return reply(c, segmentsApi.list, pageOf(await app.segments.list(), page.value));
    },
  );

  router.route(
    endpointRoute(segmentsApi.create, {
      tag: 'Segments',
      access: 'segments.write',
      summary: 'Create a segment',
      answer: 'The saved segment, version 1.',
      maxBodyBytes: MAX_RULE_BODY_BYTES,
      creates: true,
      audit: { action: 'segment.create' },
    }),
    async (c) => {
      const body = await objectBody(c);
      if (!body.ok) return body.error;
      const saved = await app.segments.save(body.value, 'create');
      return saved.ok ? reply(c, segmentsApi.create, saved.value) : refuse(saved.error);
    },
  );

  router.route(
    endpointRoute(segmentsApi.show, {
      tag: 'Segments',
      access: 'data.read',
      summary: 'A segment',
      answer: 'The segment.',
    }),
    async (c) => {
      const id = pathParam(c, 'id');
      const saved = await app.segments.get(id);
      return saved === null
        ? fail({ code: 'not_found', message: `no segment "${id}"` })
        : reply(c, segmentsApi.show, saved);
    },
  );

  router.route(
    endpointRoute(segmentsApi.update, {
      tag: 'Segments',
      access: 'segments.write',
      summary: 'Change a segment (a new version)',
      answer: 'The saved segment.',
      maxBodyBytes: MAX_RULE_BODY_BYTES,
      audit: { action: 'segment.update', target: segmentTarget, before: segmentBefore },
    }),
    async (c) => {
      const id = pathParam(c, 'id');
      const body = await objectBody(c);
      if (!body.ok) return body.error;
      if ('id' in body.value && body.value.id !== id)
        return fail({ code: 'invalid_body', path: 'id', message: 'must be the id in the path, or left out' });
      const saved = await app.segments.save({ ...body.value, id }, 'update');
      return saved.ok ? reply(c, segmentsApi.update, saved.value) : refuse(saved.error);
    },
  );

  router.route(
    endpointRoute(segmentsApi.remove, {
      tag: 'Segments',
      access: 'segments.write',
      summary: 'Delete a segment no other segment refers to',
      answer: 'Deleted.',
      audit: { action: 'segment.delete', target: segmentTarget, before: segmentBefore, after: () => null },
    }),
    async (c) => {
      const removed = await app.segments.remove(pathParam(c, 'id'));
      return removed.ok ? c.body(null, 204) : refuse(removed.error);
    },
  );

  router.route(
    endpointRoute(segmentsApi.versions, {
      tag: 'Segments',
      access: 'data.read',
      summary: "A segment's versions",
      answer: 'A page of versions.',
    }),
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const versions = await app.segments.versions(pathParam(c, 'id'));
      return versions.ok
        ? reply(c, segmentsApi.versions, pageOf(versions.value, page.value))
        : refuse(versions.error);
    },
  );

  const count = async (c: ApiContext, target: SegmentTarget) => {
    const counted = await app.segments.count(target);
    return counted.ok ? reply(c, segmentsApi.count, { count: counted.value }) : refuse(counted.error);
  };

  router.route(
    endpointRoute(segmentsApi.countRule, {
      tag: 'Segments',
      access: 'data.read',
      summary: 'Count the customers an inline rule selects',
      answer: 'The count.',
      maxBodyBytes: MAX_RULE_BODY_BYTES,
    }),
    async (c) => {
      const body = await objectBody(c);
      if (!body.ok) return body.error;
      const target = ruleTarget(body.value);
      return target.ok ? count(c, target.value) : target.error;
    },
  );

  router.route(
    endpointRoute(segmentsApi.count, {
      tag: 'Segments',
      access: 'data.read',
      summary: "Count a segment's members",
      answer: 'The count.',
    }),
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
    return previewed.ok ? reply(c, segmentsApi.preview, previewed.value) : refuse(previewed.error);
  };

  router.route(
    endpointRoute(segmentsApi.previewRule, {
      tag: 'Segments',
      access: 'data.read',
      summary: 'The first customers an inline rule selects',
      answer: 'The columns and rows.',
      maxBodyBytes: MAX_RULE_BODY_BYTES,
    }),
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

  router.route(
    endpointRoute(segmentsApi.preview, {
      tag: 'Segments',
      access: 'data.read',
      summary: "A segment's first members",
      answer: 'The columns and rows.',
    }),
    (c) =>
      preview(
        c,
        { segment: pathParam(c, 'id') },
        { limit: queryInteger(c.req.query('limit')), columns: queryColumns(c.req.query('columns')) },
      ),
  );

  const explain = async (c: ApiContext, target: SegmentTarget) => {
    const explained = await app.segments.explain(target);
    return explained.ok ? reply(c, segmentsApi.explain, explained.value) : refuse(explained.error);
  };

  router.route(
    endpointRoute(segmentsApi.explainRule, {
      tag: 'Segments',
      access: 'data.read',
      summary: 'How many customers each condition of an inline rule keeps',
      answer: 'Counts per condition.',
      maxBodyBytes: MAX_RULE_BODY_BYTES,
    }),
    async (c) => {
      const body = await objectBody(c);
      if (!body.ok) return body.error;
      const target = ruleTarget(body.value);
      return target.ok ? explain(c, target.value) : target.error;
    },
  );

  router.route(
    endpointRoute(segmentsApi.explain, {
      tag: 'Segments',
      access: 'data.read',
      summary: "How many customers each condition of a segment's rule keeps",
      answer: 'Counts per condition.',
    }),
    (c) => explain(c, { segment: pathParam(c, 'id') }),
  );

  router.route(
    endpointRoute(segmentsApi.snapshot, {
      tag: 'Segments',
      access: 'segments.write',
      summary: "Take a snapshot of a segment's members",
      answer: 'The snapshot.',
      creates: true,
      audit: { action: 'segment.snapshot', target: segmentTarget },
    }),
    async (c) => {
      const snapshot = await app.segments.snapshot(pathParam(c, 'id'));
      return snapshot.ok ? reply(c, segmentsApi.snapshot, snapshot.value) : refuse(snapshot.error);
    },
  );

  router.route(
    endpointRoute(segmentsApi.snapshots, {
      tag: 'Segments',
      access: 'data.read',
      summary: "A segment's snapshots, newest first",
      answer: 'A page of snapshots.',
    }),
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const snapshots = await app.segments.snapshots(pathParam(c, 'id'), readCount(page.value));
      return snapshots.ok
        ? reply(c, segmentsApi.snapshots, pageOf(snapshots.value, page.value))
        : refuse(snapshots.error);
    },
  );

  router.route(
    endpointRoute(segmentsApi.changes, {
      tag: 'Segments',
      access: 'data.read',
      summary: 'Who entered and who left a segment at a snapshot',
      answer: 'Ids that entered and left.',
    }),
    async (c) => {
      const changes = await app.segments.changes(
        pathParam(c, 'snapshotId'),
        queryInteger(c.req.query('limit')) ?? 100,
      );
      return changes.ok ? reply(c, segmentsApi.changes, changes.value) : refuse(changes.error);
    },
  );

  router.route(
    endpointRoute(segmentsApi.export, {
      tag: 'Segments',
      access: 'data.read',
      summary: "A segment's members as CSV, streamed",
      answer: 'The members, one per line.',
      answerType: 'text/csv',
    }),
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
};
