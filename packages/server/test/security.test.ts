import { createApp } from '@opencvm/app';
import { ADAPTERS, campaignInput, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../src/create-server.ts';
import type { RateLimits } from '../src/route-guards.ts';
import { keyHeaders, sessionHeaders, TEST_PASSWORD } from './test-server.ts';

const schema = testSchema();

const openServer = async (
  adapter: (typeof ADAPTERS)[number],
  options: { readonly rateLimits?: RateLimits } = {},
) => {
  const test = await adapter.open(schema);
  let now = new Date('2026-01-15T10:00:00Z');
  const clock = () => now;
  const app = await createApp({ store: test.store, schema }, { clock });
  const { server } = createServer(app, { version: '0.0.0-test', clock, ...options });
  const call = (
    method: string,
    path: string,
    options: { readonly headers?: Record<string, string>; readonly body?: unknown } = {},
  ) =>
    server.request(path, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
  const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();
  return {
    app,
    server,
    call,
    json,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    [Symbol.asyncDispose]: () => test[Symbol.asyncDispose](),
  };
};

const cookieOf = (response: Response): string => {
  const header = response.headers.get('set-cookie') ?? '';
  const value = /cvm_session=([^;]*)/.exec(header)?.[1];
  if (value === undefined) throw new Error(`no session cookie in ${header}`);
  return `cvm_session=${value}`;
};

for (const adapter of ADAPTERS) {
  describe(`API security on ${adapter.name}`, () => {
    it('sets up the first admin once with the setup token, then only by logging in', async () => {
      await using api = await openServer(adapter);
      expect(await api.json(api.call('GET', '/v1/setup'))).toEqual({ required: true });
      const token = await api.app.accounts.issueSetupToken();
      expect(token).toEqual(expect.any(String));
      const admin = { name: 'root', password: TEST_PASSWORD };
      const wrong = await api.call('POST', '/v1/setup', { body: { ...admin, token: 'guess' } });
      expect(wrong.status).toBe(401);
      expect(await api.app.accounts.setupRequired()).toBe(true);

      const done = await api.call('POST', '/v1/setup', { body: { ...admin, token } });
      expect(done.status).toBe(201);
      const session = { cookie: cookieOf(done), 'x-csrf-token': (await api.json(done)).csrfToken };
      expect((await api.json(api.call('GET', '/v1/session', { headers: session }))).role).toBe('admin');

      const again = await api.call('POST', '/v1/setup', { body: { ...admin, name: 'root2', token } });
      expect(again.status).toBe(401);
      expect(await api.json(api.call('GET', '/v1/setup'))).toEqual({ required: false });
      expect(await api.app.accounts.issueSetupToken()).toBeNull();
    });

    it('logs in with an httpOnly SameSite cookie, refuses wrong passwords alike, and logs out at once', async () => {
      await using api = await openServer(adapter);
      await sessionHeaders(api.app, 'ann', 'marketer');
      const wrongPassword = await api.call('POST', '/v1/session', {
        body: { name: 'ann', password: 'nope' },
      });
      const noSuchUser = await api.call('POST', '/v1/session', { body: { name: 'zed', password: 'nope' } });
      expect(wrongPassword.status).toBe(401);
      expect(noSuchUser.status).toBe(401);
      const refusal = (await api.json(wrongPassword)).error;
      expect(refusal).toEqual((await api.json(noSuchUser)).error);
      expect(refusal).toMatchObject({ code: 'unauthenticated', reason: 'wrong_password' });
      expect(wrongPassword.headers.get('set-cookie')).toBeNull();

      const login = await api.call('POST', '/v1/session', { body: { name: 'ann', password: TEST_PASSWORD } });
      expect(login.status).toBe(200);
      const setCookie = login.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Strict/i);
      expect(setCookie).toMatch(/Path=\//);
      const { csrfToken, user } = await api.json(login);
      expect(user).toMatchObject({ name: 'ann', role: 'marketer' });
      expect(JSON.stringify(user)).not.toMatch(/argon2/);
      const session = { cookie: cookieOf(login), 'x-csrf-token': csrfToken };

      expect((await api.call('GET', '/v1/offers', { headers: session })).status).toBe(200);
      const logout = await api.call('DELETE', '/v1/session', { headers: session });
      expect(logout.status).toBe(204);
      expect((await api.call('GET', '/v1/offers', { headers: session })).status).toBe(401);

      const form = await api.server.request('/v1/session', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `name=ann&password=${encodeURIComponent(TEST_PASSWORD)}`,
      });
      expect(form.status).toBe(415);
    });

    it('asks cookie sessions for the CSRF token and our own origin on every change; API keys need neither', async () => {
      await using api = await openServer(adapter);
      const session = await sessionHeaders(api.app, 'mia', 'marketer');
      const { cookie } = session;
      const noToken = await api.call('POST', '/v1/offers', { headers: { cookie }, body: offerInput() });
      expect(noToken.status).toBe(403);
      expect((await api.json(noToken)).error).toMatchObject({
        code: 'forbidden',
        reason: 'csrf_token',
        message: expect.stringMatching(/x-csrf-token/),
      });
      const wrongToken = await api.call('POST', '/v1/offers', {
        headers: { cookie, 'x-csrf-token': 'forged' },
        body: offerInput(),
      });
      expect(wrongToken.status).toBe(403);
      const otherSite = await api.call('POST', '/v1/offers', {
        headers: { ...session, origin: 'https://evil.example', host: 'cvm.example' },
        body: offerInput(),
      });
      expect(otherSite.status).toBe(403);
      expect((await api.json(otherSite)).error).toMatchObject({ reason: 'cross_origin' });
      expect(await api.json(api.call('GET', '/v1/offers', { headers: session }))).toMatchObject({
        items: [],
      });

      const made = await api.call('POST', '/v1/offers', {
        headers: { ...session, origin: 'https://cvm.example', host: 'cvm.example' },
        body: offerInput(),
      });
      expect(made.status).toBe(201);
      const key = await keyHeaders(api.app, 'crm', 'full');
      const byKey = await api.call('POST', '/v1/offers', {
        headers: key,
        body: offerInput({ id: 'by-key' }),
      });
      expect(byKey.status).toBe(201);
    });

    it('refuses revoked keys and keys out of scope at once', async () => {
      await using api = await openServer(adapter);
      const admin = await sessionHeaders(api.app, 'root');
      const created = await api.call('POST', '/v1/api-keys', {
        headers: admin,
        body: { name: 'loader', scope: 'ingest' },
      });
      expect(created.status).toBe(201);
      const { key, secret } = await api.json(created);
      expect(secret).toMatch(/^cvm_/);
      const listed = await api.json(api.call('GET', '/v1/api-keys', { headers: admin }));
      expect(JSON.stringify(listed)).not.toContain(secret);
      const bearer = { authorization: `Bearer ${secret}` };

      const load = await api.call('POST', '/v1/customers:batch', { headers: bearer, body: [{ id: 'c1' }] });
      expect(load.status).toBe(200);
      const read = await api.call('GET', '/v1/customers/c1', { headers: bearer });
      expect(read.status).toBe(403);

      expect((await api.call('DELETE', `/v1/api-keys/${key.id}`, { headers: admin })).status).toBe(200);
      const afterRevoke = await api.call('POST', '/v1/customers:batch', {
        headers: bearer,
        body: [{ id: 'c2' }],
      });
      expect(afterRevoke.status).toBe(401);
      expect(
        (await api.call('GET', '/v1/summary', { headers: { authorization: 'Bearer cvm_made_up' } })).status,
      ).toBe(401);
      expect((await api.app.summary()).customers).toBe(1);
    });

    it('limits log-in attempts per client and batch loads per caller', async () => {
      await using api = await openServer(adapter, {
        rateLimits: { login: { limit: 3, windowSeconds: 60 }, ingest: { limit: 2, windowSeconds: 60 } },
      });
      await sessionHeaders(api.app, 'ann');
      const attempt = () => api.call('POST', '/v1/session', { body: { name: 'ann', password: 'wrong one' } });
      for (let index = 0; index < 3; index += 1) expect((await attempt()).status).toBe(401);
      const blocked = await attempt();
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      const rightButBlocked = await api.call('POST', '/v1/session', {
        body: { name: 'ann', password: TEST_PASSWORD },
      });
      expect(rightButBlocked.status).toBe(429);
      api.advance(60_000);
      expect(
        (await api.call('POST', '/v1/session', { body: { name: 'ann', password: TEST_PASSWORD } })).status,
      ).toBe(200);

      const key = await keyHeaders(api.app, 'loader', 'ingest');
      const load = () => api.call('POST', '/v1/customers:batch', { headers: key, body: [{ id: 'c1' }] });
      expect((await load()).status).toBe(200);
      expect((await load()).status).toBe(200);
      expect((await load()).status).toBe(429);
    });

    it('sends security headers, and no-store on API answers', async () => {
      await using api = await openServer(adapter);
      const admin = await sessionHeaders(api.app, 'root');
      const response = await api.call('GET', '/v1/summary', { headers: admin });
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const refused = await api.call('GET', '/v1/summary');
      expect(refused.headers.get('content-security-policy')).toContain("default-src 'self'");
    });

    it('replays a creating POST with the same Idempotency-Key and refuses the key for another body', async () => {
      await using api = await openServer(adapter);
      const key = await keyHeaders(api.app, 'crm', 'full');
      const headers = { ...key, 'idempotency-key': 'offer-2026-01-15-1' };
      const first = await api.call('POST', '/v1/offers', { headers, body: offerInput() });
      const second = await api.call('POST', '/v1/offers', { headers, body: offerInput() });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(await api.json(second)).toEqual(await api.json(first));
      expect((await api.json(api.call('GET', '/v1/offers', { headers: key }))).items).toHaveLength(1);

      const other = await api.call('POST', '/v1/offers', { headers, body: offerInput({ id: 'other' }) });
      expect(other.status).toBe(422);
      expect(await api.json(other)).toMatchObject({
        error: { code: 'idempotency_mismatch', path: 'idempotency-key' },
      });
      const bad = await api.call('POST', '/v1/offers', {
        headers: { ...key, 'idempotency-key': 'é'.repeat(3) },
        body: offerInput({ id: 'third' }),
      });
      expect(bad.status).toBe(400);
      // Without the header nothing is replayed: the same body is a second create, refused as a duplicate.
      expect((await api.call('POST', '/v1/offers', { headers: key, body: offerInput() })).status).toBe(409);
    });

    it('masks phone numbers and e-mail addresses for analysts, not for marketers', async () => {
      await using api = await openServer(adapter);
      await api.app.importBatch({
        kind: 'customers',
        body: [{ id: 'c1', msisdn: '+79161234567', email: 'ivan.petrov@example.com' }],
        atomic: true,
      });
      const analyst = await sessionHeaders(api.app, 'ada', 'analyst');
      const marketer = await sessionHeaders(api.app, 'max', 'marketer');
      const masked = JSON.stringify(
        await api.json(api.call('GET', '/v1/customers/c1', { headers: analyst })),
      );
      expect(masked).not.toContain('+79161234567');
      expect(masked).not.toContain('ivan.petrov');
      expect(masked).toContain('+7916*****67');
      expect(masked).toContain('i**********@example.com');
      const plain = JSON.stringify(
        await api.json(api.call('GET', '/v1/customers/c1', { headers: marketer })),
      );
      expect(plain).toContain('+79161234567');
      expect(plain).toContain('ivan.petrov@example.com');
      const segment = {
        id: 'everyone',
        name: 'Everyone',
        rule: { type: 'attribute', attribute: 'tier', op: 'is null' },
      };
      expect((await api.call('POST', '/v1/segments', { headers: marketer, body: segment })).status).toBe(201);
      const exported = await (
        await api.call('GET', '/v1/segments/everyone/export?columns=id,msisdn,email', { headers: analyst })
      ).text();
      expect(exported).toBe('id,msisdn,email\nc1,+7916*****67,i**********@example.com\n');
      const preview = JSON.stringify(
        await api.json(api.call('GET', '/v1/segments/everyone/preview', { headers: analyst })),
      );
      expect(preview).toContain('c1');
      expect(preview).not.toContain('ivan.petrov');
    });

    it('records every change in a hash-chained audit log that admins read and verify', async () => {
      await using api = await openServer(adapter);
      const marketer = await sessionHeaders(api.app, 'max', 'marketer');
      const admin = await sessionHeaders(api.app, 'root');
      expect((await api.call('POST', '/v1/offers', { headers: marketer, body: offerInput() })).status).toBe(
        201,
      );
      const shown = await api.json(api.call('GET', '/v1/offers/ten-off', { headers: marketer }));
      const changed = await api.call('PUT', '/v1/offers/ten-off', {
        headers: marketer,
        body: { ...offerInput({ name: 'Twelve off' }), version: shown.version },
      });
      expect(changed.status).toBe(200);

      expect((await api.call('GET', '/v1/audit', { headers: marketer })).status).toBe(403);
      const log = await api.json(api.call('GET', '/v1/audit?targetType=offer', { headers: admin }));
      const [update, create] = log.items;
      expect(create).toMatchObject({
        actor: 'max',
        action: 'offer.create',
        target: { type: 'offer', id: 'ten-off' },
        before: null,
      });
      expect(update).toMatchObject({
        actor: 'max',
        action: 'offer.update',
        target: { type: 'offer', id: 'ten-off' },
      });
      expect(JSON.stringify(update.before)).toContain('10% off the next purchase');
      expect(JSON.stringify(update.after)).toContain('Twelve off');
      expect(update.prevHash).toBe(create.hash);

      const all = await api.json(api.call('GET', '/v1/audit?limit=1', { headers: admin }));
      expect(all.items).toHaveLength(1);
      expect(all.nextCursor).toEqual(expect.any(String));
      const next = await api.json(
        api.call(`GET`, `/v1/audit?limit=1&cursor=${all.nextCursor}`, { headers: admin }),
      );
      expect(next.items[0].seq).toBe(all.items[0].seq - 1);
      expect(await api.json(api.call('GET', '/v1/audit:verify', { headers: admin }))).toMatchObject({
        ok: true,
      });
      const users = JSON.stringify(
        await api.json(api.call('GET', '/v1/audit?action=user.create', { headers: admin })),
      );
      expect(users).not.toMatch(/argon2|password/i);
    });

    it('refuses hostile bodies with a 4xx and a path, and changes nothing', async () => {
      await using api = await openServer(adapter);
      const key = await keyHeaders(api.app, 'crm', 'full');
      const post = (path: string, body: unknown) => api.call('POST', path, { headers: key, body });
      await post('/v1/customers:batch', [{ id: 'c1', city: 'Berlin' }]);

      await post('/v1/offers', offerInput());
      const before = JSON.stringify([
        await api.app.summary(),
        await api.app.segments.list(),
        await api.app.campaigns.listOffers(),
        await api.app.campaigns.listCampaigns(),
      ]);
      /** A campaign definition as the API takes it (the author comes from the session). */
      const definition = (text: string) => {
        const { createdBy: _author, ...rest } = campaignInput({
          id: 'injected',
          content: { type: 'sms', locales: { en: { text } } },
        });
        return rest;
      };
      const withProto = JSON.parse(
        `{"__proto__": {"admin": true}, ${JSON.stringify(offerInput({ id: 'proto' })).slice(1)}`,
      );
      /** Path, body, and the path the refusal must name. */
      const cases: [string, unknown, string][] = [
        ['/v1/offers', { ...offerInput({ id: 'o2' }), value: { $gt: 0 } }, 'value'],
        ['/v1/offers', { ...offerInput({ id: 'o3' }), priority: '500; DROP TABLE offers' }, 'priority'],
        ['/v1/offers', [offerInput({ id: 'o4' })], '(body)'],
        ['/v1/offers', '{"id": "x", "name": ', '(body)'],
        ['/v1/offers', withProto, '(root)'],
        [
          '/v1/segments',
          {
            id: 's1',
            name: 'x',
            rule: { type: 'attribute', attribute: 'city; DROP TABLE customers --', op: '=', value: 'x' },
          },
          'rule.attribute',
        ],
        ['/v1/segments', { id: 's2', name: 'x', rule: { type: 'and', rules: 'all' } }, 'rule.rules'],
        ['/v1/segments:count', `{"rule":${nested(5_000)}}`, 'rule'],
        [
          '/v1/customers:batch',
          Array.from({ length: 10_001 }, (_, index) => ({ id: `n${index}` })),
          '(body)',
        ],
        ['/v1/campaigns', definition("{% include '/etc/passwd' %}"), 'content.locales.en.text'],
        ['/v1/campaigns', definition('{{ customer.password_hash }}'), 'content.locales.en.text'],
      ];
      for (const [path, body, expectedPath] of cases) {
        const response = await post(path, body);
        const text = await response.text();
        expect(response.status, `${path} ${text.slice(0, 300)}`).toBe(400);
        const parsed = JSON.parse(text);
        expect(parsed.error.code).toBe('invalid_body');
        expect(parsed.error.path, `${path} ${text.slice(0, 300)}`).toBe(expectedPath);
        expect(text).not.toMatch(/at .*\.ts:\d+|node_modules|SELECT /);
      }
      const injected = await post('/v1/segments:count', {
        rule: { type: 'attribute', attribute: 'city', op: '=', value: "x' OR '1'='1" },
      });
      expect(injected.status).toBe(200);
      expect((await api.json(injected)).count).toBe(0);
      expect(Object.prototype).not.toHaveProperty('admin');
      const after = JSON.stringify([
        await api.app.summary(),
        await api.app.segments.list(),
        await api.app.campaigns.listOffers(),
        await api.app.campaigns.listCampaigns(),
      ]);
      expect(after).toBe(before);
    });
  });
}

/** A rule nested `depth` levels deep, as JSON text. */
const nested = (depth: number): string =>
  `${'{"type":"not","rule":'.repeat(depth)}{"type":"attribute","attribute":"city","op":"=","value":"x"}${'}'.repeat(depth)}`;
