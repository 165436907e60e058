export type IdempotencyClaim =
  | { readonly state: 'new' }
  | { readonly state: 'in_progress'; readonly requestHash: string }
  | {
      readonly state: 'done';
      readonly requestHash: string;
      readonly status: number;
      /** The response body as sent, JSON text. */
      readonly body: string;
    };

/** Responses of creating POSTs by `Idempotency-Key`, per caller. */
export interface IdempotencyStore {
  /**
   * Claims `key` for `caller`: `new` when no request used it (it is now `in_progress`), or what
   * the earlier request with that key left.
   */
  claim(options: {
    readonly caller: string;
    readonly key: string;
    readonly requestHash: string;
    readonly at: string;
  }): Promise<IdempotencyClaim>;
  complete(options: {
    readonly caller: string;
    readonly key: string;
    readonly status: number;
    readonly body: string;
  }): Promise<void>;
  /** Forgets a claim whose request failed before it changed anything, so it can be retried. */
  release(options: { readonly caller: string; readonly key: string }): Promise<void>;
  /** Removes keys claimed before `before`; returns how many. */
  expire(before: string): Promise<number>;
}
