import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';

/** Idempotency keys of creating POSTs, per caller, on every adapter. */

const schema = testSchema();
const NOW = '2026-03-02T10:00:00.000Z';
const later = (seconds: number): string => new Date(Date.parse(NOW) + seconds * 1000).toISOString();

for (const adapter of ADAPTERS) {
  describe(`idempotency store on ${adapter.name}`, () => {
    it('claims a key once, reports it in progress, then replays the stored response', async () => {
      await using test = await adapter.open(schema);
      const keys = test.store.idempotency;
      const claim = { caller: 'user:u1', key: 'k-1', requestHash: 'h1', at: NOW };

      expect(await keys.claim(claim)).toEqual({ state: 'new' });
      expect(await keys.claim({ ...claim, at: later(1) })).toEqual({
        state: 'in_progress',
        requestHash: 'h1',
      });
      // Another request under the same key is told what the first one was, to refuse a mismatch.
      expect(await keys.claim({ ...claim, requestHash: 'h2' })).toEqual({
        state: 'in_progress',
        requestHash: 'h1',
      });
      // The same key of another caller is another key.
      expect(await keys.claim({ ...claim, caller: 'key:k9' })).toEqual({ state: 'new' });

      const body = JSON.stringify({ id: 'seg-1', name: 'Ünïcode "quoted"' });
      await keys.complete({ caller: 'user:u1', key: 'k-1', status: 201, body });
      expect(await keys.claim({ ...claim, at: later(2) })).toEqual({
        state: 'done',
        requestHash: 'h1',
        status: 201,
        body,
      });
      // A finished response is not released, nor completed again.
      await keys.release({ caller: 'user:u1', key: 'k-1' });
      await keys.complete({ caller: 'user:u1', key: 'k-1', status: 500, body: '{}' });
      expect(await keys.claim(claim)).toMatchObject({ state: 'done', status: 201, body });
      expect(await keys.claim({ ...claim, caller: 'key:k9' })).toEqual({
        state: 'in_progress',
        requestHash: 'h1',
      });
    });

    it('releases a claim whose request failed, so the key can be used again', async () => {
      await using test = await adapter.open(schema);
      const keys = test.store.idempotency;
      const claim = { caller: 'user:u1', key: 'k-2', requestHash: 'h1', at: NOW };
      expect(await keys.claim(claim)).toEqual({ state: 'new' });
      await keys.release({ caller: 'user:u1', key: 'k-2' });
      expect(await keys.claim({ ...claim, requestHash: 'h3' })).toEqual({ state: 'new' });
      expect(await keys.claim(claim)).toEqual({ state: 'in_progress', requestHash: 'h3' });
      // Releasing a key nobody claimed is no error.
      await keys.release({ caller: 'user:u1', key: 'never' });
    });

    it('gives a key claimed by concurrent requests to exactly one of them', async () => {
      await using test = await adapter.open(schema);
      const keys = test.store.idempotency;
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          keys.claim({ caller: 'user:u1', key: 'race', requestHash: `h${index}`, at: NOW }),
        ),
      );
      expect(claims.filter((claim) => claim.state === 'new')).toHaveLength(1);
      expect(claims.filter((claim) => claim.state === 'in_progress')).toHaveLength(9);
    });

    it('expires keys claimed before a time, finished or not, and counts them', async () => {
      await using test = await adapter.open(schema);
      const keys = test.store.idempotency;
      await keys.claim({ caller: 'c', key: 'old-done', requestHash: 'h', at: NOW });
      await keys.complete({ caller: 'c', key: 'old-done', status: 200, body: '{}' });
      await keys.claim({ caller: 'c', key: 'old-open', requestHash: 'h', at: later(10) });
      await keys.claim({ caller: 'c', key: 'fresh', requestHash: 'h', at: later(100) });

      expect(await keys.expire(later(100))).toBe(2);
      expect(await keys.expire(later(100))).toBe(0);
      expect(await keys.claim({ caller: 'c', key: 'old-done', requestHash: 'h2', at: later(200) })).toEqual({
        state: 'new',
      });
      expect(await keys.claim({ caller: 'c', key: 'old-open', requestHash: 'h2', at: later(200) })).toEqual({
        state: 'new',
      });
      expect(await keys.claim({ caller: 'c', key: 'fresh', requestHash: 'h2', at: later(200) })).toEqual({
        state: 'in_progress',
        requestHash: 'h',
      });
    });
  });
}
