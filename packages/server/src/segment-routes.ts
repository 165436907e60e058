import { type App, csvHeader, csvLine, type SegmentError, type SegmentTarget } from '@opencvm/app';
import { err, FEATURES, ok, type Result } from '@opencvm/core';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { type ApiError, invalidBody } from './errors.ts';

/** Rules and segment definitions are small; list uploads may be as large as any body. */
export const MAX_RULE_BODY_BYTES = 1024 * 1024;
export const MAX_SNAPSHOTS = 1000;

export interface SegmentRouteDeps {
  readonly app: App;
  readonly fail: (error: ApiError) => Response;
  readonly maxBodyBytes: number;
}

/** A refused segment operation as an API error: bad input is 400 with every issue and its path. */
export const segmentFailure = (error: SegmentError): ApiError => {
  switch (error.type) {
    case 'invalid_segment':
      return invalidBody(error.issues);
    case 'not_found':
      return { code: 'not_found', message: error.message };
    case 'conflict':
      return { code: 'conflict', message: error.message };
    case 'invalid_file':
      return { code: 'invalid_body', message: error.message };
  }
};

/** A query parameter as a whole number; NaN (refused by the use case) when it is not one. */
const queryInteger = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : Number.NaN;

const queryColumns = (text: string | undefined): string[] | undefined =>
  text === undefined ? undefined : text.split(',').map((column) => column.trim());

