import type { AppError } from '@opencvm/app';
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

/** How the table names the query parameter behind a column a measured file lacks. */
export interface AppErrorContext {
  /** The parameter (`group`, `by`, `metric`) that named the column; `metric` when not given. */
  readonly parameterOfColumn?: (column: string) => string;
}

/**
 * The one table from a use case's failure to the API's refusal: its code (and so its status),
 * reason, path and details. The switch must name every AppErrorType, so a new use-case error
 * does not compile until it says what it means over HTTP.
 */
export const apiErrorOf = (error: AppError, context: AppErrorContext = {}): ApiError => {
  switch (error.type) {
    case 'invalid_input':
      // Results name one parameter; every other context lists its issues.
      return 'issues' in error
        ? invalidBody(error.issues)
        : { code: 'invalid_body', path: error.path, message: error.message };
    case 'not_found':
      return { code: 'not_found', message: error.message };
    case 'conflict':
      return {
        code: 'conflict',
        ...('reason' in error ? { reason: error.reason } : {}),
        message: error.message,
        ...('issues' in error && error.issues !== undefined ? { details: { issues: error.issues } } : {}),
      };
    case 'unauthenticated':
      return { code: 'unauthenticated', reason: error.reason, message: error.message };
    case 'forbidden':
      return { code: 'forbidden', reason: error.reason, message: error.message };
    case 'invalid_file':
      return { code: 'invalid_body', reason: 'invalid_file', message: error.message };
    case 'invalid_body':
      return { code: 'invalid_body', path: error.path, message: error.message };
    case 'invalid_rows':
      return 'errors' in error
        ? { code: 'invalid_rows', message: error.message, details: { errors: error.errors } }
        : {
            code: 'invalid_rows',
            message: error.message,
            details: { rejected: error.rejected, sample: error.sample },
          };
    case 'unreadable_file':
    case 'unknown_format':
      return { code: 'invalid_body', path: '(body)', message: error.message };
    case 'invalid_link':
      return { code: 'invalid_body', path: 'token', message: error.message };
    case 'invalid_config':
      // The operator's configuration, not the caller's input: nothing of it is described.
      return { code: 'internal', message: 'internal error' };
    case 'repeated_metric':
      return { code: 'invalid_body', path: 'metric', message: error.message };
    case 'unknown_columns':
      return {
        code: 'invalid_body',
        path: context.parameterOfColumn?.(error.columns[0] ?? '') ?? 'metric',
        message: error.message,
        details: { columns: error.columns, header: error.header },
      };
    case 'control_not_found':
      return {
        code: 'invalid_body',
        path: 'control',
        message: error.message,
        details: { groups: error.groups },
      };
    case 'invalid_values':
      return {
        code: 'invalid_body',
        path: '(body)',
        message: error.message,
        details: { issues: error.issues, truncated: error.truncated },
      };
    case 'empty_file':
    case 'unreadable':
      return { code: 'invalid_body', path: '(body)', message: error.message };
  }
};
