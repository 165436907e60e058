import { createApp } from '@opencvm/app';
import { ADAPTERS, TEST_SCHEMA_INPUT, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/create-server.ts';
import { keyHeaders, sessionHeaders } from '../test-server.ts';

const SECRET = 'webhook-signing-s3cret';

const schema = testSchema({
  ...TEST_SCHEMA_INPUT,
  delivery: {
    channels: {
      webhook: {
        adapter: 'webhook',
        options: { url: 'https://crm.example.org/hooks/cvm', signingSecret: SECRET },
      },
    },
  },
});

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
const json = async (response: Response): Promise<any> => response.json();

for (const adapter of ADAPTERS) {
  describe(`workspace schema API on ${adapter.name}`, () => {
    it('gives data readers the schema without its delivery section, and nobody without a session', async () => {
      await using test = await adapter.open(schema);
      const app = await createApp(
        { store: test.store, schema },
        { clock: () => new Date('2026-01-15T10:00:00Z') },
      );
      const { server } = createServer(app, { version: '0.0.0-test' });

      const analyst = await sessionHeaders(app, 'ann', 'analyst');
      const read = await server.request('/v1/workspace-schema', { headers: analyst });
      expect(read.status).toBe(200);
      const text = await read.clone().text();
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('crm.example.org');
      const body = await json(read);
      const { delivery: _delivery, ...expected } = schema;
      expect(body).toEqual(JSON.parse(JSON.stringify(expected)));
      expect(body).not.toHaveProperty('delivery');
      expect(Object.keys(body.events).length).toBeGreaterThan(0);

      // Viewers see the dashboard only; the schema is data.
      const viewer = await sessionHeaders(app, 'vera', 'viewer');
      expect((await server.request('/v1/workspace-schema', { headers: viewer })).status).toBe(403);

      const anonymous = await server.request('/v1/workspace-schema');
      expect(anonymous.status).toBe(401);

      const ingest = await keyHeaders(app, 'loader', 'ingest');
      expect((await server.request('/v1/workspace-schema', { headers: ingest })).status).toBe(403);
    });
  });
}
