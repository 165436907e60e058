import type { SignedIn } from '@opencvm/app';
import {
  ApiKeyScope,
  Login,
  NewApiKey,
  NewUser,
  Password,
  PERMISSIONS,
  Role,
  UserChange,
  UserDisplayName,
  UserName,
} from '@opencvm/core';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import {
  type ApiContext,
  type ApiRouter,
  jsonBody,
  pathParam,
  principalOf,
  type RouteDeps,
} from '../api-route.ts';
import { SESSION_COOKIE } from '../route-guards.ts';

/** Log-in and setup bodies are a name and a password. */
export const MAX_ACCOUNT_BODY_BYTES = 16 * 1024;
export const MAX_AUDIT_PAGE = 500;

const PublicUserSchema = z.object({
  id: z.string(),
  name: UserName,
  displayName: z.string().nullable(),
  role: Role,
  createdAt: z.string(),
  updatedAt: z.string(),
  disabled: z.boolean(),
});
const PublicApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: ApiKeyScope,
  createdBy: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revoked: z.boolean(),
});
const SignedInSchema = z.object({ user: PublicUserSchema, csrfToken: z.string(), expiresAt: z.string() });
const Setup = z.strictObject({
  token: z.string().min(1).max(200),
  name: UserName,
  displayName: UserDisplayName.optional(),
  password: Password,
});
const PasswordChange = z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: Password });
const Session = z.object({
  kind: z.enum(['user', 'key', 'operator']),
  name: z.string(),
  role: Role.nullable(),
  scope: ApiKeyScope.nullable(),
  permissions: z.array(z.enum(PERMISSIONS)),
  masked: z.boolean(),
  csrfToken: z.string().nullable(),
});
const AuditEntrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  before: z.unknown(),
  after: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});
const AuditQuerySchema = z.object({
  limit: z.string().optional().describe(`entries per page, 1 to ${MAX_AUDIT_PAGE} (default 100)`),
  cursor: z.string().optional().describe('nextCursor of the previous page'),
  actor: z.string().optional(),
  action: z.string().optional(),
  targetType: z.string().optional(),
  targetId: z.string().optional(),
});

const idParam = z.object({ id: z.string() });

