import { PERMISSIONS, type Permission } from '@opencvm/core';
import { vi } from 'vitest';

/** One request the page sent, as the fake API saw it. */
export interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

/** What a route answers: a JSON body (200), or a status with one. */
export type Answer = { readonly status: number; readonly body: unknown } | { readonly json: unknown };
type Route = Answer | ((request: SentRequest) => Answer);

export const ok = (json: unknown): Answer => ({ json });

/** A refusal as the API sends it. */
export const refusal = (
  status: number,
  error: { readonly code: string; readonly message: string; readonly details?: unknown },
): Answer => ({ status, body: { error } });

const bodyOf = (init: RequestInit | undefined): unknown =>
  typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;

const pathOf = (input: RequestInfo | URL): string =>
  typeof input === 'string' ? input : input instanceof URL ? `${input.pathname}${input.search}` : input.url;

/**
 * Stands in for the server at the network edge: `fetch` answers the routes given (keyed
 * `METHOD /path`), a signed-in session with `permissions` (every one by default), and 404 for
 * anything else. Answers the requests sent, for tests that check what a page asked for.
 */
export const fakeApi = (
  routes: Readonly<Record<string, Route>>,
  permissions: readonly Permission[] = PERMISSIONS,
): SentRequest[] => {
  const sent: SentRequest[] = [];
  const session: Answer = ok({
    kind: 'user',
    name: 'ada',
    role: 'admin',
    scope: null,
    permissions,
    masked: false,
    csrfToken: 'csrf',
  });
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = { method: init?.method ?? 'GET', path: pathOf(input), body: bodyOf(init) };
    sent.push(request);
    const key = `${request.method} ${request.path}`;
    const route = key === 'GET /v1/session' ? session : routes[key];
    const answer =
      route === undefined
        ? refusal(404, { code: 'not_found', message: `no route ${key} in this test` })
        : typeof route === 'function'
          ? route(request)
          : route;
    return 'json' in answer
      ? Response.json(answer.json)
      : Response.json(answer.body, { status: answer.status });
  });
  return sent;
};
