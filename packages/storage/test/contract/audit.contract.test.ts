import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AuditRecord, AuditStore, Store } from '@opencvm/core';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { entryHash } from '../../src/audit/audit-chain.ts';
import { DuckDbStore } from '../../src/duckdb/duckdb-store.ts';
import { PostgresStore } from '../../src/postgres/postgres-store.ts';
import { ADAPTERS, type Adapter, POSTGRES_URL, testSchema } from './adapters.ts';

/** The hash-chained audit log on every adapter, and what verification says of a tampered one. */

const schema = testSchema();
const clock = () => new Date('2026-01-15T10:00:00.000Z');
const ZEROS = '0'.repeat(64);

const record = (index: number, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  at: new Date(Date.parse('2026-03-02T10:00:00.000Z') + index * 1000).toISOString(),
  actor: index % 2 === 0 ? 'anna' : 'key:loader',
  action: index % 3 === 0 ? 'offer.create' : 'campaign.approve',
  target: { type: index % 3 === 0 ? 'offer' : 'campaign', id: `t${index % 4}` },
  before: index === 1 ? null : { version: index - 1 },
  after: { version: index, name: `thing ${index}` },
  ...overrides,
});

const appendMany = async (audit: AuditStore, count: number): Promise<void> => {
  for (let index = 1; index <= count; index += 1) await audit.append(record(index));
};

/**
 * A store whose tables a test can change behind its back, as someone with access to the
 * database could: DuckDB's file is edited while the store is closed, then reopened; on
 * PostgreSQL an admin session disables the append-only trigger first.
 */
interface TamperableStore extends AsyncDisposable {
  readonly store: Store;
  /** A second store over the same data, as another process would have (PostgreSQL only). */
  readonly other: Store | null;
  tamper(statements: readonly string[]): Promise<void>;
  /** An admin session on the same data (PostgreSQL only). */
  readonly admin: pg.Client | null;
}

