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

export interface CallOptions<S extends z.ZodType> {
  readonly body?: unknown;
  /** What the answer must look like; it is checked, so a page never trusts a shape blindly. */
  readonly schema?: S;
}

/**
 * A call to the API with the session cookie; JSON in and out. Refusals are thrown as ApiError
 * (pages show their message and path); an answer that does not match `schema` is an ApiError
 * too (code `unexpected_answer`).
 */
export function api(method: Method, path: string, options?: { readonly body?: unknown }): Promise<unknown>;
export function api<S extends z.ZodType>(
  method: Method,
  path: string,
  options: CallOptions<S> & { readonly schema: S },
): Promise<z.infer<S>>;
export async function api(
  method: Method,
  path: string,
  options: CallOptions<z.ZodType> = {},
): Promise<unknown> {
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
  const schema = options.schema ?? z.unknown();
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ApiError(
      response.status,
      'unexpected_answer',
      `${method} ${path}: the answer is not what this page expects (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`,
      null,
      parsed.error.issues,
    );
  return parsed.data;
}

/** The raw response of a GET (CSV downloads). */
export const apiText = async (path: string): Promise<string> => {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw await errorOf(response);
  return response.text();
};
