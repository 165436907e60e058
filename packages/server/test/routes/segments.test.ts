import { createApp } from '@opencvm/app';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/create-server.ts';
import { signedInClient } from '../test-server.ts';

const schema = testSchema();

/** A server on a fresh store holding five customers, all buyers: c1 most recent and frequent. */
const openServer = async (adapter: (typeof ADAPTERS)[number]) => {
  const test = await adapter.open(schema);
  const app = await createApp(
    { store: test.store, schema },
    { clock: () => new Date('2026-01-15T10:00:00Z') },
  );
  const server = signedInClient(createServer(app, { version: '0.0.0-test' }).server, app);
  const send = (method: string, path: string, body?: unknown) =>
    server.request(path, {
      method,
      ...(body === undefined
        ? {}
        : {
            headers: { 'content-type': 'application/json' },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          }),
    });
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
  const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();
  const api = {
    server,
    send,
    json,
    get: (path: string) => json(send('GET', path)),
    post: (path: string, body?: unknown) => send('POST', path, body),
    put: (path: string, body: unknown) => send('PUT', path, body),
    delete: (path: string) => send('DELETE', path),
    [Symbol.asyncDispose]: () => test[Symbol.asyncDispose](),
  };
  try {
    const customers = await json(
      api.post('/v1/customers:batch?atomic=true', [
        { id: 'c1', tier: 'gold', city: 'Berlin', visits: 10 },
        { id: 'c2', tier: 'gold', city: 'Hamburg', visits: 3 },
        { id: 'c3', tier: 'silver', city: 'Berlin', visits: 7 },
        { id: 'c4', tier: 'bronze', city: 'Frankfurt, Main', visits: 1 },
        { id: 'c5', city: 'Berlin' },
      ]),
    );
    expect(customers).toMatchObject({ inserted: 5 });
    const purchase = (id: string, customer: string, ts: string, amount: number) => ({
      id,
      customer_id: customer,
      type: 'purchase',
      ts,
      amount,
    });
    const events = await json(
      api.post('/v1/events:batch?atomic=true', [
        purchase('e1', 'c1', '2026-01-15T09:00:00Z', 120),
        purchase('e2', 'c1', '2026-01-12T10:00:00Z', 80),
        purchase('e3', 'c1', '2026-01-05T10:00:00Z', 50),
        purchase('e4', 'c2', '2025-12-20T10:00:00Z', 15),
        purchase('e5', 'c3', '2026-01-13T10:00:00Z', 40),
        purchase('e6', 'c3', '2026-01-10T10:00:00Z', 30),
        purchase('e7', 'c4', '2025-11-01T10:00:00Z', 10),
        purchase('e8', 'c5', '2025-12-01T10:00:00Z', 300),
      ]),
    );
    expect(events).toMatchObject({ inserted: 8 });
  } catch (error) {
    await api[Symbol.asyncDispose]();
    throw error;
  }
  return api;
};

const berlinBuyers = {
  type: 'and',
  rules: [
    { type: 'attribute', attribute: 'city', op: '=', value: 'Berlin' },
    { type: 'activity', eventType: 'purchase', done: true, window: { days: 30 } },
  ],
};

