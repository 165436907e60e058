import type { App } from '@opencvm/app';
import { type ApiKeyScope, operatorPrincipal, type Role } from '@opencvm/core';
import type { Hono } from 'hono';
import type { ApiEnv } from '../src/api-route.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

const setupBy = operatorPrincipal('test-setup');

/** Session headers of a user (created with `role` on first use), as a browser would send them. */
export const sessionHeaders = async (
  app: App,
  name: string,
  role: Role = 'admin',
): Promise<{ readonly cookie: string; readonly 'x-csrf-token': string }> => {
  const existing = (await app.accounts.listUsers()).find((user) => user.name === name);
  if (existing === undefined) {
    const created = await app.accounts.createUser({ name, role, password: TEST_PASSWORD }, setupBy);
    if (!created.ok) throw new Error(`could not create ${name}: ${JSON.stringify(created.error)}`);
  }
  const signedIn = await app.accounts.login({ name, password: TEST_PASSWORD });
  if (!signedIn.ok) throw new Error(`could not sign in ${name}: ${JSON.stringify(signedIn.error)}`);
  return { cookie: `cvm_session=${signedIn.value.token}`, 'x-csrf-token': signedIn.value.csrfToken };
};

/** The header of a new API key of `scope`. */
export const keyHeaders = async (
  app: App,
  name: string,
  scope: ApiKeyScope,
): Promise<Record<string, string>> => {
  const created = await app.accounts.createApiKey({ name, scope }, setupBy);
  if (!created.ok) throw new Error(`could not create key ${name}: ${JSON.stringify(created.error)}`);
  return { authorization: `Bearer ${created.value.secret}` };
};

/**
 * Requests as signed-in users: `x-cvm-user: <name>` in a request's headers is replaced by that
 * user's session (an admin, created on first use), and a request without it goes as the
 * admin `tester`. Tests about who may do what build their headers with `sessionHeaders`.
 */
export const signedInClient = (server: Hono<ApiEnv>, app: App) => {
  const sessions = new Map<string, Promise<Record<string, string>>>();
  const headersOf = (name: string) => {
    let headers = sessions.get(name);
    if (headers === undefined) {
      headers = sessionHeaders(app, name);
      sessions.set(name, headers);
    }
    return headers;
  };
  return {
    async request(path: string, init: RequestInit = {}): Promise<Response> {
      const headers = new Headers(init.headers);
      const name = headers.get('x-cvm-user') ?? 'tester';
      headers.delete('x-cvm-user');
      for (const [key, value] of Object.entries(await headersOf(name))) headers.set(key, value);
      return server.request(path, { ...init, headers });
    },
  };
};
