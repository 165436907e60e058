import { createHash, timingSafeEqual } from 'node:crypto';
import type { App } from '@opencvm/app';
import { can, maskContactPoints, type Principal } from '@opencvm/core';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import type { ApiContext, ApiEnv, RouteGuards, RouteSpec } from './api-route.ts';
import type { ApiError } from './errors.ts';
import { type RateLimit, RateLimiter } from './rate-limit.ts';

/** The session cookie: httpOnly, SameSite=Strict, set by log-in and first-start setup. */
export const SESSION_COOKIE = 'cvm_session';
/** Cookie sessions send this header on every change; it is the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

export interface RateLimits {
  /** Log-in and setup attempts per client address. */
  readonly login: RateLimit;
  /** Batch loads per caller (each up to 10,000 rows). */
  readonly ingest: RateLimit;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  login: { limit: 10, windowSeconds: 60 },
  ingest: { limit: 600, windowSeconds: 60 },
};

export interface GuardDeps {
  readonly app: App;
  readonly fail: (error: ApiError) => Response;
  /** The largest body a route takes when its spec does not say. */
  readonly maxBodyBytes: number;
  readonly clock?: () => Date;
  readonly rateLimits?: RateLimits;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** The client's address as the socket saw it; behind a proxy every client shares the proxy's. */
export const clientAddress = (c: Context): string => {
  const env: unknown = c.env;
  if (typeof env === 'object' && env !== null && 'incoming' in env) {
    const incoming: unknown = env.incoming;
    if (typeof incoming === 'object' && incoming !== null && 'socket' in incoming) {
      const socket: unknown = incoming.socket;
      if (typeof socket === 'object' && socket !== null && 'remoteAddress' in socket) {
        const address: unknown = socket.remoteAddress;
        if (typeof address === 'string') return address;
      }
    }
  }
  return 'local';
};

/** Routes limited like log-in: they take a password or a setup token. */
export const isCredentialRoute = (spec: RouteSpec): boolean =>
  spec.access === 'public' &&
  spec.method === 'post' &&
  (spec.path === '/v1/session' || spec.path === '/v1/setup');

/**
 * The middleware in front of every route, in order: who calls (API key or session cookie),
 * whether they may (the route's permission), CSRF for cookie sessions, rate limits, the body
 * limit, `Idempotency-Key` replay on creating POSTs, the audit entry of a change, and masking of
 * contact points for roles that must not see them.
 */
export const routeGuards = (deps: GuardDeps): RouteGuards => {
  const { app, fail } = deps;
  const clock = deps.clock ?? (() => new Date());
  const limits = deps.rateLimits ?? DEFAULT_RATE_LIMITS;
  const loginLimiter = new RateLimiter(limits.login, clock);
  const ingestLimiter = new RateLimiter(limits.ingest, clock);

  const limited = (retryAfterSeconds: number): Response => {
    const response = fail({
      code: 'rate_limited',
      message: `too many requests; try again in ${retryAfterSeconds} s`,
      details: { retryAfterSeconds },
    });
    response.headers.set('retry-after', String(retryAfterSeconds));
    return response;
  };

  /** Sets the caller from an API key or a session cookie; a key that is not valid is refused. */
  const identify: MiddlewareHandler<ApiEnv> = async (c, next) => {
    c.set('principal', null);
    c.set('session', null);
    const authorization = c.req.header('authorization');
    if (authorization !== undefined) {
      const secret = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
      const principal = secret === undefined ? null : await app.accounts.authenticateKey(secret);
      if (principal === null)
        return fail({
          code: 'unauthenticated',
          reason: 'invalid_api_key',
          message: 'the API key is not valid or was revoked',
        });
      c.set('principal', principal);
      return next();
    }
    const token = getCookie(c, SESSION_COOKIE);
    if (token !== undefined && token !== '') {
      const caller = await app.accounts.authenticateSession(token);
      if (caller !== null) {
        c.set('principal', caller.principal);
        c.set('session', { token, csrfToken: caller.csrfToken });
      }
    }
    return next();
  };

  const authorize =
    (spec: RouteSpec): MiddlewareHandler<ApiEnv> =>
    async (c, next) => {
      const principal = c.get('principal');
      if (principal === null)
        return fail({
          code: 'unauthenticated',
          reason: 'not_signed_in',
          message: 'sign in or send an API key (Authorization: Bearer …)',
        });
      if (spec.access !== 'signed-in' && spec.access !== 'public' && !can(principal, spec.access))
        return fail({
          code: 'forbidden',
          reason: 'missing_permission',
          message: `this needs the permission ${spec.access}, which ${describe(principal)} does not have`,
          details: { permission: spec.access },
        });
      return next();
    };

  /** A change made with a session cookie carries the session's CSRF token and comes from our origin. */
  const csrf: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const session = c.get('session');
    if (session === null || !UNSAFE.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== 'null') {
      const host = c.req.header('host');
      let originHost: string | null = null;
      try {
        originHost = new URL(origin).host;
      } catch {
        originHost = null;
      }
      if (host === undefined || originHost !== host)
        return fail({
          code: 'forbidden',
          reason: 'cross_origin',
          message: 'a change with a session cookie must come from this site',
        });
    }
    const sent = c.req.header(CSRF_HEADER);
    if (sent === undefined || !sameText(sent, session.csrfToken))
      return fail({
        code: 'forbidden',
        reason: 'csrf_token',
        message: `a change with a session cookie needs the ${CSRF_HEADER} header from GET /v1/session`,
      });
    return next();
  };

