import { type AppError, type AppErrorType, describeMeasureIssue, MAX_MEASURE_ISSUES } from '@opencvm/app';
import { type Result, type SchemaIssue, StoreError } from '@opencvm/core';
import { CommanderError } from 'commander';
import type { Output } from './context.ts';

/**
 * The exit codes scripts rely on: 0 done, 1 refused (what is stored does not allow it, or it is
 * not there), 2 usage (the command line or a file it names must be fixed first).
 */
export const EXIT = { refused: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every use-case refusal's exit code; the compiler requires one for each error type. */
export const EXIT_CODES = {
  invalid_input: EXIT.usage,
  invalid_body: EXIT.usage,
  invalid_config: EXIT.usage,
  invalid_link: EXIT.usage,
  not_found: EXIT.refused,
  conflict: EXIT.refused,
  forbidden: EXIT.refused,
  unauthenticated: EXIT.refused,
  invalid_file: EXIT.refused,
  // An import that cannot read its file, or refuses rows of it, leaves the store as it was: refused.
  unreadable_file: EXIT.refused,
  unknown_format: EXIT.refused,
  invalid_rows: EXIT.refused,
  // `cvm measure` opens no store: whatever is wrong is in the file or the options it was given.
  repeated_metric: EXIT.usage,
  unknown_columns: EXIT.usage,
  empty_file: EXIT.usage,
  invalid_values: EXIT.usage,
  unreadable: EXIT.usage,
  control_not_found: EXIT.usage,
} as const satisfies Record<AppErrorType, ExitCode>;

/** Lines after the first are printed as errors of their own. */
const issueLines = (issues: readonly SchemaIssue[]): string[] =>
  issues.map((issue) => `${issue.path}: ${issue.message}`);

/**
 * A refusal in the terminal's words. `file` names the file the command read, for the errors
 * that are about it (an import's rows, a measured CSV).
 */
export const errorMessage = (error: AppError, file?: string): string => {
  const about = (text: string) => (file === undefined ? text : `${file}: ${text}`);
  switch (error.type) {
    case 'invalid_input':
      return 'issues' in error
        ? issueLines(error.issues).join('\nerror: ')
        : `${error.path}: ${error.message}`;
    case 'invalid_config':
      return issueLines(error.issues).join('\n');
    case 'conflict':
      return [error.message, ...issueLines('issues' in error ? (error.issues ?? []) : [])].join('\nerror: ');
    case 'invalid_body':
      return `${error.path}: ${error.message}`;
    case 'invalid_rows': {
      if (!('sample' in error)) return error.message;
      const lines = error.sample.flatMap((rejected) =>
        rejected.issues.map(
          (issue) =>
            `  line ${rejected.line}, ${issue.column}${issue.value === null ? '' : ` = ${JSON.stringify(issue.value)}`}: ${issue.reason}`,
        ),
      );
      return [
        about(error.message),
        ...lines,
        error.rejectsPath ? `all rejects: ${error.rejectsPath}` : '',
      ].join('\n');
    }
    case 'repeated_metric':
      return `--metric ${error.column} is given more than once`;
    case 'unreadable':
      return file === undefined ? error.message : `cannot read ${file}: ${error.message}`;
    case 'invalid_values': {
      const more = error.truncated ? ` (reading stopped at the first ${MAX_MEASURE_ISSUES})` : '';
      return [
        `${about('invalid values')}${more}`,
        ...error.issues.map((issue) => `  ${describeMeasureIssue(issue)}`),
      ].join('\n');
    }
    case 'unreadable_file':
    case 'unknown_format':
    case 'unknown_columns':
    case 'empty_file':
    case 'control_not_found':
      return about(error.message);
    case 'not_found':
    case 'forbidden':
    case 'unauthenticated':
    case 'invalid_file':
    case 'invalid_link':
      return error.message;
  }
};

/** A failure the user can act on: printed without a stack trace, ending the process with its code. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** Stops the command with a message for the user. */
export const fail = (message: string, exitCode: ExitCode): never => {
  throw new UserError(message, exitCode);
};

/** Stops the command with a use case's refusal, as the table above words and codes it. */
export const refuse = (error: AppError, options: { readonly file?: string } = {}): never =>
  fail(errorMessage(error, options.file), EXIT_CODES[error.type]);

/** The value of a use case's result, or the command stopped with its refusal. */
export const unwrap = <T>(result: Result<T, AppError>, options: { readonly file?: string } = {}): T =>
  result.ok ? result.value : refuse(result.error, options);

/**
 * The exit code of a command that threw: usage for commander's own refusals (it printed them),
 * the code of a refusal or a store failure (printed here); anything else is a bug and is thrown.
 */
export const exitCodeOf = (error: unknown, stderr: Output): number => {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT.usage;
  if (error instanceof UserError) {
    stderr.write(`error: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof StoreError) {
    stderr.write(`error: ${error.message}\n`);
    return EXIT.refused;
  }
  throw error;
};
