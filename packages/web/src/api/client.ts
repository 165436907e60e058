import { type Endpoint, type EndpointAnswer, type EndpointArgs, endpointPath } from '@opencvm/core';
import { z } from 'zod';

/**
 * One refusal of the API: its code, message and, for bad input, the path of the problem; `reason`
 * says why where the code is too coarse. Pages show it through errorText, in the user's language.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path: string | null,
    readonly details: unknown,
    readonly reason: string | null = null,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

/** Set after log-in and on every session check: changes made with the cookie must carry it. */
export const setCsrfToken = (token: string | null): void => {
  csrfToken = token;
};

const errorOf = async (response: Response): Promise<ApiError> => {
  try {
    const body: unknown = await response.json();
    if (typeof body === 'object' && body !== null && 'error' in body) {
      const error: unknown = body.error;
      if (typeof error === 'object' && error !== null) {
        const field = (name: string): unknown => (name in error ? Reflect.get(error, name) : undefined);
        const code = field('code');
        const message = field('message');
        const path = field('path');
        const reason = field('reason');
        return new ApiError(
          response.status,
          typeof code === 'string' ? code : 'internal',
          typeof message === 'string' ? message : response.statusText,
          typeof path === 'string' ? path : null,
          field('details') ?? null,
          typeof reason === 'string' ? reason : null,
        );
      }
    }
  } catch {
    // Not JSON: the status says what there is to say.
  }
  return new ApiError(response.status, 'internal', response.statusText, null, null);
};

/** Called when the API answers 401: the session ended (logged out elsewhere, expired). */
let onUnauthenticated: () => void = () => {};
export const setOnUnauthenticated = (handler: () => void): void => {
  onUnauthenticated = handler;
};

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Request {
  readonly body?: unknown;
  /** What the answer must look like; it is checked, so a page never trusts a shape blindly. */
  readonly schema: z.ZodType;
}

/**
 * A call to the API with the session cookie; JSON in and out. Refusals are thrown as ApiError
 * (pages show their message and path); an answer that does not match `schema` is an ApiError
 * too (code `unexpected_answer`).
 */
const request = async (method: Method, path: string, options: Request): Promise<unknown> => {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  if (response.status === 401 && !path.startsWith('/v1/session') && !path.startsWith('/v1/setup'))
    onUnauthenticated();
  if (!response.ok) throw await errorOf(response);
  const body: unknown = response.status === 204 ? null : await response.json();
  const parsed = options.schema.safeParse(body);
  if (!parsed.success)
    throw new ApiError(
      response.status,
      'unexpected_answer',
      `${method} ${path}: the answer is not what this page expects (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`,
      null,
      parsed.error.issues,
    );
  return parsed.data;
};

/** The raw response of a GET (CSV downloads). */
export const apiText = async (path: string): Promise<string> => {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw await errorOf(response);
  return response.text();
};

/** The arguments of a call: optional when the endpoint needs none. */
type CallArgs<E extends Endpoint> =
  object extends EndpointArgs<E> ? [args?: EndpointArgs<E>] : [args: EndpointArgs<E>];

interface LooseArgs {
  readonly params?: Readonly<Record<string, string>> | undefined;
  readonly query?: Readonly<Record<string, string | readonly string[] | undefined>> | undefined;
  readonly body?: unknown;
}

const queryText = (query: LooseArgs['query']): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (typeof value === 'string') search.append(name, value);
    else for (const item of value ?? []) search.append(name, item);
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};

const urlOf = (endpoint: Endpoint, args: LooseArgs): string =>
  `${endpointPath(endpoint.path, args.params)}${queryText(args.query)}`;

/**
 * A call to an endpoint of the shared contract (core/src/api): its path parameters, query and body
 * are typed by the endpoint, and its answer is checked against the endpoint's response schema.
 */
export function call<E extends Endpoint>(endpoint: E, ...args: CallArgs<E>): Promise<EndpointAnswer<E>>;
export function call(endpoint: Endpoint, args: LooseArgs = {}): Promise<unknown> {
  return send(endpoint, args);
}

const METHODS: Readonly<Record<Endpoint['method'], Method>> = {
  get: 'GET',
  post: 'POST',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
};

const send = (endpoint: Endpoint, args: LooseArgs): Promise<unknown> =>
  request(METHODS[endpoint.method], urlOf(endpoint, args), {
    ...(args.body === undefined ? {} : { body: args.body }),
    // An endpoint without an answer (204) reads as null.
    schema: endpoint.response ?? z.unknown().transform(() => null),
  });

/** The items of a list answer. */
type ItemOf<E extends Endpoint> =
  EndpointAnswer<E> extends { readonly items: readonly (infer T)[] } ? T : never;

/** Every page of a list endpoint, 1000 at a time (the lists the pages read in full are short). */
export function callAll<E extends Endpoint>(endpoint: E, ...args: CallArgs<E>): Promise<ItemOf<E>[]>;
export async function callAll(endpoint: Endpoint, args: LooseArgs = {}): Promise<unknown[]> {
  const Page = z.object({ items: z.array(z.unknown()), nextCursor: z.string().nullable() });
  const items: unknown[] = [];
  let cursor: string | null = null;
  do {
    const query = { ...args.query, limit: '1000', ...(cursor === null ? {} : { cursor }) };
    const answer = Page.parse(await send(endpoint, { ...args, query }));
    items.push(...answer.items);
    cursor = answer.nextCursor;
  } while (cursor !== null);
  return items;
}
