import type { SchemaIssue } from '@opencvm/core';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error the API can answer with; the table below must name a status for each. */
export const ERROR_CODES = [
  'invalid_body',
  'invalid_rows',
  'unauthenticated',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'conflict',
  'idempotency_mismatch',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Readonly<Record<ErrorCode, ContentfulStatusCode>> = {
  invalid_body: 400,
  invalid_rows: 422,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  conflict: 409,
  idempotency_mismatch: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export interface ApiError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly path?: string;
  readonly details?: unknown;
}

export const errorBody = (error: ApiError): { error: ApiError } => ({ error });

/** Refused input as 400 `invalid_body`: every issue with its path, the first one's path on top. */
export const invalidBody = (issues: readonly SchemaIssue[]): ApiError => {
  const [first] = issues;
  return {
    code: 'invalid_body',
    message: issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
    ...(first === undefined ? {} : { path: first.path }),
    details: { issues },
  };
};
