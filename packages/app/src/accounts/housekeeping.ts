import type { Store } from '@opencvm/core';

/** How long a response is replayed for its Idempotency-Key, and an ended session kept. */
export const KEEP_HOURS = 24;

/**
 * Forgets what is no longer needed: sessions that ended a day ago and Idempotency-Keys older
 * than a day (a client retries within minutes; a day covers a long outage).
 */
export const housekeeping =
  (deps: { readonly store: Store; readonly clock: () => Date }) =>
  async (): Promise<{ readonly sessions: number; readonly idempotencyKeys: number }> => {
    const before = new Date(deps.clock().getTime() - KEEP_HOURS * 3_600_000).toISOString();
    return {
      sessions: await deps.store.accounts.removeEndedSessions(before),
      idempotencyKeys: await deps.store.idempotency.expire(before),
    };
  };