const openDuckDb = async (): Promise<TamperableStore> => {
  const dir = mkdtempSync(join(tmpdir(), 'cvm-audit-'));
  const path = join(dir, 'cvm.duckdb');
  const open = async () => {
    const opened = await DuckDbStore.open({ path, clock });
    await opened.prepare(schema);
    return opened;
  };
  let store = await open();
  return {
    get store() {
      return store;
    },
    other: null,
    admin: null,
    async tamper(statements) {
      await store.close();
      const instance = await DuckDBInstance.create(path);
      const connection = await instance.connect();
      for (const statement of statements) await connection.run(statement);
      connection.closeSync();
      instance.closeSync();
      store = await open();
    },
    async [Symbol.asyncDispose]() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const openPostgres = async (url: string): Promise<TamperableStore> => {
  const schemaName = `cvm_t_${randomBytes(6).toString('hex')}`;
  const store = await PostgresStore.open({ url, clock, schemaName });
  await store.prepare(schema);
  const other = await PostgresStore.open({ url, clock, schemaName });
  await other.prepare(schema);
  const admin = new pg.Client({ connectionString: url, options: `-c search_path=${schemaName}` });
  await admin.connect();
  return {
    store,
    other,
    admin,
    async tamper(statements) {
      await admin.query('BEGIN');
      try {
        await admin.query('ALTER TABLE audit_log DISABLE TRIGGER ALL');
        for (const statement of statements) await admin.query(statement);
        await admin.query('ALTER TABLE audit_log ENABLE TRIGGER ALL');
        await admin.query('COMMIT');
      } catch (error) {
        await admin.query('ROLLBACK');
        throw error;
      }
    },
    async [Symbol.asyncDispose]() {
      await store.close();
      await other.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schemaName} CASCADE`);
      await admin.end();
    },
  };
};

const tamperable = (adapter: Adapter): Promise<TamperableStore> => {
  if (adapter.name === 'duckdb') return openDuckDb();
  if (POSTGRES_URL === undefined) throw new Error('PostgreSQL runs only with CVM_TEST_POSTGRES_URL');
  return openPostgres(POSTGRES_URL);
};

for (const adapter of ADAPTERS) {
  describe(`audit store on ${adapter.name}`, () => {
    it('chains entries from seq 1, each hash covering the previous hash and canonical JSON', async () => {
      await using test = await adapter.open(schema);
      const audit = test.store.audit;
      expect(await audit.verify()).toEqual({ ok: true, entries: 0, lastHash: ZEROS });

      const first = await audit.append({
        at: '2026-03-02T10:00:00.123Z',
        actor: 'anna',
        action: 'offer.create',
        target: { type: 'offer', id: 'o1' },
        before: null,
        after: { name: 'Spring', terms: [{ value: 5, kind: 'discount' }], active: true },
      });
      // Keys sorted at every depth, no whitespace, the previous hash in front.
      const document =
        '{"action":"offer.create","actor":"anna","after":{"active":true,"name":"Spring","terms":[{"kind":"discount","value":5}]},' +
        '"at":"2026-03-02T10:00:00.123Z","before":null,"seq":1,"target":{"id":"o1","type":"offer"}}';
      expect(first).toMatchObject({ seq: 1, prevHash: ZEROS });
      expect(first.hash).toBe(
        createHash('sha256')
          .update(ZEROS + document)
          .digest('hex'),
      );

      // `at` comes back exactly as written, whatever its form; values come back as JSON.
      const second = await audit.append({
        at: '2026-03-02T11:00:00+01:00',
        actor: 'operator',
        action: 'user.create',
        target: null,
        before: { nested: { b: 2, a: [1, 'x', null] } },
        after: 'plain text',
      });
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash, at: '2026-03-02T11:00:00+01:00' });
      const third = await audit.append(record(3));
      expect(third).toMatchObject({ seq: 3, prevHash: second.hash });

      expect(await audit.list({ limit: 10 })).toEqual([third, second, first]);
      expect(await audit.verify()).toEqual({ ok: true, entries: 3, lastHash: third.hash });
    });

    it('lists newest first, by actor, action and target, and pages back by seq', async () => {
      await using test = await adapter.open(schema);
      const audit = test.store.audit;
      await appendMany(audit, 12);
      const seqs = async (query: Parameters<AuditStore['list']>[0]) =>
        (await audit.list(query)).map((entry) => entry.seq);

      expect(await seqs({ limit: 5 })).toEqual([12, 11, 10, 9, 8]);
      expect(await seqs({ limit: 5, beforeSeq: 8 })).toEqual([7, 6, 5, 4, 3]);
      expect(await seqs({ limit: 5, beforeSeq: 3 })).toEqual([2, 1]);
      expect(await seqs({ limit: 5, beforeSeq: 1 })).toEqual([]);
      expect(await seqs({ limit: 20, actor: 'anna' })).toEqual([12, 10, 8, 6, 4, 2]);
      expect(await seqs({ limit: 20, action: 'offer.create' })).toEqual([12, 9, 6, 3]);
      expect(await seqs({ limit: 20, targetType: 'campaign', targetId: 't1' })).toEqual([5, 1]);
      expect(await seqs({ limit: 20, targetType: 'offer' })).toEqual([12, 9, 6, 3]);
      expect(await seqs({ limit: 2, actor: 'key:loader', beforeSeq: 9 })).toEqual([7, 5]);
      expect(await seqs({ limit: 20, actor: 'nobody' })).toEqual([]);
    });

    it('serializes concurrent appends into one unbroken chain', async () => {
      await using test = await tamperable(adapter);
      // On PostgreSQL half of them come through a second store, as from another process.
      const stores = [test.store, ...(test.other === null ? [] : [test.other])];
      const entries = await Promise.all(
        Array.from({ length: 20 }, (_, index) => {
          const store = stores[index % stores.length] ?? test.store;
          return store.audit.append(record(index + 1));
        }),
      );
      expect(entries.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, index) => index + 1),
      );
      const bySeq = new Map(entries.map((entry) => [entry.seq, entry]));
      for (const entry of entries) {
        expect(entry.prevHash).toBe(entry.seq === 1 ? ZEROS : bySeq.get(entry.seq - 1)?.hash);
      }
      expect(await test.store.audit.verify()).toEqual({
        ok: true,
        entries: 20,
        lastHash: bySeq.get(20)?.hash,
      });
    });

    it('names an entry whose content was changed', async () => {
      await using test = await tamperable(adapter);
      await appendMany(test.store.audit, 5);
      await test.tamper([`UPDATE audit_log SET after_json = '{"version":3,"name":"forged"}' WHERE seq = 3`]);
      expect(await test.store.audit.verify()).toEqual({
        ok: false,
        entries: 5,
        seq: 3,
        reason: 'entry 3 was changed',
      });
    });

    it('names an entry whose time or actor was changed', async () => {
      await using test = await tamperable(adapter);
      await appendMany(test.store.audit, 4);
      await test.tamper([`UPDATE audit_log SET actor = 'someone else' WHERE seq = 4`]);
      expect(await test.store.audit.verify()).toMatchObject({
        ok: false,
        seq: 4,
        reason: 'entry 4 was changed',
      });
      await test.tamper([
        `UPDATE audit_log SET actor = 'anna' WHERE seq = 4`,
        `UPDATE audit_log SET recorded_at = '2026-03-02T10:00:01.000Z' WHERE seq = 2`,
      ]);
      expect(await test.store.audit.verify()).toMatchObject({
        ok: false,
        seq: 2,
        reason: 'entry 2 was changed',
      });
    });

    it('names a deleted entry', async () => {
      await using test = await tamperable(adapter);
      await appendMany(test.store.audit, 6);
      await test.tamper(['DELETE FROM audit_log WHERE seq = 4']);
      expect(await test.store.audit.verify()).toEqual({
        ok: false,
        entries: 5,
        seq: 4,
        reason: 'entry 4 is missing',
      });
      await test.tamper(['DELETE FROM audit_log WHERE seq = 1']);
      expect(await test.store.audit.verify()).toMatchObject({
        ok: false,
        seq: 1,
        reason: 'entry 1 is missing',
      });
    });

    it('names the entry after one rewritten with a recomputed hash, and a forged link', async () => {
      await using test = await tamperable(adapter);
      await appendMany(test.store.audit, 5);
      const [second] = await test.store.audit.list({ limit: 1, beforeSeq: 3 });
      if (second === undefined) throw new Error('entry 2 was not written');
      // Whoever knows the algorithm can make entry 2 consistent in itself, but not entry 3's link.
      const afterJson = '{"name":"forged","version":2}';
      const forgedHash = entryHash(second.prevHash, {
        seq: 2,
        at: second.at,
        actor: second.actor,
        action: second.action,
        target: second.target,
        beforeJson: JSON.stringify(second.before),
        afterJson,
      });
      await test.tamper([
        `UPDATE audit_log SET after_json = '${afterJson}', hash = '${forgedHash}' WHERE seq = 2`,
      ]);
      expect(await test.store.audit.verify()).toEqual({
        ok: false,
        entries: 5,
        seq: 3,
        reason: "entry 3's link to the previous entry is broken",
      });
      expect(await test.store.audit.verify()).toMatchObject({ ok: false, seq: 3 });

      await test.tamper([`UPDATE audit_log SET prev_hash = '${'f'.repeat(64)}' WHERE seq = 1`]);
      expect(await test.store.audit.verify()).toMatchObject({
        ok: false,
        seq: 1,
        reason: "entry 1's link to the previous entry is broken",
      });
    });

    it('keeps appending after the end of the chain it finds', async () => {
      await using test = await tamperable(adapter);
      await appendMany(test.store.audit, 2);
      // Reopened (DuckDB) or read by the other store (PostgreSQL): the chain continues, not restarts.
      await test.tamper([]);
      const appender = test.other ?? test.store;
      const third = await appender.audit.append(record(3));
      const [second] = await test.store.audit.list({ limit: 1, beforeSeq: 3 });
      expect(third).toMatchObject({ seq: 3, prevHash: second?.hash });
      expect(await test.store.audit.verify()).toMatchObject({ ok: true, entries: 3 });
    });

    if (adapter.name === 'postgres') {
      it('refuses to update, delete or truncate the log on PostgreSQL', async () => {
        await using test = await tamperable(adapter);
        await appendMany(test.store.audit, 2);
        const admin = test.admin;
        if (admin === null) throw new Error('no admin session');
        await expect(admin.query(`UPDATE audit_log SET actor = 'x' WHERE seq = 1`)).rejects.toThrow(
          'the audit log is append-only',
        );
        await expect(admin.query('DELETE FROM audit_log WHERE seq = 2')).rejects.toThrow(
          'the audit log is append-only',
        );
        await expect(admin.query('TRUNCATE audit_log')).rejects.toThrow('the audit log is append-only');
        expect(await test.store.audit.verify()).toMatchObject({ ok: true, entries: 2 });
      });
    }
  });
}
