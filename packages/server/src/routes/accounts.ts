import type { SignedIn } from '@opencvm/app';
import { accountsApi, MAX_AUDIT_PAGE, PERMISSIONS } from '@opencvm/core';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
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
import { SESSION_COOKIE } from '../route-guards.ts';

/** Log-in and setup bodies are a name and a password. */
export const MAX_ACCOUNT_BODY_BYTES = 16 * 1024;

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
    return reply(c, status === 201 ? accountsApi.setup : accountsApi.logIn, {
      user: signedIn.user,
      csrfToken: signedIn.csrfToken,
      expiresAt: signedIn.expiresAt,
    });
  };

  // Setup and sessions --------------------------------------------------------------------------

  router.route(
    endpointRoute(accountsApi.setupState, {
      access: 'public',
      tag: 'Accounts',
      summary: 'Whether the workspace still waits for its first admin',
      answer: 'Setup state',
    }),
    async (c) => reply(c, accountsApi.setupState, { required: await app.accounts.setupRequired() }),
  );

  router.route(
    endpointRoute(accountsApi.setup, {
      access: 'public',
      tag: 'Accounts',
      summary: 'Create the first admin with the one-time setup token printed at first start',
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      answer: 'The admin, signed in (session cookie set)',
    }),
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
    endpointRoute(accountsApi.logIn, {
      access: 'public',
      tag: 'Accounts',
      summary: 'Log in with a name and password',
      description:
        'Sets an httpOnly, SameSite=Strict session cookie; changes made with it need the returned csrfToken in the x-csrf-token header.',
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      answer: 'Signed in (session cookie set)',
    }),
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
    endpointRoute(accountsApi.session, {
      access: 'signed-in',
      tag: 'Accounts',
      summary: 'Who is calling, with which permissions (and the CSRF token of a cookie session)',
      answer: 'The caller',
    }),
    (c) => {
      const principal = principalOf(c);
      return reply(c, accountsApi.session, {
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
    endpointRoute(accountsApi.logOut, {
      access: 'signed-in',
      tag: 'Accounts',
      summary: 'Log out: the session ends at once',
      answer: 'Logged out',
    }),
    async (c) => {
      const session = c.get('session');
      if (session !== null) await app.accounts.logout(session.token);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.body(null, 204);
    },
  );

  router.route(
    endpointRoute(accountsApi.changePassword, {
      access: 'signed-in',
      tag: 'Accounts',
      summary: "Change one's own password (other sessions end)",
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      answer: 'The user',
    }),
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const changed = await app.accounts.changeOwnPassword(body.value, principalOf(c));
      return changed.ok ? reply(c, accountsApi.changePassword, changed.value) : refuse(changed.error);
    },
  );

  // Users ---------------------------------------------------------------------------------------

  router.route(
    endpointRoute(accountsApi.users, {
      access: 'users.manage',
      tag: 'Users',
      summary: 'List users',
      answer: 'Users by name',
    }),
    async (c) => reply(c, accountsApi.users, { items: await app.accounts.listUsers() }),
  );

  router.route(
    endpointRoute(accountsApi.createUser, {
      access: 'users.manage',
      tag: 'Users',
      summary: 'Create a user with a role',
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      creates: true,
      answer: 'The user',
    }),
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const created = await app.accounts.createUser(body.value, principalOf(c));
      return created.ok ? reply(c, accountsApi.createUser, created.value) : refuse(created.error);
    },
  );

  router.route(
    endpointRoute(accountsApi.user, {
      access: 'users.manage',
      tag: 'Users',
      summary: 'A user',
      params: idParam,
      answer: 'The user',
    }),
    async (c) => {
      const found = await app.accounts.getUser(pathParam(c, 'id'));
      return found.ok ? reply(c, accountsApi.user, found.value) : refuse(found.error);
    },
  );

  router.route(
    endpointRoute(accountsApi.changeUser, {
      access: 'users.manage',
      tag: 'Users',
      summary: "Change a user's role, display name or password, or disable them (their sessions end)",
      params: idParam,
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      answer: 'The user',
    }),
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const changed = await app.accounts.updateUser(pathParam(c, 'id'), body.value, principalOf(c));
      return changed.ok ? reply(c, accountsApi.changeUser, changed.value) : refuse(changed.error);
    },
  );

  // API keys ------------------------------------------------------------------------------------

  router.route(
    endpointRoute(accountsApi.apiKeys, {
      access: 'users.manage',
      tag: 'Users',
      summary: 'List API keys (never their secrets)',
      answer: 'Keys, newest first',
    }),
    async (c) => reply(c, accountsApi.apiKeys, { items: await app.accounts.listApiKeys() }),
  );

  router.route(
    endpointRoute(accountsApi.createApiKey, {
      access: 'users.manage',
      tag: 'Users',
      summary: 'Create an API key; its secret is in this response only',
      maxBodyBytes: MAX_ACCOUNT_BODY_BYTES,
      creates: true,
      answer: 'The key and its secret (send as Authorization: Bearer <secret>)',
    }),
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const created = await app.accounts.createApiKey(body.value, principalOf(c));
      return created.ok ? reply(c, accountsApi.createApiKey, created.value) : refuse(created.error);
    },
  );

  router.route(
    endpointRoute(accountsApi.revokeApiKey, {
      access: 'users.manage',
      tag: 'Users',
      summary: 'Revoke an API key: it stops working at once',
      params: idParam,
      answer: 'The revoked key',
    }),
    async (c) => {
      const revoked = await app.accounts.revokeApiKey(pathParam(c, 'id'), principalOf(c));
      return revoked.ok ? reply(c, accountsApi.revokeApiKey, revoked.value) : refuse(revoked.error);
    },
  );

  // Audit ---------------------------------------------------------------------------------------

  router.route(
    endpointRoute(accountsApi.audit, {
      access: 'audit.read',
      tag: 'Audit',
      summary: 'The audit log, newest first',
      answer: 'A page of entries',
    }),
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
      return reply(c, accountsApi.audit, {
        items: page,
        nextCursor: items.length > limit && last !== undefined ? String(last.seq) : null,
      });
    },
  );

  router.route(
    endpointRoute(accountsApi.verifyAudit, {
      access: 'audit.read',
      tag: 'Audit',
      summary: 'Recompute the hash chain and name the first entry that was tampered with',
      answer: 'The verification',
    }),
    async (c) => reply(c, accountsApi.verifyAudit, await app.audit.verify()),
  );
};
