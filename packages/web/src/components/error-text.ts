import { API_ERROR_CODES, API_ERROR_REASONS, type ApiErrorCode, type ApiErrorReason } from '@opencvm/core';
import { z } from 'zod';
import { ApiError } from '../api/client.ts';
import type { ClientErrorCode, errorsMessages, TranslatedIssueKind } from '../i18n/errors-messages.ts';
import type { Locale } from '../i18n/i18n.tsx';

type ErrorStrings = (typeof errorsMessages)['en'];

/** One refused field as the user reads it. */
export interface IssueText {
  readonly path: string;
  readonly text: string;
}

/** A refusal as the user reads it: what happened, where, and the server's words when nothing else fits. */
export interface ErrorText {
  readonly text: string;
  readonly path: string | null;
  readonly issues: readonly IssueText[];
  /** The server's English message, shown only when no text above says more than the bare code. */
  readonly detail: string | null;
}

/** One refused field of a 400's `details.issues`; `kind` says what is wrong, for translation. */
export const Issue = z.object({ path: z.string(), message: z.string(), kind: z.string().optional() });
export type Issue = z.infer<typeof Issue>;
const Details = z.object({ issues: z.array(Issue).optional(), retryAfterSeconds: z.number().optional() });

/** Every issue of a refusal (a 400 lists them in details), else its one path and message. */
export const issuesOf = (error: unknown): Issue[] => {
  if (!(error instanceof ApiError)) return [];
  const details = Details.safeParse(error.details);
  if (details.success && details.data.issues !== undefined) return details.data.issues;
  return error.path === null ? [] : [{ path: error.path, message: error.message }];
};

const isCode = (code: string): code is ApiErrorCode => API_ERROR_CODES.some((known) => known === code);
const isReason = (reason: string | null): reason is ApiErrorReason =>
  API_ERROR_REASONS.some((known) => known === reason);
const isTranslatedKind = (kind: string | undefined, t: ErrorStrings): kind is TranslatedIssueKind =>
  kind !== undefined && Object.hasOwn(t.issueKinds, kind);

/**
 * One issue of refused input: English readers get the server's own words (they name the limit or
 * the format); others the kind in their language, or the server's words when the kind is unknown.
 */
export const issueText = (issue: Issue, t: ErrorStrings, locale: Locale): string =>
  locale !== 'en' && isTranslatedKind(issue.kind, t) ? t.issueKinds[issue.kind] : issue.message;

/** What to show for `error`, an ApiError or anything a call threw, in the language of `t`. */
export const errorText = (error: unknown, t: ErrorStrings, locale: Locale): ErrorText => {
  if (!(error instanceof ApiError)) {
    // fetch rejects with a TypeError when there is no answer at all.
    const network = error instanceof TypeError;
    return {
      text: network ? t.codes.network : t.codes.internal,
      path: null,
      issues: [],
      detail: network ? null : error instanceof Error ? error.message : String(error),
    };
  }
  const code: ApiErrorCode | ClientErrorCode | null =
    error.code === 'unexpected_answer' ? 'unexpected_answer' : isCode(error.code) ? error.code : null;
  const details = Details.safeParse(error.details);
  const issues = details.success ? (details.data.issues ?? []) : [];
  const retry = details.success ? details.data.retryAfterSeconds : undefined;
  if (isReason(error.reason))
    return { text: t.reasons[error.reason], path: error.path, issues: issues.map(toText), detail: null };
  const base = code === null ? t.codes.internal : t.codes[code];
  if (issues.length > 0) return { text: base, path: null, issues: issues.map(toText), detail: null };
  return {
    text: retry === undefined ? base : `${base} ${t.retryIn(retry)}`,
    path: error.path,
    issues: [],
    // The code alone says little for these; the server's words, though English, say what and where.
    detail:
      code === 'invalid_body' || code === 'not_found' || code === 'invalid_rows' || code === null
        ? error.message
        : null,
  };

  function toText(issue: Issue): IssueText {
    return { path: issue.path, text: issueText(issue, t, locale) };
  }
};
