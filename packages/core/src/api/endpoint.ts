import { z } from 'zod';

/**
 * The HTTP contract between the API and its clients: each endpoint names its method, path and
 * the zod schemas of what it takes and answers. The server registers its routes from these (and
 * builds the OpenAPI document from the same schemas); the web app calls them through a client
 * whose argument and answer types are inferred from them, so a field renamed here is a compile
 * error on both sides.
 */

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface Endpoint {
  readonly method: HttpMethod;
  /** In Hono's syntax: `/v1/segments/:id`; a colon inside a segment (`/v1/ucg:rotate`) is literal. */
  readonly path: string;
  /** Query parameters as they arrive: strings (a repeated parameter is an array). */
  readonly query?: z.ZodObject;
  /** The JSON body; optional when the schema is (`.optional()`). */
  readonly body?: z.ZodType;
  /**
   * The server reads the body itself and answers a draft with every issue and its path, so a
   * client may send what its user wrote, checked or not (`body`, or the use case's own schema
   * where the server has it, documents what is taken).
   */
  readonly acceptsDrafts?: true;
  /** The JSON answer on success; none for 204 and for answers that are not JSON. */
  readonly response?: z.ZodType;
  /** The status of success; 200 when not given. */
  readonly status?: 200 | 201 | 204;
}

/** An endpoint with its literal path and schemas kept in its type. */
export const endpoint = <const E extends Endpoint>(definition: E): E => definition;

/** The names of a path's parameters: `/v1/segments/:id/count` → `'id'`. */
export type PathParamNames<P extends string> = P extends `${string}/:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : P extends `${string}/:${infer Name}`
    ? Name
    : never;

/** The path parameters an endpoint needs, each a string. */
export type PathParams<E extends Endpoint> = { readonly [K in PathParamNames<E['path']>]: string };

/** What a client sends to call an endpoint: its path parameters, query and body, each when it takes them. */
export type EndpointArgs<E extends Endpoint> = ([PathParamNames<E['path']>] extends [never]
  ? { readonly params?: undefined }
  : { readonly params: PathParams<E> }) &
  (E['query'] extends z.ZodObject
    ? { readonly query?: z.input<E['query']> }
    : { readonly query?: undefined }) &
  (E['acceptsDrafts'] extends true
    ? { readonly body?: unknown }
    : E['body'] extends z.ZodType
      ? undefined extends z.input<E['body']>
        ? { readonly body?: z.input<E['body']> }
        : { readonly body: z.input<E['body']> }
      : { readonly body?: undefined });

/** The answer of an endpoint as a client reads it (null when it has none). */
export type EndpointAnswer<E extends Endpoint> = E['response'] extends z.ZodType
  ? z.output<E['response']>
  : null;

/** Readonly all the way down: what a server may reply with (its records are readonly). */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** What a server replies to an endpoint: anything the answer's schema takes. */
export type EndpointReply<E extends Endpoint> = E['response'] extends z.ZodType
  ? DeepReadonly<z.input<E['response']>>
  : never;

/** The path of a call: each `:name` replaced by its parameter, encoded. */
export const endpointPath = (path: string, params: Readonly<Record<string, string>> = {}): string =>
  path.replace(/\/:([A-Za-z0-9_]+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${path}: no value for the parameter "${name}"`);
    return `/${encodeURIComponent(value)}`;
  });

/** Names of contract schemas, for the OpenAPI document's components. */
export const apiSchemaNames = z.registry<{ readonly name: string }>();

/** Names a body or answer schema where it is written (the OpenAPI component it becomes). */
export const named = <T extends z.core.$ZodType>(schema: T, name: string): T => {
  apiSchemaNames.add(schema, { name });
  return schema;
};

/** The answer of a list route: a page of items and the cursor of the next one. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  });

/** The query parameters of every list route (`limit` 1–1000, 100 by default; `cursor`). */
export const PageQuery = z.object({
  limit: z.string().regex(/^\d+$/).optional().describe('Items per page, 1 to 1000; 100 when absent.'),
  cursor: z
    .string()
    .optional()
    .describe('The `nextCursor` of the previous page; the first page when absent.'),
});
