/** How many requests a key may make: `limit` at once, refilled evenly over `windowSeconds`. */
export interface RateLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

export type RateDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Keys beyond which full buckets are forgotten, so a flood of addresses cannot grow memory for ever. */
const MAX_BUCKETS = 50_000;

/**
 * A token bucket per key (a client address, a user name, an API key), in memory: each server
 * process limits what reaches it.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly rate: RateLimit,
    private readonly clock: () => Date,
  ) {
    this.perMs = rate.limit / (rate.windowSeconds * 1000);
  }

  take(key: string, cost = 1): RateDecision {
    const now = this.clock().getTime();
    const bucket = this.buckets.get(key) ?? { tokens: this.rate.limit, at: now };
    bucket.tokens = Math.min(this.rate.limit, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    if (bucket.tokens < cost) {
      this.buckets.set(key, bucket);
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((cost - bucket.tokens) / this.perMs / 1000)),
      };
    }
    bucket.tokens -= cost;
    this.buckets.set(key, bucket);
    if (this.buckets.size > MAX_BUCKETS) this.forgetFull(now);
    return { allowed: true };
  }

  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.rate.limit) this.buckets.delete(key);
    }
  }
}
