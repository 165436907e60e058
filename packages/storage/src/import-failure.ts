import {
  err,
  type ImportCounts,
  type ImportFailure,
  messageOf,
  type Result,
  StoreError,
} from '@opencvm/core';
import { SourceError } from './staging/source.ts';

/**
 * Turns what went wrong while reading a file into the caller's terms: a file that cannot be
 * opened or has no usable header is unreadable; anything the engine refused while converting
 * rows (a bad value, a broken line, bad UTF-8) means invalid rows, which the row validator
 * will then place on their lines.
 */
export const failureOf = (error: unknown): { readonly ok: false; readonly error: ImportFailure } => {
  if (error instanceof SourceError) return err({ type: 'unreadable_file', message: error.message });
  if (error instanceof StoreError && error.reason !== 'invalid_data') throw error;
  const message = messageOf(error);
  if (/^IO Error: (No files found|Cannot open file|Could not open)/i.test(message)) {
    return err({ type: 'unreadable_file', message: message.replace(/^IO Error: /, '') });
  }
  if (/^(Out of Memory|FATAL|INTERNAL)/i.test(message)) throw error;
  return err({ type: 'invalid_rows', message });
};

/** Rows the row validator accepted were refused all the same: a bug, not the caller's mistake. */
export const refusedRows = (failure: ImportFailure): StoreError =>
  new StoreError('invalid_data', `validated rows were refused: ${failure.message}`);

/** An import's outcome, its refused rows named with the separator the file was read with. */
export const readWith = (
  outcome: Result<ImportCounts, ImportFailure>,
  delimiter: string,
): Result<ImportCounts, ImportFailure> =>
  outcome.ok || outcome.error.type !== 'invalid_rows' ? outcome : err({ ...outcome.error, delimiter });
