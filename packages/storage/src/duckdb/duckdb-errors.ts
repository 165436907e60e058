import { messageOf, StoreError, type StoreErrorReason } from '@opencvm/core';

/** DuckDB reports failures as plain errors whose message starts with the error class. */
const RULES: readonly (readonly [RegExp, StoreErrorReason])[] = [
  [/Could not set lock on file|Conflicting lock is held/i, 'locked'],
  [/^Constraint Error: Duplicate key/i, 'unique_violation'],
  [/^TransactionContext Error: .*[Cc]onflict/, 'conflict'],
  [/^Conversion Error|^Invalid Input Error/i, 'invalid_data'],
  [/^IO Error: Cannot open file|^IO Error: No files found/i, 'unavailable'],
];

export const toStoreError = (error: unknown): StoreError => {
  if (error instanceof StoreError) return error;
  const message = messageOf(error);
  const reason = RULES.find(([pattern]) => pattern.test(message))?.[1] ?? 'unknown';
  if (reason === 'locked') {
    return new StoreError(
      'locked',
      'the embedded store is open in another process (a running `cvm serve`?): stop it, or send the data through its HTTP API',
      { cause: error },
    );
  }
  return new StoreError(reason, message, { cause: error });
};
