import { operatorPrincipal } from '@opencvm/core';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/create-app.ts';

const schema = testSchema();
const HOUR = 3_600_000;
const PASSWORD = 'correct horse battery staple';

for (const adapter of ADAPTERS) {
  describe(`housekeeping on ${adapter.name}`, () => {
    it('forgets sessions a day after they ended and Idempotency-Keys a day after they were used', async () => {
      let now = new Date('2026-01-15T10:00:00.000Z');
      const clock = () => now;
      await using test = await adapter.open(schema, clock);
      const app = await createApp({ store: test.store, schema }, { clock });
      await app.accounts.createUser(
        { name: 'ann', role: 'marketer', password: PASSWORD },
        operatorPrincipal('cli:root'),
      );
      const ended = await app.accounts.login({ name: 'ann', password: PASSWORD });
      if (!ended.ok) throw new Error('no session');
      await app.accounts.logout(ended.value.token);
      await test.store.idempotency.claim({
        caller: 'key:k1',
        key: 'old',
        requestHash: 'h',
        at: now.toISOString(),
      });

      now = new Date(now.getTime() + 23 * HOUR);
      const live = await app.accounts.login({ name: 'ann', password: PASSWORD });
      if (!live.ok) throw new Error('no session');
      await test.store.idempotency.claim({
        caller: 'key:k1',
        key: 'new',
        requestHash: 'h',
        at: now.toISOString(),
      });
      expect(await app.housekeep()).toEqual({ sessions: 0, idempotencyKeys: 0 });

      now = new Date(now.getTime() + 2 * HOUR);
      expect(await app.housekeep()).toEqual({ sessions: 1, idempotencyKeys: 1 });
      expect(await app.accounts.authenticateSession(live.value.token)).not.toBeNull();
      const replay = await test.store.idempotency.claim({
        caller: 'key:k1',
        key: 'new',
        requestHash: 'h',
        at: now.toISOString(),
      });
      expect(replay.state).toBe('in_progress');
      expect(
        (
          await test.store.idempotency.claim({
            caller: 'key:k1',
            key: 'old',
            requestHash: 'h',
            at: now.toISOString(),
          })
        ).state,
      ).toBe('new');
    });
  });
}
