import { createApp } from '@opencvm/app';
import { API_CONTRACT, apiSchemaNames, type Endpoint } from '@opencvm/core';
import { ADAPTERS, campaignInput, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { openApiPath } from '../src/api-route.ts';
import { createServer } from '../src/create-server.ts';
import { openApiDocument } from '../src/openapi.ts';
import { signedInClient } from './test-server.ts';

/**
 * The web app reads the API through the shared contract (core/src/api): these tests keep the
 * server on it. Every contract endpoint is served by a route whose schemas are the contract's
 * own, the OpenAPI document describes the answers with them, and real answers parse with them.
 */

const schema = testSchema();
const ENDPOINTS: readonly Endpoint[] = Object.values(API_CONTRACT).flatMap((table) => Object.values(table));
const key = (endpoint: { readonly method: string; readonly path: string }) =>
  `${endpoint.method} ${endpoint.path}`;

const openServer = async () => {
  const [adapter] = ADAPTERS;
  if (adapter === undefined) throw new Error('no storage adapter');
  const test = await adapter.open(schema);
  const app = await createApp(
    { store: test.store, schema },
    { clock: () => new Date('2026-01-15T10:00:00Z') },
  );
  const api = createServer(app, { version: '0.0.0-test' });
  return { api, app, [Symbol.asyncDispose]: () => test[Symbol.asyncDispose]() };
};

describe('the HTTP contract', () => {
  it('serves every endpoint of the contract with the contract’s own schemas', async () => {
    await using opened = await openServer();
    const routes = opened.api.routes;
    for (const endpoint of ENDPOINTS) {
      const served = routes.filter((route) => key(route) === key(endpoint));
      expect(served, key(endpoint)).toHaveLength(1);
      const [route] = served;
      expect(route?.endpoint, key(endpoint)).toBe(endpoint);
      expect(route?.query, key(endpoint)).toBe(endpoint.query);
      if (endpoint.body !== undefined) expect(route?.body, key(endpoint)).toBe(endpoint.body);
      expect(route?.responses[endpoint.status ?? 200]?.schema, key(endpoint)).toBe(endpoint.response);
    }
    // A route that names an endpoint serves that endpoint's method and path.
    for (const route of routes)
      if (route.endpoint !== undefined) expect(key(route)).toBe(key(route.endpoint));
  });

  it('describes each endpoint’s answer in the OpenAPI document with the contract’s schema', async () => {
    await using opened = await openServer();
    const document = JSON.parse(JSON.stringify(openApiDocument(opened.api.routes, { version: '0' })));
    for (const endpoint of ENDPOINTS) {
      if (endpoint.response === undefined) continue;
      const operation = document.paths[openApiPath(endpoint.path)]?.[endpoint.method];
      const ref: unknown =
        operation?.responses[String(endpoint.status ?? 200)]?.content['application/json'].schema.$ref;
      expect(typeof ref, key(endpoint)).toBe('string');
      const name = String(ref).replace('#/components/schemas/', '');
      expect(document.components.schemas[name], key(endpoint)).toBeDefined();
      const wanted = apiSchemaNames.get(endpoint.response)?.name;
      if (wanted !== undefined) expect(name, key(endpoint)).toBe(wanted);
    }
  });

  it('answers the routes the web app reads with what the contract’s schemas accept', async () => {
    await using opened = await openServer();
    const client = signedInClient(opened.api.server, opened.app);
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = (endpoint: Endpoint) =>
      new RegExp(
        `^${endpoint.path
          .split(/\/:[A-Za-z0-9_]+/)
          .map(literal)
          .join('/[^/]+')}$`,
      );
    const endpointOf = (method: string, path: string) =>
      ENDPOINTS.find(
        (endpoint) => endpoint.method === method && pattern(endpoint).test(path.split('?')[0] ?? ''),
      );
    const checked = new Set<string>();
    const send = async (method: string, path: string, options: { body?: unknown; user?: string } = {}) => {
      const response = await client.request(path, {
        method: method.toUpperCase(),
        headers: {
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.user === undefined ? {} : { 'x-cvm-user': options.user }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      expect(response.status, `${method} ${path}`).toBeLessThan(300);
      const endpoint = endpointOf(method, path);
      expect(endpoint, `${method} ${path}`).toBeDefined();
      if (endpoint?.response === undefined) return null;
      const body: unknown = await response.json();
      const parsed = endpoint.response.safeParse(body);
      expect(parsed.error?.issues ?? [], `${method} ${path}`).toEqual([]);
      checked.add(key(endpoint));
      return parsed.data;
    };

    // Data loaded through routes the web app does not call.
    const load = async (path: string, rows: unknown) =>
      expect(
        (
          await client.request(path, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(rows),
          })
        ).status,
      ).toBe(200);
    await load('/v1/customers:batch', [
      { id: 'c1', city: 'Berlin', tier: 'gold', msisdn: '+49151000001', email: 'c1@example.com' },
      { id: 'c2', city: 'Berlin', tier: 'silver' },
      { id: 'c3', city: 'Hamburg' },
    ]);
    await load('/v1/events:batch', [
      { customer_id: 'c1', id: 'e1', type: 'purchase', ts: '2026-01-10T10:00:00Z', amount: '12.50' },
    ]);
    const rule = { type: 'attribute', attribute: 'city', op: '=', value: 'Berlin' };
    await send('post', '/v1/segments', { body: { id: 'berliners', name: 'Berliners', rule } });
    await send('put', '/v1/segments/berliners', { body: { name: 'People of Berlin', rule, version: 1 } });
    await send('get', '/v1/segments');
    await send('get', '/v1/segments/berliners');
    await send('get', '/v1/segments/berliners/versions');
    await send('get', '/v1/segments/berliners/count');
    await send('post', '/v1/segments:count', { body: { rule } });
    await send('post', '/v1/segments:preview', { body: { rule, limit: 5, columns: ['id', 'city'] } });
    await send('post', '/v1/segments:explain', { body: { rule } });
    await send('post', '/v1/segments/berliners/snapshots');
    await send('get', '/v1/segments/berliners/snapshots');
    await send('get', '/v1/lists');
    await send('get', '/v1/workspace-schema');
    await send('get', '/v1/customers?q=c');
    await send('get', '/v1/customers/c1');
    await send('get', '/v1/customers/c1/segments');

    await send('post', '/v1/offers', { body: offerInput() });
    await send('get', '/v1/offers');
    await send('get', '/v1/offers/ten-off');
    const { createdBy: _author, ...definition } = campaignInput({
      audience: { type: 'segment', segment: 'berliners' },
    });
    await send('post', '/v1/campaigns', { body: definition, user: 'alice' });
    await send('post', '/v1/campaigns/spring-sale/dry-runs', { user: 'alice' });
    await send('post', '/v1/campaigns/spring-sale/submit', { user: 'alice' });
    await send('post', '/v1/campaigns/spring-sale/approve', { user: 'bob' });
    await send('post', '/v1/campaigns/spring-sale/start', { user: 'bob' });
    const run = await send('post', '/v1/campaigns/spring-sale/runs', { user: 'bob' });
    const runId = typeof run === 'object' && run !== null && 'id' in run ? String(run.id) : '';
    await send('get', '/v1/campaigns');
    await send('get', '/v1/campaigns?status=running');
    await send('get', '/v1/campaigns/spring-sale');
    await send('get', '/v1/campaigns/spring-sale/runs');
    await send('get', `/v1/runs/${runId}`);
    await send('get', `/v1/runs/${runId}/delivery`);
    await send('get', '/v1/campaigns/spring-sale/results');
    await send('get', '/v1/campaigns/spring-sale/results?by=tier');
    await send('get', '/v1/campaigns/spring-sale/results/daily');
    await send('get', '/v1/campaigns/spring-sale/results/runs');
    await send('get', '/v1/results/context');
    await send('get', '/v1/programme?from=2026-01-01&to=2026-02-01');
    await send('get', '/v1/revenue-share?from=2026-01-01&to=2026-02-01');
    await send('get', '/v1/contact-pressure?from=2026-01-01&to=2026-02-01');
    await send('post', '/v1/planning', { body: { baseRate: 0.1, audience: 10_000, controlShare: 10 } });
    await send('get', '/v1/customers/c1/contacts');
    await send('get', '/v1/campaign-templates');
    await send('get', '/v1/ucg');
    await send('get', '/v1/contact-policy');
    await send('get', '/v1/channels');
    await send('get', '/v1/summary');
    await send('post', '/v1/content:preview', {
      body: {
        customerId: 'c1',
        content: { type: 'sms', locales: { en: { text: 'Hello {{ customer.city }}' } } },
      },
    });
    // The answers the web app reads most are among those checked.
    for (const wanted of [
      'get /v1/campaigns/:id',
      'get /v1/campaign-templates',
      'get /v1/runs/:runId',
      'get /v1/campaigns/:id/results',
    ])
      expect(checked).toContain(wanted);
  });
});
