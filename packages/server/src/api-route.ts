import type { App, AppError } from '@opencvm/app';
import {
  type AuditTarget,
  type Endpoint,
  type EndpointReply,
  err,
  HTTP_METHODS,
  type HttpMethod,
  ok,
  type Permission,
  type Principal,
  type Result,
} from '@opencvm/core';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import type { ApiError, AppErrorContext } from './errors.ts';

/** What every request carries through the middleware: who calls (null on public routes). */
export interface ApiEnv {
  Variables: {
    principal: Principal | null;
    /** Set when the caller signed in with the session cookie (not with an API key). */
    session: { readonly token: string; readonly csrfToken: string } | null;
  };
}
export type ApiContext = Context<ApiEnv>;

/**
 * What a route needs of its caller: one permission, or only to be signed in (any role), or
 * nothing (health, log-in, first-start setup, unsubscribe links, the API's own description).
 */
export type Access = Permission | 'signed-in' | 'public';

/** The largest body a route takes unless its spec says otherwise (batches take this much). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export const METHODS = HTTP_METHODS;
export type Method = HttpMethod;

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** `application/json` when not given. */
  readonly contentType?: string;
}

/** What a change records in the audit log; the response body is the "after" unless told otherwise. */
export interface AuditSpec {
  /** `<thing>.<verb>`, e.g. `segment.update`. */
  readonly action: string;
  readonly target?: (c: ApiContext) => AuditTarget | null;
  /** The thing before the change (read before the handler runs); null when it is created. */
  readonly before?: (c: ApiContext) => Promise<unknown>;
  /** The thing after the change, from the response body; the body itself when not given. */
  readonly after?: (body: unknown, c: ApiContext) => unknown;
}

/** One route of the API: how it is reached, who may call it, and what it takes and returns. */
export interface RouteSpec {
  readonly method: Method;
  /** In Hono's syntax: `/v1/segments/:id`. */
  readonly path: string;
  readonly access: Access;
  /** The OpenAPI tag: the capability the route belongs to. */
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  /** The request body: a JSON schema, or another media type described in words. */
  readonly body?: z.ZodType | { readonly contentType: string; readonly description: string };
  /** Success and expected-failure responses by status; error responses share one shape. */
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** The largest body taken; the server's default when not given. */
  readonly maxBodyBytes?: number;
  /** A POST that creates something: a repeated `Idempotency-Key` replays the first response. */
  readonly creates?: boolean;
  /** Set on every route that changes state. */
  readonly audit?: AuditSpec;
  /** The shared contract's endpoint the route serves (its method, path, schemas come from it). */
  readonly endpoint?: Endpoint;
}

/** A route of a contract endpoint: what the endpoint does not say (access, words, limits, audit). */
export interface EndpointRouteSpec
  extends Omit<RouteSpec, 'method' | 'path' | 'query' | 'body' | 'responses' | 'endpoint'> {
  /** The body the use case reads, for an endpoint that takes drafts and names no body schema. */
  readonly body?: RouteSpec['body'];
  /** What the success answer is, in words. */
  readonly answer: string;
  /** The media type of an answer that is not JSON (the endpoint then has no response schema). */
  readonly answerType?: string;
  /** Expected failures worth describing besides the shared error answers. */
  readonly failures?: Readonly<Record<number, ResponseSpec>>;
}

/** The spec of a route that serves a contract endpoint: method, path and schemas from the endpoint. */
export const endpointRoute = (endpoint: Endpoint, spec: EndpointRouteSpec): RouteSpec => {
  const { answer, answerType, failures, body, ...rest } = spec;
  if (body !== undefined && endpoint.body !== undefined)
    throw new Error(`${endpoint.method} ${endpoint.path}: the contract names the body already`);
  return {
    ...rest,
    endpoint,
    method: endpoint.method,
    path: endpoint.path,
    ...(endpoint.query === undefined ? {} : { query: endpoint.query }),
    ...(endpoint.body === undefined ? (body === undefined ? {} : { body }) : { body: endpoint.body }),
    responses: {
      [endpoint.status ?? 200]: {
        description: answer,
        ...(endpoint.response === undefined ? {} : { schema: endpoint.response }),
        ...(answerType === undefined ? {} : { contentType: answerType }),
      },
      ...failures,
    },
  };
};

/** The success answer of a contract endpoint: the compiler checks it against the endpoint's schema. */
export const reply = <E extends Endpoint>(c: ApiContext, endpoint: E, body: EndpointReply<E>): Response => {
  const json: unknown = body;
  return c.json(json, endpoint.status === 201 ? 201 : 200);
};

/** What every route module is given: the use cases, and how to answer a refusal. */
export interface RouteDeps {
  readonly app: App;
  /** Answers with the API error's status and problem body. */
  readonly fail: (error: ApiError) => Response;
  /** Answers a use case's failure through the one error table (errors.ts). */
  readonly refuse: (error: AppError, context?: AppErrorContext) => Response;
}

export type RouteHandler = (c: ApiContext) => Response | Promise<Response>;

/** Registers routes on the server through the guards, and keeps their specs for OpenAPI and tests. */
export interface ApiRouter {
  readonly routes: readonly RouteSpec[];
  route(spec: RouteSpec, handler: RouteHandler): void;
}

/** The middleware a route runs before its handler, chosen from its spec (auth, limits, …). */
export type RouteGuards = (spec: RouteSpec) => readonly MiddlewareHandler<ApiEnv>[];

export const createRouter = (server: Hono<ApiEnv>, guards: RouteGuards): ApiRouter => {
  const routes: RouteSpec[] = [];
  return {
    routes,
    route(spec, handler) {
      routes.push(spec);
      server.on([spec.method.toUpperCase()], [spec.path], ...guards(spec), handler);
    },
  };
};

/** The caller of a route that is not public; a bug when asked on a public route. */
export const principalOf = (c: ApiContext): Principal => {
  const principal = c.get('principal');
  if (principal === null || principal === undefined)
    throw new Error(`${c.req.method} ${c.req.path} asked for its caller but is public`);
  return principal;
};

/**
 * The OpenAPI path of a Hono path: `/v1/segments/:id` → `/v1/segments/{id}`. Only a colon that
 * starts a segment opens a parameter: `/v1/ucg:rotate` is a literal path.
 */
export const openApiPath = (path: string): string => path.replace(/\/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '/{$1}');

/** A parameter of the route's path; a bug when the path does not declare it. */
export const pathParam = (c: ApiContext, name: string): string => {
  const value = c.req.param(name);
  if (value === undefined) throw new Error(`${c.req.method} ${c.req.routePath} has no parameter "${name}"`);
  return value;
};

/** The request body decoded as JSON, or the refusal that names the body. */
export const jsonBody = async (c: ApiContext): Promise<Result<unknown, ApiError>> => {
  try {
    return ok(await c.req.json());
  } catch {
    return err({ code: 'invalid_body', path: '(body)', message: 'the body is not valid JSON' });
  }
};
