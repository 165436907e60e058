import { err, ok, type Result } from '@opencvm/core';
import type { ApiContext, RouteDeps } from '../api-route.ts';

/** Offers, campaigns and UCG changes are small documents. */
export const MAX_CAMPAIGN_BODY_BYTES = 1024 * 1024;

/**
 * Reading the documents of offers and campaigns: the use cases check them whole, so the routes
 * only insist on a JSON object and on the few fields they read themselves.
 */
export const documentInput = (fail: RouteDeps['fail']) => {
  const invalidField = (path: string, message: string) =>
    fail({ code: 'invalid_body', path, message, details: { issues: [{ path, message }] } });

  /** The body as a JSON object (an empty body counts as `{}` when `optional`), or the refusal. */
  const objectBody = async (
    c: ApiContext,
    options: { readonly optional?: boolean } = {},
  ): Promise<Result<Record<string, unknown>, Response>> => {
    const text = await c.req.text();
    if (options.optional === true && text.trim() === '') return ok({});
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return err(fail({ code: 'invalid_body', path: '(body)', message: 'the body is not valid JSON' }));
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return err(fail({ code: 'invalid_body', path: '(body)', message: 'the body must be a JSON object' }));
    return ok(Object.fromEntries(Object.entries(parsed)));
  };

  /** `version` of a body or query: the version the caller saw, for optimistic concurrency. */
  const versionOf = (value: unknown): Result<number | undefined, Response> => {
    if (value === undefined) return ok(undefined);
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    return typeof number === 'number' && Number.isInteger(number) && number >= 1
      ? ok(number)
      : err(invalidField('version', 'must be a whole number of 1 or more'));
  };

  const optionalString = (value: unknown, path: string): Result<string | undefined, Response> =>
    value === undefined || typeof value === 'string'
      ? ok(value)
      : err(invalidField(path, 'must be a string'));

  return { invalidField, objectBody, versionOf, optionalString };
};

/** The changed document of a `{ offer | campaign, … }` answer: its `id` names the audit target. */
export const documentOf =
  (key: 'offer' | 'campaign' | 'journey') =>
  (body: unknown): unknown =>
    typeof body === 'object' && body !== null && key in body ? Reflect.get(body, key) : body;
