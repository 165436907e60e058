import type { z } from 'zod';

/**
 * The words refusals are made of, shared by the API (which sends them), its OpenAPI document and
 * the web app (which says them in the user's language). The English `message` of a refusal is for
 * logs and scripts; a client that speaks to people maps `code`, `reason` and issue `kind` instead.
 */

/** Every error code the API can answer with. */
export const API_ERROR_CODES = [
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
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/**
 * Why a refusal happened where its code alone is too coarse to tell the user what to do: the
 * domain failure behind a `conflict`, `forbidden` or `unauthenticated`.
 */
export const API_ERROR_REASONS = [
  /** The record changed since the caller read it (its version moved); reload and try again. */
  'stale_version',
  /** The record was deleted since the caller read it. */
  'deleted_meanwhile',
  /** A record with this id or name exists already. */
  'already_exists',
  /** Another record uses it (an offer in a campaign, a segment or list in a segment). */
  'in_use',
  /** The campaign's status does not allow the action. */
  'invalid_transition',
  /** Only a draft campaign may be edited or deleted. */
  'not_a_draft',
  /** A campaign must be approved by someone other than its author and submitter. */
  'self_approval',
  /** A gallery scenario needs attributes or events this workspace does not have. */
  'template_unavailable',
  /** The universal control group cannot be drawn again now (its salt or time would repeat). */
  'ucg_not_rotatable',
  /** An API key was revoked already. */
  'already_revoked',
  /** The change would leave the workspace without an active admin. */
  'last_admin',
  /** An admin may not disable themselves or give up their own admin role. */
  'own_account',
  /** Only an admin may do it. */
  'admin_only',
  /** Only a signed-in user (not an API key) may do it. */
  'user_only',
  /** The caller's role or key scope lacks the permission the route needs. */
  'missing_permission',
  /** A change made with a session cookie came without the CSRF token. */
  'csrf_token',
  /** A change made with a session cookie came from another site. */
  'cross_origin',
  /** Neither a session nor an API key came with the request. */
  'not_signed_in',
  /** The API key is unknown or revoked. */
  'invalid_api_key',
  /** Wrong user name or password (or a disabled user; they are not told apart). */
  'wrong_password',
  /** The first-start setup token is wrong or was used already. */
  'wrong_setup_token',
  /** A request with the same Idempotency-Key is still being answered. */
  'request_in_progress',
  /** Two writes met in the store; the same request again usually succeeds. */
  'concurrent_change',
  /** An uploaded file could not be read as the customer list it should be. */
  'invalid_file',
] as const;
export type ApiErrorReason = (typeof API_ERROR_REASONS)[number];

/**
 * What is wrong with one value of refused input (`details.issues[].kind`): the zod issue codes
 * the schemas in core raise, and the checks of names and references that come after them.
 */
export const ISSUE_KINDS = [
  'invalid_type',
  'too_big',
  'too_small',
  'invalid_format',
  'not_multiple_of',
  'unrecognized_keys',
  'invalid_union',
  'invalid_key',
  'invalid_element',
  'invalid_value',
  'custom',
  /** A name the workspace does not know: an attribute, event type, feature, segment or list. */
  'unknown_name',
  /** A segment would refer to itself, directly or through others. */
  'segment_cycle',
  /** The current password given to change it is not the user's. */
  'wrong_password',
] as const;
export type IssueKind = (typeof ISSUE_KINDS)[number];

const isIssueKind = (code: string): code is IssueKind => ISSUE_KINDS.some((kind) => kind === code);

/** The kind of a zod issue; zod's own codes are kinds, anything newer counts as `custom`. */
export const issueKindOf = (issue: z.core.$ZodIssue): IssueKind =>
  isIssueKind(issue.code) ? issue.code : 'custom';