  const rateLimit =
    (limiter: RateLimiter, keyOf: (c: ApiContext) => string): MiddlewareHandler<ApiEnv> =>
    async (c, next) => {
      const decision = limiter.take(keyOf(c));
      return decision.allowed ? next() : limited(decision.retryAfterSeconds);
    };

  /** A creating POST with an `Idempotency-Key` the caller used before gets that first response again. */
  const idempotency: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const key = c.req.header(IDEMPOTENCY_HEADER);
    const principal = c.get('principal');
    if (key === undefined || principal === null) return next();
    if (!IDEMPOTENCY_KEY.test(key))
      return fail({
        code: 'invalid_body',
        path: IDEMPOTENCY_HEADER,
        message: 'must be 1 to 255 visible ASCII characters',
      });
    const caller = `${principal.kind}:${principal.id}`;
    const requestHash = createHash('sha256')
      .update(`${c.req.method} ${c.req.path}\n`)
      .update(await c.req.text())
      .digest('hex');
    const claim = await app.idempotency.claim({ caller, key, requestHash, at: clock().toISOString() });
    if (claim.state !== 'new') {
      if (claim.requestHash !== requestHash)
        return fail({
          code: 'idempotency_mismatch',
          path: IDEMPOTENCY_HEADER,
          message: 'this key was used for a different request; use a new key for a new request',
        });
      if (claim.state === 'in_progress')
        return fail({
          code: 'conflict',
          reason: 'request_in_progress',
          message: 'a request with this Idempotency-Key is still in progress',
        });
      return new Response(claim.body, {
        status: claim.status,
        headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' },
      });
    }
    try {
      await next();
    } catch (error) {
      await app.idempotency.release({ caller, key });
      throw error;
    }
    if (c.res.status >= 500) {
      await app.idempotency.release({ caller, key });
      return;
    }
    const body = await c.res.clone().text();
    await app.idempotency.complete({ caller, key, status: c.res.status, body });
  };

  const audit =
    (spec: RouteSpec): MiddlewareHandler<ApiEnv> =>
    async (c, next) => {
      const auditSpec = spec.audit;
      const principal = c.get('principal');
      if (auditSpec === undefined || principal === null) return next();
      const before = auditSpec.before === undefined ? null : await auditSpec.before(c);
      await next();
      if (c.res.status < 200 || c.res.status >= 300 || c.res.headers.get('idempotent-replayed') === 'true')
        return;
      const body = await jsonOf(c.res);
      const after = auditSpec.after === undefined ? body : auditSpec.after(body, c);
      const target = auditSpec.target?.(c) ?? targetOf(spec, after);
      // The change is made; a failure to record it is reported loudly but does not undo it.
      try {
        await app.audit.record({ actor: principal, action: auditSpec.action, target, before, after });
      } catch (error) {
        console.error(`audit: could not record ${auditSpec.action} by ${principal.name}`, error);
      }
    };

  /** Phone numbers, e-mail addresses and push tokens, masked for the roles that must not see them. */
  const mask: MiddlewareHandler<ApiEnv> = async (c, next) => {
    await next();
    const principal = c.get('principal');
    if (principal === null || !principal.masked) return;
    if (!(c.res.headers.get('content-type') ?? '').startsWith('application/json')) return;
    const body = await jsonOf(c.res);
    if (body === undefined) return;
    const headers = new Headers(c.res.headers);
    headers.delete('content-length');
    c.res = new Response(JSON.stringify(maskContactPoints(body)), { status: c.res.status, headers });
  };

  return (spec) => {
    const maxSize = spec.maxBodyBytes ?? deps.maxBodyBytes;
    const guards: MiddlewareHandler<ApiEnv>[] = [];
    if (spec.access === 'public') {
      guards.push(async (c, next) => {
        c.set('principal', null);
        c.set('session', null);
        return next();
      });
      if (isCredentialRoute(spec)) guards.push(rateLimit(loginLimiter, clientAddress));
    } else {
      guards.push(identify, authorize(spec), csrf);
      if (spec.access === 'data.ingest')
        guards.push(rateLimit(ingestLimiter, (c) => c.get('principal')?.id ?? clientAddress(c)));
    }
    guards.push(
      bodyLimit({
        maxSize,
        onError: () => fail({ code: 'payload_too_large', message: `the body is over ${maxSize} bytes` }),
      }),
    );
    if (spec.creates === true && spec.method === 'post') guards.push(idempotency);
    if (spec.audit !== undefined) guards.push(audit(spec));
    if (spec.access !== 'public') guards.push(mask);
    return guards;
  };
};

const describe = (principal: Principal): string =>
  principal.kind === 'key'
    ? `an API key of scope ${principal.scope ?? 'none'}`
    : `the role ${principal.role ?? 'none'}`;

const jsonOf = async (response: Response): Promise<unknown> => {
  if (!(response.headers.get('content-type') ?? '').startsWith('application/json')) return undefined;
  try {
    return await response.clone().json();
  } catch {
    return undefined;
  }
};

/** The changed thing named by the route's path and the response's `id`, when the spec names none. */
const targetOf = (spec: RouteSpec, after: unknown): { readonly type: string; readonly id: string } | null => {
  const type = spec.audit?.action.split('.')[0] ?? spec.tag;
  if (typeof after === 'object' && after !== null && 'id' in after && typeof after.id === 'string')
    return { type, id: after.id };
  return null;
};