/** The segment, list and feature routes; each validates its input and calls one use case. */
export const addSegmentRoutes = (server: Hono, deps: SegmentRouteDeps): void => {
  const { app, fail } = deps;
  const refuse = (error: SegmentError) => fail(segmentFailure(error));
  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => fail({ code: 'payload_too_large', message: `the body is over ${maxSize} bytes` }),
    });
  const ruleBody = limit(MAX_RULE_BODY_BYTES);

  /** The body as a JSON object, or the response refusing it. */
  const objectBody = async (c: Context): Promise<Result<object, Response>> => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return err(fail({ code: 'invalid_body', path: '(body)', message: 'the body is not valid JSON' }));
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return err(fail({ code: 'invalid_body', path: '(body)', message: 'the body must be a JSON object' }));
    return ok(body);
  };

  /** An inline rule from a `{ rule, … }` body. */
  const ruleTarget = (body: object): Result<SegmentTarget, Response> =>
    'rule' in body && body.rule !== undefined
      ? ok({ rule: body.rule })
      : err(fail({ code: 'invalid_body', path: 'rule', message: 'is required' }));

  server.get('/v1/segments', async (c) => c.json({ items: await app.segments.list() }));

  server.post('/v1/segments', ruleBody, async (c) => {
    const body = await objectBody(c);
    if (!body.ok) return body.error;
    const saved = await app.segments.save(body.value, 'create');
    return saved.ok ? c.json(saved.value, 201) : refuse(saved.error);
  });

  server.get('/v1/segments/:id', async (c) => {
    const id = c.req.param('id');
    const saved = await app.segments.get(id);
    return saved === null ? fail({ code: 'not_found', message: `no segment "${id}"` }) : c.json(saved);
  });

  server.put('/v1/segments/:id', ruleBody, async (c) => {
    const id = c.req.param('id');
    const body = await objectBody(c);
    if (!body.ok) return body.error;
    if ('id' in body.value && body.value.id !== id)
      return fail({ code: 'invalid_body', path: 'id', message: 'must be the id in the path, or left out' });
    const saved = await app.segments.save({ ...body.value, id }, 'update');
    return saved.ok ? c.json(saved.value) : refuse(saved.error);
  });

  server.delete('/v1/segments/:id', async (c) => {
    const removed = await app.segments.remove(c.req.param('id'));
    return removed.ok ? c.body(null, 204) : refuse(removed.error);
  });

  server.get('/v1/segments/:id/versions', async (c) => {
    const versions = await app.segments.versions(c.req.param('id'));
    return versions.ok ? c.json({ items: versions.value }) : refuse(versions.error);
  });

  const count = async (c: Context, target: SegmentTarget) => {
    const counted = await app.segments.count(target);
    return counted.ok ? c.json({ count: counted.value }) : refuse(counted.error);
  };

  server.post('/v1/segments:count', ruleBody, async (c) => {
    const body = await objectBody(c);
    if (!body.ok) return body.error;
    const target = ruleTarget(body.value);
    return target.ok ? count(c, target.value) : target.error;
  });

  server.get('/v1/segments/:id/count', (c) => count(c, { segment: c.req.param('id') }));

  const preview = async (
    c: Context,
    target: SegmentTarget,
    options: { readonly limit: number | undefined; readonly columns: readonly string[] | undefined },
  ) => {
    const previewed = await app.segments.preview(target, {
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.columns === undefined ? {} : { columns: options.columns }),
    });
    return previewed.ok ? c.json(previewed.value) : refuse(previewed.error);
  };

  server.post('/v1/segments:preview', ruleBody, async (c) => {
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
  });

  server.get('/v1/segments/:id/preview', (c) =>
    preview(
      c,
      { segment: c.req.param('id') },
      { limit: queryInteger(c.req.query('limit')), columns: queryColumns(c.req.query('columns')) },
    ),
  );

  const explain = async (c: Context, target: SegmentTarget) => {
    const explained = await app.segments.explain(target);
    return explained.ok ? c.json(explained.value) : refuse(explained.error);
  };

  server.post('/v1/segments:explain', ruleBody, async (c) => {
    const body = await objectBody(c);
    if (!body.ok) return body.error;
    const target = ruleTarget(body.value);
    return target.ok ? explain(c, target.value) : target.error;
  });

  server.get('/v1/segments/:id/explain', (c) => explain(c, { segment: c.req.param('id') }));

  server.post('/v1/segments/:id/snapshots', async (c) => {
    const snapshot = await app.segments.snapshot(c.req.param('id'));
    return snapshot.ok ? c.json(snapshot.value, 201) : refuse(snapshot.error);
  });

  server.get('/v1/segments/:id/snapshots', async (c) => {
    const limit = queryInteger(c.req.query('limit')) ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SNAPSHOTS)
      return fail({
        code: 'invalid_body',
        path: 'limit',
        message: `must be an integer from 1 to ${MAX_SNAPSHOTS}`,
      });
    const snapshots = await app.segments.snapshots(c.req.param('id'), limit);
    return snapshots.ok ? c.json({ items: snapshots.value }) : refuse(snapshots.error);
  });

  server.get('/v1/snapshots/:snapshotId/changes', async (c) => {
    const changes = await app.segments.changes(
      c.req.param('snapshotId'),
      queryInteger(c.req.query('limit')) ?? 100,
    );
    return changes.ok ? c.json(changes.value) : refuse(changes.error);
  });

  server.get('/v1/segments/:id/export', async (c) => {
    const id = c.req.param('id');
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
          await write(rows.map((row) => csvLine(columns, row)).join(''));
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
  });

  server.get('/v1/segment-presets', (c) => c.json({ items: app.segments.presets() }));

  server.post('/v1/segment-presets/:key', async (c) => {
    const saved = await app.segments.createFromPreset(c.req.param('key'));
    return saved.ok ? c.json(saved.value, 201) : refuse(saved.error);
  });

  server.get('/v1/lists', async (c) => c.json({ items: await app.segments.lists() }));

  server.put('/v1/lists/:name', limit(deps.maxBodyBytes), async (c) => {
    const body = await objectBody(c);
    if (!body.ok) return body.error;
    const saved = await app.segments.saveListIds(
      c.req.param('name'),
      'ids' in body.value ? body.value.ids : undefined,
    );
    return saved.ok ? c.json(saved.value) : refuse(saved.error);
  });

  server.delete('/v1/lists/:name', async (c) => {
    const removed = await app.segments.removeList(c.req.param('name'));
    return removed.ok ? c.body(null, 204) : refuse(removed.error);
  });

  server.post('/v1/features:refresh', async (c) => c.json(await app.segments.refreshFeatures()));

  server.get('/v1/features', async (c) =>
    c.json({
      features: Object.entries(FEATURES).map(([name, feature]) => ({ name, ...feature })),
      lastRefresh: await app.segments.lastFeatureRefresh(),
    }),
  );
};
