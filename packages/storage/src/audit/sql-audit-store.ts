import type { AuditEntry, AuditQuery, AuditRecord, AuditStore, AuditVerification } from '@opencvm/core';
import type { SqlExecutor, SqlRow } from '../sql/sql-executor.ts';
import { SerialQueue } from '../store/serial-queue.ts';
import {
  type ChainedFields,
  ChainVerifier,
  canonicalJson,
  entryHash,
  GENESIS_HASH,
  type StoredLink,
} from './audit-chain.ts';

const COLUMNS =
  'seq, recorded_at, actor, action, target_type, target_id, before_json, after_json, prev_hash, hash';

const nullableText = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

const linkOf = (row: SqlRow): StoredLink => {
  const targetType = nullableText(row.target_type);
  const targetId = nullableText(row.target_id);
  return {
    seq: Number(row.seq),
    at: String(row.recorded_at),
    actor: String(row.actor),
    action: String(row.action),
    target: targetType === null || targetId === null ? null : { type: targetType, id: targetId },
    beforeJson: String(row.before_json),
    afterJson: String(row.after_json),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
};

const entryOf = (link: StoredLink): AuditEntry => ({
  seq: link.seq,
  at: link.at,
  actor: link.actor,
  action: link.action,
  target: link.target,
  before: JSON.parse(link.beforeJson),
  after: JSON.parse(link.afterJson),
  prevHash: link.prevHash,
  hash: link.hash,
});

/**
 * The audit log in SQL both engines run: append-only and hash-chained. `at`, `before` and
 * `after` are kept as the exact text that was hashed (no timestamp or jsonb normalisation), so
 * verification re-hashes what is stored. Appends are serialized: in this process by a queue,
 * across PostgreSQL sessions by a table lock that only other appenders wait for.
 */
export class SqlAuditStore implements AuditStore {
  private readonly appends = new SerialQueue();

  constructor(private readonly sql: SqlExecutor) {}

  async append(record: AuditRecord): Promise<AuditEntry> {
    const release = await this.appends.acquire();
    try {
      return await this.sql.transaction(async (runner) => {
        const lock = runner.dialect.appendLock('audit_log');
        if (lock !== null) await runner.all(lock);
        const [last] = await runner.all('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
        const prevHash = last === undefined ? GENESIS_HASH : String(last.hash);
        const fields: ChainedFields = {
          seq: last === undefined ? 1 : Number(last.seq) + 1,
          at: record.at,
          actor: record.actor,
          action: record.action,
          target: record.target === null ? null : { type: record.target.type, id: record.target.id },
          beforeJson: canonicalJson(record.before),
          afterJson: canonicalJson(record.after),
        };
        const link: StoredLink = { ...fields, prevHash, hash: entryHash(prevHash, fields) };
        await runner.all(
          `INSERT INTO audit_log (${COLUMNS}) VALUES (CAST($1 AS BIGINT), $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [
            String(link.seq),
            link.at,
            link.actor,
            link.action,
            link.target?.type ?? null,
            link.target?.id ?? null,
            link.beforeJson,
            link.afterJson,
            link.prevHash,
            link.hash,
          ],
        );
        return entryOf(link);
      });
    } finally {
      release();
    }
  }

  async list(query: AuditQuery): Promise<readonly AuditEntry[]> {
    const params: string[] = [];
    const where: string[] = [];
    if (query.beforeSeq !== undefined) {
      params.push(String(Math.floor(query.beforeSeq)));
      where.push(`seq < CAST($${params.length} AS BIGINT)`);
    }
    const equal = [
      ['actor', query.actor],
      ['action', query.action],
      ['target_type', query.targetType],
      ['target_id', query.targetId],
    ] as const;
    for (const [column, value] of equal) {
      if (value === undefined) continue;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
    const limit = Math.max(0, Math.floor(query.limit));
    const rows = await this.sql.all(
      `SELECT ${COLUMNS} FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT ${limit}`,
      params,
    );
    return rows.map((row) => entryOf(linkOf(row)));
  }

  async verify(): Promise<AuditVerification> {
    const verifier = new ChainVerifier();
    await this.sql.stream(`SELECT ${COLUMNS} FROM audit_log ORDER BY seq`, [], async (rows) => {
      for (const row of rows) verifier.check(linkOf(row));
    });
    return verifier.result();
  }
}