for (const adapter of ADAPTERS) {
  describe(`segments API on ${adapter.name}`, () => {
    it('creates, reads, counts, versions, snapshots and deletes a segment', async () => {
      await using api = await openServer(adapter);
      const created = await api.post('/v1/segments', {
        id: 'berlin-buyers',
        name: 'Berlin buyers',
        rule: berlinBuyers,
      });
      expect(created.status).toBe(201);
      expect(await api.json(created)).toMatchObject({ id: 'berlin-buyers', version: 1, description: null });
      const again = await api.post('/v1/segments', { id: 'berlin-buyers', name: 'x', rule: berlinBuyers });
      expect(again.status).toBe(409);
      expect((await api.json(again)).error).toEqual({
        code: 'conflict',
        reason: 'already_exists',
        message: 'segment "berlin-buyers" already exists',
      });

      expect((await api.get('/v1/segments')).items.map((s: { id: string }) => s.id)).toEqual([
        'berlin-buyers',
      ]);
      expect(await api.get('/v1/segments/berlin-buyers')).toMatchObject({
        name: 'Berlin buyers',
        rule: berlinBuyers,
      });
      expect(await api.get('/v1/segments/berlin-buyers/count')).toEqual({ count: 2 });
      expect(await api.get('/v1/segments/berlin-buyers/preview')).toEqual({
        columns: ['id', 'city'],
        rows: [
          { id: 'c1', city: 'Berlin' },
          { id: 'c3', city: 'Berlin' },
        ],
      });
      expect(await api.get('/v1/segments/berlin-buyers/preview?limit=1&columns=id,visits')).toEqual({
        columns: ['id', 'visits'],
        rows: [{ id: 'c1', visits: 10 }],
      });

      const first = await api.post('/v1/segments/berlin-buyers/snapshots');
      expect(first.status).toBe(201);
      expect(await api.json(first)).toMatchObject({ version: 1, size: 2, entered: null, left: null });

      const everyone = { type: 'attribute', attribute: 'city', op: 'is not null' };
      const updated = await api.put('/v1/segments/berlin-buyers', {
        name: 'Everyone with a city',
        description: 'all five',
        rule: everyone,
      });
      expect(updated.status).toBe(200);
      expect(await api.json(updated)).toMatchObject({ version: 2, description: 'all five' });
      const versions = await api.get('/v1/segments/berlin-buyers/versions');
      expect(
        versions.items.map((v: { version: number; name: string }) => [v.version, v.name]).sort(),
      ).toEqual([
        [1, 'Berlin buyers'],
        [2, 'Everyone with a city'],
      ]);

      const second = await api.json(api.post('/v1/segments/berlin-buyers/snapshots'));
      expect(second).toMatchObject({ version: 2, size: 5, entered: 3, left: 0 });
      const snapshots = await api.get('/v1/segments/berlin-buyers/snapshots');
      expect(snapshots.items.map((s: { size: number }) => s.size).sort()).toEqual([2, 5]);
      expect(await api.get(`/v1/snapshots/${second.id}/changes`)).toEqual({
        entered: ['c2', 'c4', 'c5'],
        left: [],
      });
      expect(await api.get(`/v1/snapshots/${second.id}/changes?limit=1`)).toEqual({
        entered: ['c2'],
        left: [],
      });
      expect((await api.send('GET', '/v1/snapshots/nope/changes')).status).toBe(404);

      await api.post('/v1/segments', {
        id: 'gold-with-city',
        name: 'Gold with a city',
        rule: {
          type: 'and',
          rules: [
            { type: 'segment', segment: 'berlin-buyers' },
            { type: 'attribute', attribute: 'tier', op: '=', value: 'gold' },
          ],
        },
      });
      expect(await api.get('/v1/segments/gold-with-city/count')).toEqual({ count: 2 });
      const used = await api.delete('/v1/segments/berlin-buyers');
      expect(used.status).toBe(409);
      expect((await api.json(used)).error).toEqual({
        code: 'conflict',
        reason: 'in_use',
        message: 'segment "berlin-buyers" is used by "gold-with-city"',
      });
      expect((await api.delete('/v1/segments/gold-with-city')).status).toBe(204);
      const deleted = await api.delete('/v1/segments/berlin-buyers');
      expect(deleted.status).toBe(204);
      expect(await deleted.text()).toBe('');
      const gone = await api.send('GET', '/v1/segments/berlin-buyers');
      expect(gone.status).toBe(404);
      expect((await api.send('GET', '/v1/segments/berlin-buyers/count')).status).toBe(404);
      expect((await api.put('/v1/segments/berlin-buyers', { name: 'x', rule: everyone })).status).toBe(404);
      expect((await api.delete('/v1/segments/berlin-buyers')).status).toBe(404);
    });

    it('saves a change only over the version the editor loaded: a stale one is 409 stale_version', async () => {
      await using api = await openServer(adapter);
      await api.post('/v1/segments', { id: 'berlin-buyers', name: 'Berlin buyers', rule: berlinBuyers });
      const everyone = { type: 'attribute', attribute: 'city', op: 'is not null' };
      const mine = await api.put('/v1/segments/berlin-buyers', { name: 'Mine', rule: everyone, version: 1 });
      expect(mine.status).toBe(200);
      expect(await api.json(mine)).toMatchObject({ version: 2, name: 'Mine' });
      // A second editor who loaded version 1 too: refused, and nothing of theirs is written.
      const theirs = await api.put('/v1/segments/berlin-buyers', {
        name: 'Theirs',
        rule: berlinBuyers,
        version: 1,
      });
      expect(theirs.status).toBe(409);
      expect((await api.json(theirs)).error).toEqual({
        code: 'conflict',
        reason: 'stale_version',
        message: 'segment "berlin-buyers" changed meanwhile (version 2, not 1); reload it and try again',
      });
      expect(await api.get('/v1/segments/berlin-buyers')).toMatchObject({ version: 2, name: 'Mine' });
      expect((await api.get('/v1/segments/berlin-buyers/versions')).items).toHaveLength(2);
      // Without a version (an API client that does not care), the change is saved as before.
      const blind = await api.put('/v1/segments/berlin-buyers', { name: 'Blind', rule: everyone });
      expect(await api.json(blind)).toMatchObject({ version: 3, name: 'Blind' });
      const badVersion = await api.json(
        api.put('/v1/segments/berlin-buyers', { name: 'x', rule: everyone, version: 'latest' }),
      );
      expect(badVersion.error).toMatchObject({ code: 'invalid_body', path: 'version' });
      const onCreate = await api.json(
        api.post('/v1/segments', { id: 'new', name: 'x', rule: everyone, version: 1 }),
      );
      expect(onCreate.error).toMatchObject({ code: 'invalid_body', path: 'version' });
    });

    it('counts, previews and explains an inline rule as it is typed', async () => {
      await using api = await openServer(adapter);
      const count = await api.post('/v1/segments:count', {
        rule: { type: 'attribute', attribute: 'tier', op: 'in', values: ['gold', 'silver'] },
      });
      expect(count.status).toBe(200);
      expect(await api.json(count)).toEqual({ count: 3 });
      const preview = await api.json(
        api.post('/v1/segments:preview', { rule: berlinBuyers, limit: 5, columns: ['id', 'tier'] }),
      );
      expect(preview).toEqual({
        columns: ['id', 'tier'],
        rows: [
          { id: 'c1', tier: 'gold' },
          { id: 'c3', tier: 'silver' },
        ],
      });
      const explain = await api.json(api.post('/v1/segments:explain', { rule: berlinBuyers }));
      expect(explain).toEqual({
        customers: 5,
        matched: 2,
        nodes: [
          { path: '(root)', type: 'and', matched: 2, cumulative: null },
          { path: 'rules[0]', type: 'attribute', matched: 3, cumulative: 3 },
          { path: 'rules[1]', type: 'activity', matched: 3, cumulative: 2 },
        ],
      });
      await api.post('/v1/segments', { id: 'berlin-buyers', name: 'Berlin buyers', rule: berlinBuyers });
      expect(await api.get('/v1/segments/berlin-buyers/explain')).toEqual(explain);
    });

    it('refuses invalid rules with 400 and every issue with its path', async () => {
      await using api = await openServer(adapter);
      const shape = await api.post('/v1/segments', {
        id: 'bad',
        name: 'Bad',
        rule: {
          type: 'and',
          rules: [
            { type: 'attribute', attribute: 'city', op: '=', value: 'Berlin' },
            { type: 'list', list: 'vip' },
            {
              type: 'event',
              eventType: 'purchase',
              aggregate: 'count',
              op: '>=',
              value: 1,
              window: { days: 0 },
            },
          ],
        },
      });
      expect(shape.status).toBe(400);
      expect((await api.json(shape)).error).toEqual({
        code: 'invalid_body',
        message: 'rule.rules[2].window.days: must be a positive integer',
        path: 'rule.rules[2].window.days',
        details: {
          issues: [
            { path: 'rule.rules[2].window.days', message: 'must be a positive integer', kind: 'too_small' },
          ],
        },
      });
      const names = await api.json(
        api.post('/v1/segments:count', {
          rule: {
            type: 'or',
            rules: [
              { type: 'attribute', attribute: 'citty', op: '=', value: 'Berlin' },
              { type: 'activity', eventType: 'purchse', done: true },
            ],
          },
        }),
      );
      expect(names.error.details.issues).toEqual([
        {
          path: 'rule.rules[0].attribute',
          message: 'unknown attribute "citty" (did you mean "city"?)',
          kind: 'unknown_name',
        },
        {
          path: 'rule.rules[1].eventType',
          message: 'unknown event type "purchse" (did you mean "purchase"?)',
          kind: 'unknown_name',
        },
      ]);
      const badId = await api.json(api.post('/v1/segments', { id: 'Bad Id', name: 'x', rule: berlinBuyers }));
      expect(badId.error.path).toBe('id');
      const noRule = await api.json(api.post('/v1/segments:count', {}));
      expect(noRule.error).toEqual({ code: 'invalid_body', path: 'rule', message: 'is required' });
      const notJson = await api.post('/v1/segments:explain', '{"rule":');
      expect(notJson.status).toBe(400);
      expect((await api.json(notJson)).error.path).toBe('(body)');
      const limit = await api.json(api.post('/v1/segments:preview', { rule: berlinBuyers, limit: 0 }));
      expect(limit.error.details.issues).toEqual([
        { path: 'limit', message: 'must be an integer from 1 to 1000' },
      ]);
      const columns = await api.json(api.post('/v1/segments:preview', { rule: berlinBuyers, columns: 'id' }));
      expect(columns.error).toMatchObject({ code: 'invalid_body', path: 'columns' });
      await api.post('/v1/segments', { id: 'berlin-buyers', name: 'Berlin buyers', rule: berlinBuyers });
      const otherId = await api.json(
        api.put('/v1/segments/berlin-buyers', { id: 'other', name: 'x', rule: berlinBuyers }),
      );
      expect(otherId.error).toMatchObject({ code: 'invalid_body', path: 'id' });
      const self = await api.json(
        api.put('/v1/segments/berlin-buyers', {
          name: 'x',
          rule: { type: 'not', rule: { type: 'segment', segment: 'berlin-buyers' } },
        }),
      );
      expect(self.error.details.issues).toEqual([
        {
          path: 'rule',
          message: 'segments may not refer to themselves: berlin-buyers → berlin-buyers',
          kind: 'segment_cycle',
        },
      ]);
      const badQuery = await api.send('GET', '/v1/segments/berlin-buyers/preview?limit=many');
      expect(badQuery.status).toBe(400);
      expect((await api.send('GET', '/v1/segments/berlin-buyers/snapshots?limit=0')).status).toBe(400);
    });

    it('streams a CSV export with the chosen columns', async () => {
      await using api = await openServer(adapter);
      await api.post('/v1/segments', {
        id: 'with-city',
        name: 'With a city',
        rule: { type: 'attribute', attribute: 'city', op: 'is not null' },
      });
      const response = await api.send('GET', '/v1/segments/with-city/export?columns=id,city,tier');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="with-city.csv"');
      expect(await response.text()).toBe(
        'id,city,tier\nc1,Berlin,gold\nc2,Hamburg,gold\nc3,Berlin,silver\nc4,"Frankfurt, Main",bronze\nc5,Berlin,\n',
      );
      expect(await (await api.send('GET', '/v1/segments/with-city/export')).text()).toBe(
        'id\nc1\nc2\nc3\nc4\nc5\n',
      );
      await api.post('/v1/segments', {
        id: 'nobody',
        name: 'Nobody',
        rule: { type: 'attribute', attribute: 'city', op: '=', value: 'Paris' },
      });
      expect(await (await api.send('GET', '/v1/segments/nobody/export')).text()).toBe('id\n');
      // A client that leaves mid-export stops it and leaves the store to others.
      const reader = (await api.send('GET', '/v1/segments/with-city/export')).body?.getReader();
      await reader?.read();
      await reader?.cancel();
      expect(await api.get('/v1/segments/with-city/count')).toEqual({ count: 5 });
      const missing = await api.send('GET', '/v1/segments/none/export');
      expect(missing.status).toBe(404);
      const badColumn = await api.send('GET', '/v1/segments/with-city/export?columns=id,nope');
      expect(badColumn.status).toBe(400);
      expect((await api.json(badColumn)).error.path).toBe('columns');
    });

    it('uploads a list of ids and uses it in rules', async () => {
      await using api = await openServer(adapter);
      const saved = await api.put('/v1/lists/vip', { ids: ['c2', 'c4', 'z9', 'c2'] });
      expect(saved.status).toBe(200);
      expect(await api.json(saved)).toMatchObject({ name: 'vip', size: 3, matched: 2 });
      expect((await api.get('/v1/lists')).items).toEqual([
        expect.objectContaining({ name: 'vip', size: 3, matched: 2 }),
      ]);
      const rule = {
        type: 'or',
        rules: [
          { type: 'list', list: 'vip' },
          { type: 'attribute', attribute: 'tier', op: '=', value: 'silver' },
        ],
      };
      expect(await api.json(api.post('/v1/segments:count', { rule }))).toEqual({ count: 3 });
      const badIds = await api.json(api.put('/v1/lists/vip', { ids: ['c1', 'c2', 'c3', ''] }));
      expect(badIds.error).toMatchObject({ code: 'invalid_body', path: 'ids[3]' });
      expect((await api.json(api.put('/v1/lists/vip', { ids: [] }))).error.path).toBe('ids');
      expect((await api.json(api.put('/v1/lists/Not%20A%20Name', { ids: ['c1'] }))).error.path).toBe('name');

      await api.post('/v1/segments', { id: 'vips', name: 'VIPs', rule });
      const used = await api.delete('/v1/lists/vip');
      expect(used.status).toBe(409);
      await api.delete('/v1/segments/vips');
      expect((await api.delete('/v1/lists/vip')).status).toBe(204);
      expect((await api.delete('/v1/lists/vip')).status).toBe(404);
      const unknown = await api.json(api.post('/v1/segments:count', { rule }));
      expect(unknown.error.details.issues[0]).toMatchObject({ path: 'rule.rules[0].list' });
    });

    it('refreshes features and saves an RFM preset', async () => {
      await using api = await openServer(adapter);
      expect((await api.get('/v1/features')).lastRefresh).toBeNull();
      const presets = await api.get('/v1/segment-presets');
      expect(presets.items.map((preset: { key: string }) => preset.key)).toContain('champions');
      const refreshed = await api.post('/v1/features:refresh');
      expect(refreshed.status).toBe(200);
      expect(await api.json(refreshed)).toMatchObject({ customers: 5, windowDays: 365 });
      const features = await api.get('/v1/features');
      expect(features.lastRefresh).toMatchObject({ customers: 5 });
      expect(features.features).toContainEqual(
        expect.objectContaining({ name: 'rfm_score', type: 'integer' }),
      );
      const saved = await api.post('/v1/segment-presets/champions');
      expect(saved.status).toBe(201);
      expect(await api.json(saved)).toMatchObject({ id: 'rfm-champions', name: 'RFM: Champions' });
      // c1 scores 5, 5, 4; c3, next, 4, 4, 3.
      expect(await api.get('/v1/segments/rfm-champions/preview')).toEqual({
        columns: ['id'],
        rows: [{ id: 'c1' }],
      });
      const unknown = await api.post('/v1/segment-presets/whales');
      expect(unknown.status).toBe(400);
      expect((await api.json(unknown)).error.path).toBe('preset');
    });
  });
}
