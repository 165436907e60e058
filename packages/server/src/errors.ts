import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error the API can answer with; the table below must name a status for each. */
export const ERROR_CODES = [
  'invalid_body',
  'invalid_rows',
  'forbidden',
  'not_found',
  'payload_too_large',
  'conflict',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Readonly<Record<ErrorCode, ContentfulStatusCode>> = {
  invalid_body: 400,
  invalid_rows: 422,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  conflict: 409,
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
