import { createApp } from '@opencvm/app';
import type { NormalizedRow, Role } from '@opencvm/core';
import { ADAPTERS, TEST_SCHEMA_INPUT, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/create-server.ts';
import { sessionHeaders } from '../test-server.ts';

/** Credentials written into the config; no answer may hold any of them. */
const SECRETS = [
  'smtp-inline-pa55word',
  'SMTP_PASSWORD_VARIABLE',
  'webhook-signing-s3cret',
  'Bearer crm-t0ken',
];

const schema = testSchema({
  ...TEST_SCHEMA_INPUT,
  contactPolicy: { caps: { sms: { day: 2 } }, quietHours: { default: { from: '21:00', to: '09:00' } } },
  delivery: {
    channels: {
      email: {
        adapter: 'smtp',
        options: {
          host: 'mail.example.org',
          port: 465,
          secure: true,
          auth: { user: 'mailer', password: SECRETS[0] },
          from: { address: 'offers@example.org' },
        },
      },
      sms: {
        adapter: 'smpp',
        options: {
          host: 'smsc.example.org',
          systemId: 'cvm',
          password: { env: SECRETS[1] },
          sourceAddr: 'Shop',
        },
      },
      webhook: {
        adapter: 'webhook',
        options: {
          url: 'https://crm.example.org/hooks/cvm',
          signingSecret: SECRETS[2],
          headers: { Authorization: SECRETS[3] },
        },
      },
    },
  },
});

const CUSTOMER: NormalizedRow = {
  id: 'anna',
  locale: 'de',
  msisdn: '+4917012345678',
  tier: 'gold',
  city: 'Köln',
};

/**
 * A server on a fresh store. The acting user goes both in `x-cvm-user` (the interim guards read
 * it) and as a signed-in admin session of that name (what the account guards read), so the
 * tests hold on either side of the switch to accounts.
 */
const openServer = async (adapter: (typeof ADAPTERS)[number]) => {
  const test = await adapter.open(schema);
  const now = new Date('2026-01-15T10:00:00Z');
  const app = await createApp({ store: test.store, schema }, { clock: () => now });
  await test.store.importRows('customers', [CUSTOMER], new Set(Object.keys(CUSTOMER)));
  const { server } = createServer(app, { version: '0.0.0-test' });
  const sessions = new Map<string, Promise<Record<string, string>>>();
  const send = async (
    method: string,
    path: string,
    options: { body?: unknown; user?: string; role?: Role } = {},
  ) => {
    const user = options.user ?? 'tester';
    let session = sessions.get(user);
    if (session === undefined) {
      session = sessionHeaders(app, user, options.role);
      sessions.set(user, session);
    }
    return server.request(path, {
      method,
      headers: {
        ...(await session),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        'x-cvm-user': user,
      },
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
  };
  return {
    app,
    store: test.store,
    send,
    [Symbol.asyncDispose]: () => test[Symbol.asyncDispose](),
  };
};

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
const json = async (response: Response): Promise<any> => response.json();

for (const adapter of ADAPTERS) {
  describe(`settings API on ${adapter.name}`, () => {
    it('reads, replaces and resets the contact policy for admins, audited, refusing bad and stale changes', async () => {
      await using api = await openServer(adapter);
      const read = await api.send('GET', '/v1/contact-policy');
      expect(read.status).toBe(200);
      expect(await json(read)).toEqual({
        policy: schema.contactPolicy,
        source: 'config',
        version: 0,
        updatedAt: null,
        updatedBy: null,
      });

      const bad = await api.send('PUT', '/v1/contact-policy', {
        body: { policy: { caps: { sms: { day: 1.5 } }, quietHours: { sms: { from: '9am', to: '10:00' } } } },
        user: 'alice',
      });
      expect(bad.status).toBe(400);
      const refusal = await json(bad);
      expect(refusal.error.code).toBe('invalid_body');
      expect(refusal.error.details.issues.map((issue: { path: string }) => issue.path)).toEqual([
        'policy.caps.sms.day',
        'policy.quietHours.sms.from',
      ]);
      const notJson = await api.send('PUT', '/v1/contact-policy', { body: '{"policy":', user: 'alice' });
      expect((await json(notJson)).error).toMatchObject({ code: 'invalid_body', path: '(body)' });
      expect((await json(await api.send('GET', '/v1/contact-policy'))).version).toBe(0);

      const policy = {
        caps: { total: { week: 4 } },
        quietHours: { default: { from: '22:00', to: '08:00' } },
      };
      const put = await api.send('PUT', '/v1/contact-policy', {
        body: { policy, version: 0 },
        user: 'alice',
      });
      expect(put.status).toBe(200);
      expect(await json(put)).toEqual({
        policy,
        source: 'workspace',
        version: 1,
        updatedAt: '2026-01-15T10:00:00.000Z',
        updatedBy: 'alice',
      });
      expect(await api.app.settings.contactPolicy()).toMatchObject({ policy, source: 'workspace' });

      const stale = await api.send('PUT', '/v1/contact-policy', {
        body: { policy: {}, version: 0 },
        user: 'bob',
      });
      expect(stale.status).toBe(409);
      expect((await json(stale)).error.code).toBe('conflict');

      const reset = await api.send('DELETE', '/v1/contact-policy', { user: 'bob' });
      expect(reset.status).toBe(200);
      expect(await json(reset)).toMatchObject({
        policy: schema.contactPolicy,
        source: 'config',
        version: 2,
        updatedBy: 'bob',
      });

      // Each change is in the audit log with the policy before it; refused ones are not.
      const audit = (await api.store.audit.list({ limit: 10 })).filter((entry) =>
        entry.action.startsWith('contact_policy.'),
      );
      expect(audit).toMatchObject([
        {
          action: 'contact_policy.reset',
          actor: 'bob',
          target: { type: 'contact_policy', id: 'workspace' },
          before: { policy, version: 1 },
          after: { source: 'config', version: 2 },
        },
        {
          action: 'contact_policy.update',
          actor: 'alice',
          before: { source: 'config', version: 0 },
          after: { policy, version: 1 },
        },
      ]);

      // Reading settings is for every role but viewers; changing them is for admins.
      const analystPut = await api.send('PUT', '/v1/contact-policy', {
        body: { policy: {} },
        user: 'ann',
        role: 'analyst',
      });
      expect(analystPut.status).toBe(403);
      expect((await api.send('GET', '/v1/contact-policy', { user: 'ann' })).status).toBe(200);
      expect((await api.send('GET', '/v1/channels', { user: 'vic', role: 'viewer' })).status).toBe(403);
    });

    it('lists the channels without a single credential', async () => {
      await using api = await openServer(adapter);
      const response = await api.send('GET', '/v1/channels');
      expect(response.status).toBe(200);
      const text = await response.text();
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      const { items } = JSON.parse(text);
      expect(items.map((item: { channel: string }) => item.channel)).toEqual(['email', 'sms', 'webhook']);
      expect(items[0]).toMatchObject({
        route: {
          adapter: 'smtp',
          options: { host: 'mail.example.org', port: 465, secure: true, auth: { user: 'mailer' } },
          credentials: { 'auth.password': 'configured' },
        },
        outbox: { pending: 0, sent: 0, failed: 0 },
      });
      expect(items[1].route.credentials).toEqual({ password: 'configured' });
      expect(items[2].route).toMatchObject({
        options: { url: 'https://crm.example.org' },
        credentials: { signingSecret: 'configured', 'headers.Authorization': 'configured' },
      });
    });

    it('previews content on a customer, with issues and masking, and refuses what it cannot preview', async () => {
      await using api = await openServer(adapter);
      const content = {
        type: 'sms',
        locales: {
          de: { text: 'Hallo aus {{ customer.city }}, {{ customer.tier }}!' },
          en: { text: 'Hi {{ customer.town }}' },
        },
      };
      const preview = await api.send('POST', '/v1/content:preview', {
        body: { content, customerId: 'anna', channel: 'sms' },
      });
      expect(preview.status).toBe(200);
      expect(await json(preview)).toMatchObject({
        customerId: 'anna',
        locale: 'de',
        rendered: { type: 'sms', text: 'Hallo aus Köln, gold!' },
        variables: [
          { name: 'customer.city', value: 'Köln' },
          { name: 'customer.tier', value: 'gold' },
        ],
        issues: [{ path: 'content.locales.en.text' }],
        sms: { encoding: 'GSM-7', characters: 21, segments: 1 },
      });

      const unknown = await api.send('POST', '/v1/content:preview', {
        body: { content, customerId: 'nobody' },
      });
      expect(unknown.status).toBe(404);
      expect((await json(unknown)).error.code).toBe('not_found');

      const bad = await api.send('POST', '/v1/content:preview', {
        body: { content: { type: 'fax', locales: {} }, customerId: 'anna' },
      });
      expect(bad.status).toBe(400);
      expect((await json(bad)).error).toMatchObject({ code: 'invalid_body', path: 'content.type' });

      // An analyst sees contact points masked, in the rendered text too.
      const masked = await api.send('POST', '/v1/content:preview', {
        body: {
          content: { type: 'sms', locales: { de: { text: 'An {{ customer.msisdn }}' } } },
          customerId: 'anna',
        },
        user: 'ann',
        role: 'analyst',
      });
      expect(masked.status).toBe(200);
      const maskedText = await masked.text();
      expect(maskedText).not.toContain(String(CUSTOMER.msisdn));
      expect(JSON.parse(maskedText).rendered.text).toBe('An +4917*******78');
    });
  });
}