/** Log-in, sessions, first-start setup, users, API keys and the audit log. */
export const addAccountRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;

  /** Log-in and setup also insist on the JSON media type. */
  const requireJson = (c: ApiContext): Response | null =>
    (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json'
      ? null
      : fail({ code: 'unsupported_media_type', message: 'the body must be sent as application/json' });

  /** The session cookie: only the server reads it, only our own pages send it. */
  const signIn = (c: ApiContext, signedIn: SignedIn, status: 200 | 201): Response => {
    const secure =
      new URL(c.req.url).protocol === 'https:' ||
      c.req.header('x-forwarded-proto')?.toLowerCase() === 'https';
    setCookie(c, SESSION_COOKIE, signedIn.token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure,
      expires: new Date(signedIn.expiresAt),
    });
    return c.json(
      { user: signedIn.user, csrfToken: signedIn.csrfToken, expiresAt: signedIn.expiresAt },
      status,
    );
  };

  // Setup and sessions --------------------------------------------------------------------------

  router.route(
    {
      method: 'get',
      path: '/v1/setup',
      access: 'public',
      tag: 'Accounts',
      summary: 'Whether the workspace still waits for its first admin',
      responses: { 200: { description: 'Setup state', schema: z.object({ required: z.boolean() }) } },
    },
    async (c) => c.json({ required: await app.accounts.setupRequired() }),
  );

  router.route(
    {
      method: 'post',
      path: '/v1/setup',
      access: 'public',
      tag: 'Accounts',
      summary: 'Create the first admin with the one-time setup token printed at first start',
      body: Setup,
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      responses: {
        201: { description: 'The admin, signed in (session cookie set)', schema: SignedInSchema },
      },
    },
    async (c) => {
      const media = requireJson(c);
      if (media !== null) return media;
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const done = await app.accounts.completeSetup(body.value);
      return done.ok ? signIn(c, done.value, 201) : refuse(done.error);
    },
  );

  router.route(
    {
      method: 'post',
      path: '/v1/session',
      access: 'public',
      tag: 'Accounts',
      summary: 'Log in with a name and password',
      description:
        'Sets an httpOnly, SameSite=Strict session cookie; changes made with it need the returned csrfToken in the x-csrf-token header.',
      body: Login,
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      responses: { 200: { description: 'Signed in (session cookie set)', schema: SignedInSchema } },
    },
    async (c) => {
      const media = requireJson(c);
      if (media !== null) return media;
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const signedIn = await app.accounts.login(body.value);
      return signedIn.ok ? signIn(c, signedIn.value, 200) : refuse(signedIn.error);
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/session',
      access: 'signed-in',
      tag: 'Accounts',
      summary: 'Who is calling, with which permissions (and the CSRF token of a cookie session)',
      responses: { 200: { description: 'The caller', schema: Session } },
    },
    (c) => {
      const principal = principalOf(c);
      return c.json({
        kind: principal.kind,
        name: principal.name,
        role: principal.role,
        scope: principal.scope,
        permissions: PERMISSIONS.filter((permission) => principal.permissions.has(permission)),
        masked: principal.masked,
        csrfToken: c.get('session')?.csrfToken ?? null,
      });
    },
  );

  router.route(
    {
      method: 'delete',
      path: '/v1/session',
      access: 'signed-in',
      tag: 'Accounts',
      summary: 'Log out: the session ends at once',
      responses: { 204: { description: 'Logged out' } },
    },
    async (c) => {
      const session = c.get('session');
      if (session !== null) await app.accounts.logout(session.token);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.body(null, 204);
    },
  );

  router.route(
    {
      method: 'put',
      path: '/v1/session/password',
      access: 'signed-in',
      tag: 'Accounts',
      summary: "Change one's own password (other sessions end)",
      body: PasswordChange,
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      responses: { 200: { description: 'The user', schema: PublicUserSchema } },
    },
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const changed = await app.accounts.changeOwnPassword(body.value, principalOf(c));
      return changed.ok ? c.json(changed.value) : refuse(changed.error);
    },
  );

  // Users ---------------------------------------------------------------------------------------

  router.route(
    {
      method: 'get',
      path: '/v1/users',
      access: 'users.manage',
      tag: 'Users',
      summary: 'List users',
      responses: {
        200: { description: 'Users by name', schema: z.object({ items: z.array(PublicUserSchema) }) },
      },
    },
    async (c) => c.json({ items: await app.accounts.listUsers() }),
  );

  router.route(
    {
      method: 'post',
      path: '/v1/users',
      access: 'users.manage',
      tag: 'Users',
      summary: 'Create a user with a role',
      body: NewUser,
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      creates: true,
      responses: { 201: { description: 'The user', schema: PublicUserSchema } },
    },
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const created = await app.accounts.createUser(body.value, principalOf(c));
      return created.ok ? c.json(created.value, 201) : refuse(created.error);
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/users/:id',
      access: 'users.manage',
      tag: 'Users',
      summary: 'A user',
      params: idParam,
      responses: { 200: { description: 'The user', schema: PublicUserSchema } },
    },
    async (c) => {
      const found = await app.accounts.getUser(pathParam(c, 'id'));
      return found.ok ? c.json(found.value) : refuse(found.error);
    },
  );

  router.route(
    {
      method: 'patch',
      path: '/v1/users/:id',
      access: 'users.manage',
      tag: 'Users',
      summary: "Change a user's role, display name or password, or disable them (their sessions end)",
      params: idParam,
      body: UserChange,
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      responses: { 200: { description: 'The user', schema: PublicUserSchema } },
    },
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const changed = await app.accounts.updateUser(pathParam(c, 'id'), body.value, principalOf(c));
      return changed.ok ? c.json(changed.value) : refuse(changed.error);
    },
  );

  // API keys ------------------------------------------------------------------------------------

  router.route(
    {
      method: 'get',
      path: '/v1/api-keys',
      access: 'users.manage',
      tag: 'Users',
      summary: 'List API keys (never their secrets)',
      responses: {
        200: { description: 'Keys, newest first', schema: z.object({ items: z.array(PublicApiKeySchema) }) },
      },
    },
    async (c) => c.json({ items: await app.accounts.listApiKeys() }),
  );

  router.route(
    {
      method: 'post',
      path: '/v1/api-keys',
      access: 'users.manage',
      tag: 'Users',
      summary: 'Create an API key; its secret is in this response only',
      body: NewApiKey,
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      creates: true,
      responses: {
        201: {
          description: 'The key and its secret (send as Authorization: Bearer <secret>)',
          schema: z.object({ key: PublicApiKeySchema, secret: z.string() }),
        },
      },
    },
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const created = await app.accounts.createApiKey(body.value, principalOf(c));
      return created.ok ? c.json(created.value, 201) : refuse(created.error);
    },
  );

  router.route(
    {
      method: 'delete',
      path: '/v1/api-keys/:id',
      access: 'users.manage',
      tag: 'Users',
      summary: 'Revoke an API key: it stops working at once',
      params: idParam,
      responses: { 200: { description: 'The revoked key', schema: PublicApiKeySchema } },
    },
    async (c) => {
      const revoked = await app.accounts.revokeApiKey(pathParam(c, 'id'), principalOf(c));
      return revoked.ok ? c.json(revoked.value) : refuse(revoked.error);
    },
  );

  // Audit ---------------------------------------------------------------------------------------

  router.route(
    {
      method: 'get',
      path: '/v1/audit',
      access: 'audit.read',
      tag: 'Audit',
      summary: 'The audit log, newest first',
      query: AuditQuerySchema,
      responses: {
        200: {
          description: 'A page of entries',
          schema: z.object({ items: z.array(AuditEntrySchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    async (c) => {
      const limitText = c.req.query('limit') ?? '100';
      const limit = /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE)
        return fail({
          code: 'invalid_body',
          path: 'limit',
          message: `expected a whole number from 1 to ${MAX_AUDIT_PAGE}`,
        });
      const cursor = c.req.query('cursor');
      if (cursor !== undefined && !/^[1-9]\d{0,15}$/.test(cursor))
        return fail({
          code: 'invalid_body',
          path: 'cursor',
          message: 'expected the nextCursor of a previous page',
        });
      const filters = Object.fromEntries(
        (['actor', 'action', 'targetType', 'targetId'] as const).flatMap((name) => {
          const value = c.req.query(name);
          return value === undefined ? [] : [[name, value]];
        }),
      );
      const items = await app.audit.list({
        ...filters,
        limit: limit + 1,
        ...(cursor === undefined ? {} : { beforeSeq: Number(cursor) }),
      });
      const page = items.slice(0, limit);
      const last = page.at(-1);
      return c.json({
        items: page,
        nextCursor: items.length > limit && last !== undefined ? String(last.seq) : null,
      });
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/audit:verify',
      access: 'audit.read',
      tag: 'Audit',
      summary: 'Recompute the hash chain and name the first entry that was tampered with',
      responses: {
        200: {
          description: 'The verification',
          schema: z.object({
            ok: z.boolean(),
            entries: z.number().int(),
            lastHash: z.string().optional(),
            seq: z.number().int().optional(),
            reason: z.string().optional(),
          }),
        },
      },
    },
    async (c) => c.json(await app.audit.verify()),
  );
};
