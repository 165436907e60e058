import { md5 } from '@noble/hashes/legacy.js';

/** Buckets per customer for shares and samples: a share of 12.34% is buckets 0–1233. */
export const BUCKETS = 10_000;

const encoder = new TextEncoder();

/**
 * A customer's stable 32-bit hash under a salt: the first 8 hex digits of md5(`salt:customerId`).
 * MD5 is used because DuckDB and PostgreSQL both have it built in, so the stores compute the very
 * same value in SQL (`bucketSql`); it is a spreading function here, not a security measure.
 */
export const hashOf = (salt: string, customerId: string): number => {
  const digest = md5(encoder.encode(`${salt}:${customerId}`));
  return (
    (digest[0] ?? 0) * 2 ** 24 + (digest[1] ?? 0) * 2 ** 16 + (digest[2] ?? 0) * 2 ** 8 + (digest[3] ?? 0)
  );
};

/** `hashOf(salt, customerId) mod 10000`: the bucket that decides samples and control groups. */
export const bucketOf = (salt: string, customerId: string): number => hashOf(salt, customerId) % BUCKETS;
