import {
  API_ERROR_REASONS,
  apiSchemaNames,
  Campaign,
  ISSUE_KINDS,
  named,
  Offer,
  SegmentDefinition,
  SegmentRule,
} from '@opencvm/core';
import { z } from 'zod';
import { openApiPath, type RouteSpec } from './api-route.ts';
import { ERROR_CODES } from './errors.ts';

/**
 * The OpenAPI 3.1 document of the API, built from the route specs: the same zod schemas that
 * describe (and, in the use cases, check) the bodies become its JSON Schemas, so the document
 * cannot drift from the routes.
 */

type JsonObject = { [key: string]: unknown };

/** The session cookie log-in sets; API keys go in `Authorization: Bearer`. */
export const SESSION_COOKIE_NAME = 'cvm_session';

/** One refused value of the input, as `details.issues` lists them. */
const ErrorIssue = z.object({
  path: z.string().describe('The field or parameter, e.g. `rule.rules[0].attribute`.'),
  message: z.string().describe('What is wrong, in English.'),
  kind: z
    .enum(ISSUE_KINDS)
    .optional()
    .describe(
      "What is wrong, for clients that say it in their user's language: zod's issue code, or a check of names (`unknown_name`), references (`segment_cycle`) or the current password.",
    ),
});

/** Every error answer: one shape, its `code` one of the error table's. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    reason: z
      .enum(API_ERROR_REASONS)
      .optional()
      .describe(
        'Why, where the code alone does not tell the user what to do: e.g. a `conflict` because the record changed since it was read (`stale_version`) or the campaign’s status does not allow the action (`invalid_transition`); a `forbidden` because approval needs a second person (`self_approval`).',
      ),
    message: z.string().describe('What happened, in English: for logs and scripts, not for translation.'),
    path: z
      .string()
      .optional()
      .describe('Where in the input the problem is: a field, a parameter or `(body)`.'),
    details: z
      .object({ issues: z.array(ErrorIssue).optional() })
      .loose()
      .optional()
      .describe('More about the refusal: for refused input, `issues`, every problem with its path.'),
  }),
});

/** Names a body or answer schema in the document's components (the route's name otherwise). */
export { named };

/** Schemas many routes share, named as in core. */
const NAMED_SCHEMAS: readonly (readonly [z.core.$ZodType, string])[] = [
  [ErrorBody, 'Error'],
  [SegmentRule, 'SegmentRule'],
  [SegmentDefinition, 'SegmentDefinition'],
  [Offer, 'Offer'],
  [Campaign, 'Campaign'],
];

const JSON_SCHEMA_OPTIONS = {
  target: 'draft-2020-12',
  io: 'input',
  unrepresentable: 'any',
} as const;

const ERROR_RESPONSE = { $ref: '#/components/responses/Error' };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const pascal = (text: string): string =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

/** `post /v1/segments/:id/snapshots` → `postSegmentsByIdSnapshots`. */
const operationIdOf = (spec: RouteSpec): string =>
  spec.method +
  spec.path
    .replace(/^\/v1(?=\/)/, '')
    .split('/')
    .map((segment) =>
      segment.startsWith(':') ? `By${pascal(segment.slice(1).replace(/\{.*$/, ''))}` : pascal(segment),
    )
    .join('');

/** The names of a Hono path's parameters, in order. */
export const pathParameterNames = (path: string): string[] =>
  [...path.matchAll(/\/:([A-Za-z0-9_]+)/g)].map((match) => match[1] ?? '');

/** A converted schema without the keys that only make sense at a document's root. */
const embeddable = (schema: unknown): JsonObject => {
  if (!isObject(schema)) return {};
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
};

/** The route's parameters of one place (path or query) from a zod object. */
const parametersOf = (
  schema: z.ZodObject,
  where: 'path' | 'query',
  names: readonly string[] | null,
): JsonObject[] => {
  const json = embeddable(z.toJSONSchema(schema, JSON_SCHEMA_OPTIONS));
  const properties = isObject(json.properties) ? json.properties : {};
  const required = new Set(Array.isArray(json.required) ? json.required : []);
  return Object.entries(properties)
    .filter(([name]) => names === null || names.includes(name))
    .map(([name, property]) => {
      const { description, ...propertySchema } = isObject(property) ? property : {};
      return {
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: propertySchema,
      };
    });
};

const isDescribedBody = (
  body: RouteSpec['body'],
): body is { readonly contentType: string; readonly description: string } =>
  body !== undefined && 'contentType' in body && typeof body.contentType === 'string';

const SHARED = '__shared';
const COMPONENT = '#/components/schemas/';
const SHARED_DEFS = `${COMPONENT}${SHARED}#/$defs/`;

/**
 * The converted schemas as components. zod writes the sub-schemas a schema repeats or recurses
 * into under its own `$defs` (and those several share under `__shared`), referred to by pointers
 * into that schema alone; in a document they become components of their own.
 */
const componentsOf = (converted: Readonly<Record<string, unknown>>): Record<string, JsonObject> => {
  const defName = (owner: string, key: string) => (owner === SHARED ? 'Shared' : owner) + pascal(key);
  const rewrite = (value: unknown, owner: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => rewrite(item, owner));
    if (!isObject(value)) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => {
        if (key !== '$ref' || typeof field !== 'string') return [key, rewrite(field, owner)];
        if (field.startsWith(SHARED_DEFS))
          return [key, COMPONENT + defName(SHARED, field.slice(SHARED_DEFS.length))];
        const local = /^#\/\$defs\/(.+)$/.exec(field)?.[1];
        return [key, local === undefined ? field : COMPONENT + defName(owner, local)];
      }),
    );
  };
  const components: Record<string, JsonObject> = {};
  const add = (id: string, schema: unknown, owner: string) => {
    const rewritten = rewrite(schema, owner);
    components[id] = isObject(rewritten) ? rewritten : {};
  };
  for (const [id, schema] of Object.entries(converted)) {
    const { $defs, ...rest } = embeddable(schema);
    if (id !== SHARED) add(id, rest, id);
    if (isObject($defs)) for (const [key, def] of Object.entries($defs)) add(defName(id, key), def, id);
  }
  return components;
};

