import { type ApiErrorReason, err, type IssueKind, ok, type Result, type SchemaIssue } from '@opencvm/core';

/** Why a segment operation was refused; nothing was changed. */
export type SegmentError =
  | { readonly type: 'invalid_input'; readonly issues: readonly SchemaIssue[] }
  | { readonly type: 'not_found'; readonly message: string }
  /** The state does not allow it: a version moved, the id exists, another segment uses it. */
  | { readonly type: 'conflict'; readonly reason: ApiErrorReason; readonly message: string }
  | { readonly type: 'invalid_file'; readonly message: string };

/** A write based on a version that is no longer the stored one; nothing was written. */
export const staleSegment = (
  id: string,
  expected: number | string | null,
  actual: number | string | null,
): SegmentError => {
  if (actual === null)
    return {
      type: 'conflict',
      reason: 'deleted_meanwhile',
      message: `segment "${id}" was deleted meanwhile`,
    };
  if (expected === null)
    return { type: 'conflict', reason: 'already_exists', message: `segment "${id}" already exists` };
  return {
    type: 'conflict',
    reason: 'stale_version',
    message: `segment "${id}" changed meanwhile (version ${actual}, not ${expected}); reload it and try again`,
  };
};

export const invalid = (path: string, message: string, kind?: IssueKind): SegmentError => ({
  type: 'invalid_input',
  issues: [{ path, message, ...(kind === undefined ? {} : { kind }) }],
});

/** The `version` a change is based on: absent, or the whole number the caller read. */
export const expectedVersionOf = (input: unknown): Result<number | undefined, SegmentError> => {
  if (typeof input !== 'object' || input === null || !('version' in input) || input.version === undefined)
    return ok(undefined);
  const { version } = input;
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 1
    ? ok(version)
    : err(invalid('version', 'must be the version you read: a whole number from 1', 'invalid_type'));
};
