import type { IdempotencyClaim, IdempotencyStore } from '@opencvm/core';
import type { SqlExecutor } from '../sql/sql-executor.ts';
import { SerialQueue } from '../store/serial-queue.ts';

/** How often a claim is tried when the row it collided with is released meanwhile. */
const CLAIM_ATTEMPTS = 5;

/**
 * Responses of creating POSTs by (caller, key), in SQL both engines run. A claim inserts an
 * `in_progress` row unless one is there (ON CONFLICT DO NOTHING), so of two concurrent requests
 * with one key exactly one proceeds.
 */
export class SqlIdempotencyStore implements IdempotencyStore {
  /** DuckDB fails, rather than waits for, a concurrent write of the same key: its writes go in turn. */
  private readonly writes = new SerialQueue();

  constructor(private readonly sql: SqlExecutor) {}

  private async write<T>(work: () => Promise<T>): Promise<T> {
    if (!this.sql.dialect.serialWrites) return work();
    const release = await this.writes.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  async claim(options: {
    readonly caller: string;
    readonly key: string;
    readonly requestHash: string;
    readonly at: string;
  }): Promise<IdempotencyClaim> {
    return this.write(async () => {
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt += 1) {
        const inserted = await this.sql.all(
          `INSERT INTO idempotency_keys (caller, key, request_hash, state, claimed_at)
           VALUES ($1, $2, $3, 'in_progress', CAST($4 AS TIMESTAMPTZ))
           ON CONFLICT (caller, key) DO NOTHING RETURNING caller`,
          [options.caller, options.key, options.requestHash, options.at],
        );
        if (inserted.length > 0) return { state: 'new' };
        const [row] = await this.sql.all(
          'SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE caller = $1 AND key = $2',
          [options.caller, options.key],
        );
        // Released (or expired) between the two statements: claim it again.
        if (row === undefined) continue;
        const requestHash = String(row.request_hash);
        if (row.state !== 'done') return { state: 'in_progress', requestHash };
        return {
          state: 'done',
          requestHash,
          status: Number(row.response_status),
          body: String(row.response_body),
        };
      }
      throw new Error(`idempotency key ${options.key} kept changing while it was claimed`);
    });
  }

  async complete(options: {
    readonly caller: string;
    readonly key: string;
    readonly status: number;
    readonly body: string;
  }): Promise<void> {
    await this.write(() =>
      this.sql.all(
        `UPDATE idempotency_keys SET state = 'done', response_status = CAST($3 AS INTEGER), response_body = $4
         WHERE caller = $1 AND key = $2 AND state = 'in_progress'`,
        [options.caller, options.key, String(Math.trunc(options.status)), options.body],
      ),
    );
  }

  async release(options: { readonly caller: string; readonly key: string }): Promise<void> {
    await this.write(() =>
      this.sql.all(`DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2 AND state = 'in_progress'`, [
        options.caller,
        options.key,
      ]),
    );
  }

  async expire(before: string): Promise<number> {
    const removed = await this.write(() =>
      this.sql.all(
        'DELETE FROM idempotency_keys WHERE claimed_at < CAST($1 AS TIMESTAMPTZ) RETURNING caller',
        [before],
      ),
    );
    return removed.length;
  }
}
