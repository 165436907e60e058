import { messageOf, StoreError, type StoreErrorReason } from '@opencvm/core';

/** Node's socket error codes that mean the server cannot be reached (no SQLSTATE then). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * The reason for a SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * exact codes first, then whole classes.
 */
export const reasonOfSqlState = (code: string): StoreErrorReason => {
  switch (code) {
    case '23505':
      return 'unique_violation';
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
      return 'conflict';
    case '55P03': // lock_not_available (lock_timeout, NOWAIT)
      return 'locked';
    case '57P01': // admin_shutdown
    case '57P02': // crash_shutdown
    case '57P03': // cannot_connect_now (starting up, shutting down)
      return 'unavailable';
  }
  if (code.startsWith('08')) return 'unavailable';
  if (code.startsWith('22')) return 'invalid_data';
  return 'unknown';
};

const codeOf = (error: unknown): string | null =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : null;

/** A connection that fails on both IPv6 and IPv4 reports an AggregateError of the attempts. */
const reasonOf = (error: unknown): StoreErrorReason => {
  const code = codeOf(error);
  if (code !== null && UNREACHABLE.has(code)) return 'unavailable';
  if (code !== null && /^[0-9A-Z]{5}$/.test(code)) return reasonOfSqlState(code);
  if (error instanceof AggregateError && error.errors.length > 0) {
    const reasons = error.errors.map(reasonOf);
    return reasons.every((reason) => reason === reasons[0]) ? (reasons[0] ?? 'unknown') : 'unknown';
  }
  // node-postgres says so, without a code, when the server closes the socket mid-query.
  if (error instanceof Error && /Connection terminated|connection is closed/i.test(error.message)) {
    return 'unavailable';
  }
  return 'unknown';
};

/** An AggregateError's own message is empty: the attempts say what failed. */
const describe = (error: unknown): string =>
  error instanceof AggregateError && error.message === ''
    ? error.errors.map(messageOf).join('; ')
    : messageOf(error);

/** Translates whatever node-postgres threw into a StoreError; a StoreError passes through. */
export const toStoreError = (error: unknown): StoreError => {
  if (error instanceof StoreError) return error;
  const reason = reasonOf(error);
  return new StoreError(reason, describe(error), { cause: error });
};

/** An error the driver threw as it was, not one translated: the connection may be unusable. */
export const untranslated = (error: unknown): error is Error =>
  error instanceof Error && !(error instanceof StoreError);