export interface OpenApiInfo {
  readonly version: string;
}

/** The OpenAPI 3.1 document of the routes given. */
export const openApiDocument = (routes: readonly RouteSpec[], info: OpenApiInfo): JsonObject => {
  // Every schema of a body or an answer becomes a component, so that recursive and shared ones
  // (the segment rule) are written once and referred to.
  const registry = z.registry<{ id: string }>();
  const taken = new Set<string>();
  const refTo = (schema: z.core.$ZodType, name: string): JsonObject => {
    const known = registry.get(schema)?.id;
    if (known !== undefined) return { $ref: `#/components/schemas/${known}` };
    const wanted = apiSchemaNames.get(schema)?.name ?? name;
    let id = wanted;
    for (let n = 2; taken.has(id); n += 1) id = `${wanted}${n}`;
    taken.add(id);
    registry.add(schema, { id });
    return { $ref: `#/components/schemas/${id}` };
  };
  for (const [schema, name] of NAMED_SCHEMAS) refTo(schema, name);

  const operationIds = new Set<string>();
  const paths: Record<string, JsonObject> = {};
  const tags: string[] = [];

  for (const spec of routes) {
    let operationId = operationIdOf(spec);
    for (let n = 2; operationIds.has(operationId); n += 1) operationId = `${operationIdOf(spec)}${n}`;
    operationIds.add(operationId);
    const name = pascal(operationId);
    if (!tags.includes(spec.tag)) tags.push(spec.tag);

    const pathNames = pathParameterNames(spec.path);
    const declared = spec.params === undefined ? [] : parametersOf(spec.params, 'path', pathNames);
    const parameters: JsonObject[] = [
      ...pathNames.map(
        (param) =>
          declared.find((parameter) => parameter.name === param) ?? {
            name: param,
            in: 'path',
            required: true,
            schema: { type: 'string' },
          },
      ),
      ...(spec.query === undefined ? [] : parametersOf(spec.query, 'query', null)),
      ...(spec.creates === true
        ? [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'A key of your choosing: a repeated request with it replays the first answer.',
              schema: { type: 'string', minLength: 1, maxLength: 255 },
            },
          ]
        : []),
    ];

    let requestBody: JsonObject | undefined;
    if (isDescribedBody(spec.body)) {
      requestBody = {
        required: true,
        description: spec.body.description,
        content: { [spec.body.contentType]: { schema: { type: 'string' } } },
      };
    } else if (spec.body !== undefined) {
      // An optional schema is a body that may be left out.
      const optional = spec.body instanceof z.ZodOptional;
      const schema = spec.body instanceof z.ZodOptional ? spec.body.unwrap() : spec.body;
      requestBody = {
        required: !optional,
        content: { 'application/json': { schema: refTo(schema, `${name}Body`) } },
      };
    }

    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      const contentType = response.contentType ?? 'application/json';
      const schema =
        response.schema !== undefined
          ? refTo(response.schema, `${name}Response${status === '200' ? '' : status}`)
          : contentType === 'application/json'
            ? {}
            : { type: 'string' };
      responses[status] =
        status === '204'
          ? { description: response.description }
          : { description: response.description, content: { [contentType]: { schema } } };
    }
    const errors = [
      ...(spec.body !== undefined || spec.query !== undefined || pathNames.length > 0 ? ['400'] : []),
      ...(spec.access === 'public' ? [] : ['401', '403']),
      ...(pathNames.length > 0 ? ['404'] : []),
      ...(spec.method === 'get' ? [] : ['409']),
      ...(spec.body !== undefined ? ['413'] : []),
      ...(spec.access === 'data.ingest' ? ['429'] : []),
    ];
    for (const status of errors) responses[status] ??= ERROR_RESPONSE;
    responses.default = ERROR_RESPONSE;

    const operation: JsonObject = {
      operationId,
      tags: [spec.tag],
      summary: spec.summary,
      ...(spec.description === undefined ? {} : { description: spec.description }),
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(requestBody === undefined ? {} : { requestBody }),
      responses,
      ...(spec.access === 'public'
        ? { security: [] }
        : {
            security: [{ session: [] }, { apiKey: [] }],
            'x-required-permission': spec.access === 'signed-in' ? null : spec.access,
          }),
    };
    const path = openApiPath(spec.path);
    paths[path] = { ...paths[path], [spec.method]: operation };
  }

  const converted = z.toJSONSchema(registry, {
    ...JSON_SCHEMA_OPTIONS,
    uri: (id) => `#/components/schemas/${id}`,
  });
  const schemas = componentsOf(converted.schemas);

  return {
    openapi: '3.1.0',
    info: {
      title: 'OpenCVM API',
      version: info.version,
      description:
        'Customer Value Management: customers and events, segments, offers, campaigns and their runs, delivery and results. Errors share one shape (`Error`); list routes page with `limit` and `cursor`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: tags.map((tag) => ({ name: tag })),
    paths,
    components: {
      schemas,
      responses: {
        Error: {
          description: 'The request was refused or failed; `error.code` says why.',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE_NAME,
          description: 'The session of a signed-in user (log in to get it).',
        },
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key: `Authorization: Bearer <key>`.',
        },
      },
    },
  };
};
