import { createHash } from 'node:crypto';
import type { AuditTarget, AuditVerification } from '@opencvm/core';

/** The link before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** A JSON value's text as `JSON.stringify` would give it, with every object's keys sorted. */
const canonicalOf = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalOf).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, field]) => `${JSON.stringify(key)}:${canonicalOf(field)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
};

/**
 * Canonical JSON: object keys sorted at every depth, no whitespace. The value goes through
 * `JSON.stringify` first, so dates, `toJSON`, `undefined` fields and non-finite numbers end up
 * as JSON would have them; `undefined` itself is `null`.
 */
export const canonicalJson = (value: unknown): string => {
  const text = JSON.stringify(value === undefined ? null : value);
  return canonicalOf(JSON.parse(text === undefined ? 'null' : text));
};

/** What an entry's hash covers; `before` and `after` are their canonical JSON as stored. */
export interface ChainedFields {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: AuditTarget | null;
  readonly beforeJson: string;
  readonly afterJson: string;
}

/**
 * SHA-256 (hex) of the previous hash followed by the canonical JSON of
 * `{seq, at, actor, action, target, before, after}`. The stored before/after texts are spliced in
 * as they are, so verification hashes exactly what the table holds.
 */
export const entryHash = (prevHash: string, fields: ChainedFields): string => {
  // Keys in sorted order: action, actor, after, at, before, seq, target.
  const document =
    `{"action":${JSON.stringify(fields.action)},"actor":${JSON.stringify(fields.actor)},` +
    `"after":${fields.afterJson},"at":${JSON.stringify(fields.at)},"before":${fields.beforeJson},` +
    `"seq":${fields.seq},"target":${canonicalJson(fields.target)}}`;
  return createHash('sha256').update(prevHash).update(document).digest('hex');
};

export type ChainFailure = { readonly seq: number; readonly reason: string };

/** The stored form of an entry, as verification reads it. */
export interface StoredLink extends ChainedFields {
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * Checks entries fed in seq order: numbering from 1 without gaps, each link to the previous
 * hash, each hash. Keeps only the last hash, so a chain of any length is checked in constant
 * memory; after the first failure the rest are only counted.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private lastHash = GENESIS_HASH;
  private failure: ChainFailure | null = null;
  private count = 0;

  check(entry: StoredLink): void {
    this.count += 1;
    if (this.failure !== null) return;
    if (entry.seq !== this.expectedSeq) {
      // A smaller or repeated number cannot come from a delete: the entry there was replaced.
      this.failure =
        entry.seq > this.expectedSeq
          ? { seq: this.expectedSeq, reason: `entry ${this.expectedSeq} is missing` }
          : { seq: entry.seq, reason: `entry ${entry.seq} appears twice` };
      return;
    }
    if (entry.prevHash !== this.lastHash) {
      this.failure = { seq: entry.seq, reason: `entry ${entry.seq}'s link to the previous entry is broken` };
      return;
    }
    if (entryHash(entry.prevHash, entry) !== entry.hash) {
      this.failure = { seq: entry.seq, reason: `entry ${entry.seq} was changed` };
      return;
    }
    this.expectedSeq += 1;
    this.lastHash = entry.hash;
  }

  result(): AuditVerification {
    if (this.failure === null) return { ok: true, entries: this.count, lastHash: this.lastHash };
    return { ok: false, entries: this.count, ...this.failure };
  }
}
