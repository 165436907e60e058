import { createApp } from '@opencvm/app';
import { API_ERROR_REASONS, ISSUE_KINDS } from '@opencvm/core';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiPath } from '../src/api-route.ts';
import { createServer } from '../src/create-server.ts';
import { pathParameterNames } from '../src/openapi.ts';

/** The OpenAPI document and the reference page: every registered route described, and validly. */

const schema = testSchema();

// The document reads no store data, so one adapter is enough.
const withServer = async (test: (api: ReturnType<typeof createServer>) => Promise<void>) => {
  const [adapter] = ADAPTERS;
  if (adapter === undefined) throw new Error('no storage adapter to test with');
  await using store = await adapter.open(schema);
  const app = await createApp(
    { store: store.store, schema },
    { clock: () => new Date('2026-01-15T10:00:00Z') },
  );
  await test(createServer(app, { version: '0.0.0-test' }));
};

// biome-ignore lint/suspicious/noExplicitAny: the document is read loosely; the assertions are the type check.
const documentOf = async (api: ReturnType<typeof createServer>): Promise<any> => {
  const response = await api.server.request('/openapi.json');
  expect(response.status).toBe(200);
  return response.json();
};

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    await withServer(async (api) => {
      const document = await documentOf(api);
      expect(document.openapi).toBe('3.1.0');
      const result = await new Validator().validate(document);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      // The validator does not follow references inside schemas: each one must point into the document.
      const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]*)"/g)].map(
        (match) => match[1] ?? '',
      );
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of new Set(refs)) {
        expect(ref, ref).toMatch(/^#\/[^#]*$/);
        const target = ref
          .slice(2)
          .split('/')
          .reduce((node, key) => node?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], document);
        expect(target, ref).toBeDefined();
      }
    });
  });

  it('describes every registered route with its method, path, path parameters and access', async () => {
    await withServer(async (api) => {
      const document = await documentOf(api);
      expect(api.routes.length).toBeGreaterThan(50);
      for (const spec of api.routes) {
        const operation = document.paths[openApiPath(spec.path)]?.[spec.method];
        expect(operation, `${spec.method} ${spec.path}`).toBeDefined();
        const pathParameters = (operation.parameters ?? [])
          .filter((parameter: { in: string }) => parameter.in === 'path')
          .map((parameter: { name: string; required: boolean }) => [parameter.name, parameter.required]);
        expect(pathParameters, `${spec.method} ${spec.path}`).toEqual(
          pathParameterNames(spec.path).map((name) => [name, true]),
        );
        for (const name of pathParameterNames(spec.path))
          expect(openApiPath(spec.path)).toContain(`{${name}}`);
        if (spec.access === 'public') {
          expect(operation.security, `${spec.method} ${spec.path}`).toEqual([]);
        } else {
          expect(operation.security, `${spec.method} ${spec.path}`).toEqual([
            { session: [] },
            { apiKey: [] },
          ]);
          if (spec.access !== 'signed-in') expect(operation['x-required-permission']).toBe(spec.access);
        }
      }
      const operations = Object.values(document.paths).flatMap((item) => Object.keys(item as object));
      expect(operations).toHaveLength(api.routes.length);
    });
  });

  it('gives the routes the access the permission table says', async () => {
    await withServer(async (api) => {
      const access = (method: string, path: string) =>
        api.routes.find((spec) => spec.method === method && spec.path === path)?.access;
      expect(access('get', '/health')).toBe('public');
      expect(access('get', '/openapi.json')).toBe('public');
      expect(access('post', '/unsubscribe/:token')).toBe('public');
      expect(access('get', '/v1/campaigns')).toBe('dashboard.read');
      expect(access('post', '/v1/segments:count')).toBe('data.read');
      expect(access('post', '/v1/events:batch')).toBe('data.ingest');
      expect(access('post', '/v1/campaigns/:id/submit')).toBe('campaigns.write');
      expect(access('post', '/v1/campaigns/:id/dry-runs')).toBe('campaigns.write');
      expect(access('post', '/v1/campaigns/:id/approve')).toBe('campaigns.approve');
      expect(access('post', '/v1/campaigns/:id/runs')).toBe('campaigns.approve');
      expect(access('post', '/v1/dead-letters:requeue')).toBe('settings.write');
      expect(access('post', '/v1/measure')).toBe('results.read');
      const audited = (method: string, path: string) =>
        api.routes.find((spec) => spec.method === method && spec.path === path)?.audit?.action;
      expect(audited('post', '/v1/segments')).toBe('segment.create');
      expect(audited('put', '/v1/segments/:id')).toBe('segment.update');
      expect(audited('post', '/v1/customers:batch')).toBe('import.customers');
      expect(audited('post', '/v1/campaigns/:id/approve')).toBe('campaign.approve');
      expect(audited('post', '/v1/campaigns/:id/runs')).toBe('campaign.run');
      expect(audited('post', '/v1/ucg:rotate')).toBe('ucg.rotate');
      expect(audited('post', '/v1/segments:count')).toBeUndefined();
      const created = api.routes.filter((spec) => spec.creates === true).map((spec) => spec.path);
      expect(created).toEqual(
        expect.arrayContaining([
          '/v1/events:batch',
          '/v1/segments',
          '/v1/segments/:id/snapshots',
          '/v1/offers',
          '/v1/campaigns',
          '/v1/campaign-templates/:key',
          '/v1/campaigns/:id/runs',
          '/v1/campaigns/:id/dry-runs',
        ]),
      );
    });
  });

  it('describes bodies from the core schemas and errors with one shape', async () => {
    await withServer(async (api) => {
      const document = await documentOf(api);
      const body = document.paths['/v1/segments'].post.requestBody.content['application/json'].schema;
      expect(body).toEqual({ $ref: '#/components/schemas/SegmentDefinition' });
      expect(document.components.schemas.SegmentDefinition.properties.rule).toEqual({
        $ref: '#/components/schemas/SegmentRule',
      });
      const error = document.components.schemas.Error.properties.error.properties;
      expect(error.code.enum).toContain('rate_limited');
      // Every reason and issue kind a client may have to translate is in the document.
      expect(error.reason.enum).toEqual([...API_ERROR_REASONS]);
      expect(error.details.properties.issues.items.properties.kind.enum).toEqual([...ISSUE_KINDS]);
      const change = document.paths['/v1/segments/{id}'].put.requestBody.content['application/json'].schema;
      const changeSchema = change.$ref === undefined ? change : document.components.schemas.SegmentChange;
      expect(changeSchema.properties.version).toMatchObject({ type: 'integer', minimum: 1 });
      expect(document.paths['/v1/segments'].post.responses['400']).toEqual({
        $ref: '#/components/responses/Error',
      });
      expect(document.paths['/v1/segments'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
        'limit',
        'cursor',
      ]);
      expect(document.components.securitySchemes.session).toMatchObject({
        in: 'cookie',
        name: 'cvm_session',
      });
      expect(document.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    });
  });
});

describe('API reference page', () => {
  it('serves Swagger UI from our own files, its start-up script apart', async () => {
    await withServer(async (api) => {
      const page = await api.server.request('/docs');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const policy = page.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("script-src 'self'");
      expect(policy).not.toContain('unsafe-eval');
      expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
      const html = await page.text();
      expect(html).not.toMatch(/<script>(?!<\/script>)/);
      expect(html).not.toMatch(/https?:\/\//);
      const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
      expect(sources).toEqual(
        expect.arrayContaining(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/init.js']),
      );
      for (const source of sources) {
        const asset = await api.server.request(source);
        expect(asset.status, source).toBe(200);
        expect((await asset.arrayBuffer()).byteLength, source).toBeGreaterThan(0);
      }
      const init = await (await api.server.request('/docs/init.js')).text();
      expect(init).toContain("url: '/openapi.json'");
      expect((await api.server.request('/docs/swagger-ui-bundle.js')).headers.get('content-type')).toContain(
        'javascript',
      );
    });
  });
});
