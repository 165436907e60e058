import { createApp } from '@opencvm/app';
import { API_KEY_SCOPES, type Permission, ROLE_PERMISSIONS, ROLES, SCOPE_PERMISSIONS } from '@opencvm/core';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import type { RouteSpec } from '../src/api-route.ts';
import { createServer } from '../src/create-server.ts';
import { keyHeaders, sessionHeaders } from './test-server.ts';

const schema = testSchema();
const [duckdb] = ADAPTERS;

interface Caller {
  readonly label: string;
  readonly headers: (route: RouteSpec) => Promise<Record<string, string>>;
  /** Null: no credentials at all. */
  readonly permissions: readonly Permission[] | null;
}

/** A request that reaches the route: path parameters filled with ids that do not exist, an empty object as body. */
const requestOf = (route: RouteSpec, headers: Record<string, string>): [string, RequestInit] => {
  const path = route.path.replace(/\/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '/no-such-$1');
  const hasBody = route.method !== 'get' && route.method !== 'delete';
  return [
    path,
    {
      method: route.method.toUpperCase(),
      headers: { ...headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      ...(hasBody ? { body: '{}' } : {}),
    },
  ];
};

const isPermissionRefusal = async (response: Response): Promise<boolean> => {
  if (response.status !== 403) return false;
  const body: unknown = await response.clone().json();
  return JSON.stringify(body).includes('needs the permission');
};

describe.skipIf(duckdb === undefined)('who may call which route', () => {
  it('lets every role and key scope call exactly the routes its permissions allow, and nobody without credentials', async () => {
    if (duckdb === undefined) return;
    const test = await duckdb.open(schema);
    try {
      const app = await createApp(
        { store: test.store, schema },
        { clock: () => new Date('2026-01-15T10:00:00Z') },
      );
      const { server, routes } = createServer(app, {
        version: '0.0.0-test',
        rateLimits: {
          login: { limit: 10_000, windowSeconds: 60 },
          ingest: { limit: 10_000, windowSeconds: 60 },
        },
      });
      const callers: Caller[] = [
        { label: 'no credentials', headers: async () => ({}), permissions: null },
        ...ROLES.map((role) => {
          const session = sessionHeaders(app, `user-${role}`, role);
          return {
            label: `role ${role}`,
            // Logging out ends the session: it gets one of its own.
            headers: (route: RouteSpec) =>
              route.method === 'delete' && route.path === '/v1/session'
                ? session.then(() => sessionHeaders(app, `user-${role}`, role))
                : session,
            permissions: ROLE_PERMISSIONS[role],
          };
        }),
        ...API_KEY_SCOPES.map((scope) => {
          const headers = keyHeaders(app, `key-${scope}`, scope);
          return { label: `key ${scope}`, headers: () => headers, permissions: SCOPE_PERMISSIONS[scope] };
        }),
      ];

      expect(routes.length).toBeGreaterThan(60);
      const wrong: string[] = [];
      for (const route of routes) {
        for (const caller of callers) {
          const response = await server.request(...requestOf(route, await caller.headers(route)));
          const name = `${route.method.toUpperCase()} ${route.path} as ${caller.label}`;
          const refusedPermission = await isPermissionRefusal(response);
          if (route.access === 'public') {
            if (response.status === 401 || refusedPermission)
              wrong.push(`${name}: ${response.status}, public`);
          } else if (caller.permissions === null) {
            if (response.status !== 401) wrong.push(`${name}: ${response.status}, expected 401`);
          } else if (route.access === 'signed-in' || caller.permissions.includes(route.access)) {
            if (response.status === 401 || refusedPermission)
              wrong.push(`${name}: ${response.status}, expected to be let through (${route.access})`);
            if (response.status >= 500) wrong.push(`${name}: ${response.status} on an empty request`);
          } else if (!refusedPermission) {
            wrong.push(`${name}: ${response.status}, expected 403 for lacking ${route.access}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    } finally {
      await test[Symbol.asyncDispose]();
    }
  }, 120_000);

  it('gives every role what the issue names', () => {
    const allowed = (role: (typeof ROLES)[number], permission: Permission) =>
      ROLE_PERMISSIONS[role].includes(permission);
    expect(allowed('marketer', 'campaigns.write')).toBe(true);
    expect(allowed('marketer', 'campaigns.approve')).toBe(false);
    expect(allowed('approver', 'campaigns.approve')).toBe(true);
    expect(allowed('approver', 'campaigns.write')).toBe(false);
    expect(allowed('analyst', 'results.read')).toBe(true);
    expect(allowed('analyst', 'segments.write')).toBe(false);
    expect(allowed('viewer', 'dashboard.read')).toBe(true);
    expect(allowed('viewer', 'data.read')).toBe(false);
    for (const role of ROLES) expect(allowed(role, 'users.manage')).toBe(role === 'admin');
    expect(SCOPE_PERMISSIONS.ingest).toEqual(['data.ingest']);
    expect(SCOPE_PERMISSIONS.full).not.toContain('users.manage');
  });
});
