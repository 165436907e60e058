import {
  API_ERROR_CODES,
  type ApiErrorCode,
  type ApiErrorReason,
  type IssueKind,
  type SchemaIssue,
} from '@opencvm/core';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Every error the API can answer with; the table below must name a status for each. The list
 * lives in core, where the web app finds it to say each one in the user's language.
 */
export const ERROR_CODES = API_ERROR_CODES;
export type ErrorCode = ApiErrorCode;

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
  /** Why, where the code is too coarse for a client to tell its user (core's API_ERROR_REASONS). */
  readonly reason?: ApiErrorReason;
  readonly message: string;
  readonly path?: string;
  readonly details?: unknown;
}

export const errorBody = (error: ApiError): { error: ApiError } => ({ error });

/** One refused parameter or field as 400 `invalid_body`, with its issue (and kind) in details. */
export const invalidInput = (path: string, message: string, kind?: IssueKind): ApiError => ({
  code: 'invalid_body',
  path,
  message: `${path}: ${message}`,
  details: { issues: [{ path, message, ...(kind === undefined ? {} : { kind }) }] },
});

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
