import { createApp } from '@opencvm/app';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/create-server.ts';
import { signedInClient } from '../test-server.ts';

const schema = testSchema();

const openServer = async (adapter: (typeof ADAPTERS)[number]) => {
  const test = await adapter.open(schema);
  const app = await createApp(
    { store: test.store, schema },
    { clock: () => new Date('2026-01-15T10:00:00Z') },
  );
  const server = signedInClient(createServer(app, { version: '0.0.0-test' }).server, app);
  const post = (path: string, body: unknown) =>
    server.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
  const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();
  const get = (path: string) => json(server.request(path));
  return { server, post, json, get, [Symbol.asyncDispose]: () => test[Symbol.asyncDispose]() };
};

for (const adapter of ADAPTERS) {
  describe(`HTTP API on ${adapter.name}`, () => {
    it('answers health and an empty summary', async () => {
      await using api = await openServer(adapter);
      const health = await api.server.request('/health');
      expect(health.status).toBe(200);
      expect(await api.json(health)).toEqual({ status: 'ok', engine: adapter.name, version: '0.0.0-test' });
      const summary = await api.server.request('/v1/summary');
      expect(await api.json(summary)).toMatchObject({ customers: 0, events: 0, relations: 0 });
    });

    it('writes valid batch rows and returns each invalid row with its index and reasons', async () => {
      await using api = await openServer(adapter);
      const response = await api.post('/v1/customers:batch', [
        { id: 'c1', tier: 'gold', email: 'A@B.co', vip: true },
        { id: 'c2', tier: 'platinum', visits: 'many' },
        { id: 'c3', birth_date: '1990-01-01' },
        'not an object',
      ]);
      expect(response.status).toBe(200);
      const body = await api.json(response);
      expect(body).toMatchObject({ read: 4, inserted: 2, rejected: 2 });
      expect(body.errors.map((error: { index: number }) => error.index)).toEqual([1, 3]);
      expect(body.errors[0].issues.map((issue: { column: string }) => issue.column).sort()).toEqual([
        'tier',
        'visits',
      ]);
      const customer = await api.server.request('/v1/customers/c1');
      expect((await api.json(customer)).customer).toMatchObject({
        id: 'c1',
        tier: 'gold',
        email: 'a@b.co',
        vip: true,
      });
      expect((await api.get('/v1/summary')).customers).toBe(2);
    });

    it('refuses a customer id repeated in one batch, naming the other rows', async () => {
      await using api = await openServer(adapter);
      const body = await api.json(
        api.post('/v1/customers:batch', [{ id: 'c1' }, { id: 'c2' }, { id: 'c1', tier: 'gold' }]),
      );
      expect(body).toMatchObject({ inserted: 1, rejected: 2 });
      expect(
        body.errors.map((error: { index: number; issues: { reason: string }[] }) => [
          error.index,
          error.issues[0]?.reason,
        ]),
      ).toEqual([
        [0, 'the same key is in rows 2 of this request'],
        [2, 'the same key is in rows 0 of this request'],
      ]);
    });

    it('writes nothing from an atomic batch with an invalid row', async () => {
      await using api = await openServer(adapter);
      const response = await api.post('/v1/events:batch?atomic=true', [
        { id: 'e1', customer_id: 'c1', type: 'purchase', ts: '2025-01-01T10:00:00Z', amount: '10.50' },
        { id: 'e2', customer_id: 'c1', type: 'purchase', ts: 'soon', amount: '1.234567' },
      ]);
      expect(response.status).toBe(422);
      const body = await api.json(response);
      expect(body.error.code).toBe('invalid_rows');
      expect(body.error.details.errors).toEqual([
        {
          index: 1,
          issues: expect.arrayContaining([
            expect.objectContaining({ column: 'ts' }),
            expect.objectContaining({ column: 'amount' }),
          ]),
        },
      ]);
      expect((await api.get('/v1/summary')).events).toBe(0);
    });

    it('de-duplicates events sent twice', async () => {
      await using api = await openServer(adapter);
      const events = [
        { id: 'e1', customer_id: 'c1', type: 'purchase', ts: '2025-01-01T10:00:00Z', amount: 10.5 },
      ];
      expect(await api.json(api.post('/v1/events:batch', events))).toMatchObject({
        inserted: 1,
        duplicates: 0,
      });
      expect(await api.json(api.post('/v1/events:batch', events))).toMatchObject({
        inserted: 0,
        duplicates: 1,
      });
      const details = await api.get('/v1/customers/c1');
      expect(details).toEqual({ error: { code: 'not_found', message: 'no customer with that id' } });
    });

    it('refuses malformed bodies with a path and a 4xx', async () => {
      await using api = await openServer(adapter);
      const notJson = await api.post('/v1/customers:batch', '{"id":');
      expect(notJson.status).toBe(400);
      expect((await api.json(notJson)).error).toMatchObject({ code: 'invalid_body', path: '(body)' });
      const notArray = await api.post('/v1/customers:batch', { id: 'c1' });
      expect(notArray.status).toBe(400);
      const tooMany = await api.post(
        '/v1/events:batch',
        Array.from({ length: 10_001 }, (_, i) => ({ id: `e${i}` })),
      );
      expect(tooMany.status).toBe(400);
      expect((await api.json(tooMany)).error.message).toMatch(/at most 10000 rows/);
      expect((await api.post('/v1/widgets:batch', [])).status).toBe(404);
      const hostile = await api.post('/v1/customers:batch', [
        { id: "x'; DROP TABLE customers; --", tier: 'gold' },
      ]);
      expect(hostile.status).toBe(200);
      const summary = await api.get('/v1/summary');
      expect(summary.customers).toBe(1);
    });

    it('lists import runs, newest first', async () => {
      await using api = await openServer(adapter);
      await api.post('/v1/customers:batch', [{ id: 'c1' }]);
      await api.post('/v1/relations:batch', [{ src: 'c1', dst: 'c2', kind: 'family' }]);
      const runs = await api.get('/v1/imports?limit=5');
      expect(runs.items.map((run: { kind: string }) => run.kind).sort()).toEqual(['customers', 'relations']);
      expect((await api.server.request('/v1/imports?limit=0')).status).toBe(400);
    });
  });
}
