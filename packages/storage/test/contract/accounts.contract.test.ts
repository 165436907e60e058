import type { StoredApiKey, StoredSession, StoredUser } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, testSchema } from './adapters.ts';

/** Users, sessions, API keys and workspace settings on every adapter. */

const NOW = '2026-03-02T10:00:00.000Z';
const later = (seconds: number): string => new Date(Date.parse(NOW) + seconds * 1000).toISOString();
const schema = testSchema();

const user = (name: string, overrides: Partial<StoredUser> = {}): StoredUser => ({
  id: `u-${name}`,
  name,
  displayName: null,
  role: 'marketer',
  passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${name}`,
  createdAt: NOW,
  updatedAt: NOW,
  disabledAt: null,
  ...overrides,
});

const session = (
  tokenHash: string,
  userId: string,
  overrides: Partial<StoredSession> = {},
): StoredSession => ({
  tokenHash,
  userId,
  createdAt: NOW,
  expiresAt: later(1800),
  absoluteExpiresAt: later(12 * 3600),
  revokedAt: null,
  ...overrides,
});

const apiKey = (
  id: string,
  name: string,
  overrides: Partial<StoredApiKey & { keyHash: string }> = {},
): StoredApiKey & { readonly keyHash: string } => ({
  id,
  name,
  scope: 'ingest',
  createdBy: 'u-admin',
  createdAt: NOW,
  lastUsedAt: null,
  revokedAt: null,
  keyHash: `hash-${id}`,
  ...overrides,
});

for (const adapter of ADAPTERS) {
  describe(`account store on ${adapter.name}`, () => {
    it('creates users with unique names, reads, lists by name and updates them', async () => {
      await using test = await adapter.open(schema);
      const accounts = test.store.accounts;
      expect(await accounts.countUsers()).toBe(0);

      const admin = user('zoe', { role: 'admin', displayName: 'Zoë Admin' });
      expect(await accounts.createUser(admin)).toEqual({ ok: true, value: admin });
      expect(await accounts.createUser(user('anna'))).toMatchObject({ ok: true });
      // Another id, the same name: refused as a value, nothing written.
      expect(await accounts.createUser(user('anna', { id: 'u-other', role: 'admin' }))).toEqual({
        ok: false,
        error: 'name_taken',
      });
      // A disabled user keeps the name.
      await accounts.updateUser('u-anna', { disabledAt: later(5), updatedAt: later(5) });
      expect(await accounts.createUser(user('anna', { id: 'u-third' }))).toEqual({
        ok: false,
        error: 'name_taken',
      });
      expect(await accounts.countUsers()).toBe(2);
      expect(await accounts.getUser('u-other')).toBeNull();

      expect(await accounts.getUser('u-zoe')).toEqual(admin);
      expect(await accounts.findUserByName('zoe')).toEqual(admin);
      expect(await accounts.findUserByName('nobody')).toBeNull();
      expect((await accounts.listUsers()).map((stored) => stored.name)).toEqual(['anna', 'zoe']);

      const changed = await accounts.updateUser('u-zoe', {
        displayName: null,
        role: 'approver',
        passwordHash: 'new-hash',
        updatedAt: later(60),
      });
      const expected: StoredUser = {
        ...admin,
        displayName: null,
        role: 'approver',
        passwordHash: 'new-hash',
        updatedAt: later(60),
      };
      expect(changed).toEqual(expected);
      expect(await accounts.getUser('u-zoe')).toEqual(expected);
      // Fields not named keep their values; a disabled user can be enabled again.
      expect(await accounts.updateUser('u-anna', { disabledAt: null, updatedAt: later(90) })).toEqual(
        user('anna', { updatedAt: later(90) }),
      );
      expect(await accounts.updateUser('u-missing', { role: 'admin', updatedAt: later(90) })).toBeNull();
    });

    it('finds a session only while it is neither expired nor revoked', async () => {
      await using test = await adapter.open(schema);
      const accounts = test.store.accounts;
      const owner = user('anna');
      await accounts.createUser(owner);
      const live = session('t-live', owner.id);
      await accounts.createSession(live);

      expect(await accounts.findSession('t-live', NOW)).toEqual({ session: live, user: owner });
      expect(await accounts.findSession('t-unknown', NOW)).toBeNull();
      // Idle expiry: at the instant it ends the session is gone.
      expect(await accounts.findSession('t-live', later(1799))).not.toBeNull();
      expect(await accounts.findSession('t-live', later(1800))).toBeNull();

      // Touching moves the idle expiry, but never past the absolute one.
      await accounts.touchSession('t-live', later(3600));
      expect((await accounts.findSession('t-live', later(3000)))?.session.expiresAt).toBe(later(3600));
      await accounts.touchSession('t-live', later(13 * 3600));
      const capped = await accounts.findSession('t-live', later(11 * 3600));
      expect(capped?.session.expiresAt).toBe(later(12 * 3600));
      expect(await accounts.findSession('t-live', later(12 * 3600))).toBeNull();

      await accounts.revokeSession('t-live', later(10));
      expect(await accounts.findSession('t-live', later(20))).toBeNull();
      // A revoked session cannot be touched back to life.
      await accounts.touchSession('t-live', later(7200));
      expect(await accounts.findSession('t-live', later(20))).toBeNull();
    });

    it('takes parallel touches of one session and one key, as parallel requests make them', async () => {
      await using test = await adapter.open(schema);
      const accounts = test.store.accounts;
      await accounts.createUser(user('anna'));
      await accounts.createSession(session('t1', 'u-anna'));
      await accounts.createApiKey(apiKey('k1', 'loader'));
      await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          Promise.all([
            accounts.touchSession('t1', later(1800 + index)),
            accounts.touchApiKey('k1', later(index)),
          ]),
        ),
      );
      expect((await accounts.findSession('t1', NOW))?.session.expiresAt).toMatch(
        /^2026-03-02T10:30:0\d\.000Z$/,
      );
      expect((await accounts.findApiKey('hash-k1'))?.lastUsedAt).toBe(later(9));
    });

    it("revokes every live session of one user and counts them, leaving others' alone", async () => {
      await using test = await adapter.open(schema);
      const accounts = test.store.accounts;
      await accounts.createUser(user('anna'));
      await accounts.createUser(user('bert'));
      await accounts.createSession(session('a1', 'u-anna'));
      await accounts.createSession(session('a2', 'u-anna'));
      await accounts.createSession(session('a-old', 'u-anna', { expiresAt: later(-1) }));
      await accounts.createSession(session('a-revoked', 'u-anna', { revokedAt: later(-60) }));
      await accounts.createSession(session('b1', 'u-bert'));

      expect(await accounts.revokeUserSessions('u-anna', later(5))).toBe(2);
      expect(await accounts.findSession('a1', later(6))).toBeNull();
      expect(await accounts.findSession('a2', later(6))).toBeNull();
      expect(await accounts.findSession('b1', later(6))).not.toBeNull();
      expect(await accounts.revokeUserSessions('u-anna', later(7))).toBe(0);
    });

    it('removes sessions that ended before a time, and only those', async () => {
      await using test = await adapter.open(schema);
      const accounts = test.store.accounts;
      await accounts.createUser(user('anna'));
      await accounts.createSession(session('live', 'u-anna'));
      await accounts.createSession(session('idle', 'u-anna', { expiresAt: later(-7200) }));
      await accounts.createSession(session('revoked', 'u-anna', { revokedAt: later(-7200) }));
      await accounts.createSession(session('recently-revoked', 'u-anna', { revokedAt: later(-60) }));
      expect(await accounts.removeEndedSessions(later(-3600))).toBe(2);
      expect(await accounts.findSession('live', NOW)).not.toBeNull();
      expect(await accounts.removeEndedSessions(later(0))).toBe(1);
      expect(await accounts.findSession('live', NOW)).not.toBeNull();
    });

    it('keeps API key names unique among live keys, finds keys by hash and honours revocation', async () => {
      await using test = await adapter.open(schema);
      const accounts = test.store.accounts;
      const { keyHash: _hash, ...ingest } = apiKey('k1', 'loader');
      expect(await accounts.createApiKey(apiKey('k1', 'loader'))).toEqual({ ok: true, value: ingest });
      expect(await accounts.createApiKey(apiKey('k2', 'loader', { scope: 'full' }))).toEqual({
        ok: false,
        error: 'name_taken',
      });
      expect(await accounts.findApiKey('hash-k1')).toEqual(ingest);
      expect(await accounts.findApiKey('hash-k2')).toBeNull();

      await accounts.touchApiKey('k1', later(30));
      // An older time (a slower request finishing late) does not move it back.
      await accounts.touchApiKey('k1', later(20));
      expect((await accounts.findApiKey('hash-k1'))?.lastUsedAt).toBe(later(30));

      expect(await accounts.revokeApiKey('k1', later(40))).toBe(true);
      expect(await accounts.revokeApiKey('k1', later(50))).toBe(false);
      expect(await accounts.revokeApiKey('k-missing', later(50))).toBe(false);
      expect(await accounts.findApiKey('hash-k1')).toBeNull();

      // The name is free again once its key is revoked.
      const second = await accounts.createApiKey(
        apiKey('k2', 'loader', { scope: 'read', createdAt: later(60) }),
      );
      expect(second).toMatchObject({ ok: true, value: { id: 'k2', scope: 'read' } });
      expect(await accounts.createApiKey(apiKey('k3', 'loader', { createdAt: later(70) }))).toEqual({
        ok: false,
        error: 'name_taken',
      });
      await accounts.createApiKey(apiKey('k4', 'other', { createdAt: later(80) }));

      const listed = await accounts.listApiKeys();
      expect(listed.map((key) => [key.id, key.revokedAt])).toEqual([
        ['k4', null],
        ['k2', null],
        ['k1', later(40)],
      ]);
      expect(listed.some((key) => 'keyHash' in key || 'key_hash' in key)).toBe(false);
    });

    it('gives concurrent keys of one name to exactly one', async () => {
      await using test = await adapter.open(schema);
      const accounts = test.store.accounts;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, index) => accounts.createApiKey(apiKey(`k${index}`, 'same'))),
      );
      expect(results.filter((result) => result.ok)).toHaveLength(1);
      expect(results.filter((result) => !result.ok && result.error === 'name_taken')).toHaveLength(7);
    });

    it('writes, overwrites, reads and removes workspace settings', async () => {
      await using test = await adapter.open(schema);
      const accounts = test.store.accounts;
      expect(await accounts.readSetting('setup_token_hash')).toBeNull();
      await accounts.writeSetting('setup_token_hash', 'abc');
      await accounts.writeSetting('other', 'x');
      expect(await accounts.readSetting('setup_token_hash')).toBe('abc');
      await accounts.writeSetting('setup_token_hash', 'def');
      expect(await accounts.readSetting('setup_token_hash')).toBe('def');
      await accounts.writeSetting('setup_token_hash', null);
      expect(await accounts.readSetting('setup_token_hash')).toBeNull();
      expect(await accounts.readSetting('other')).toBe('x');
      // Removing what is not there is no error.
      await accounts.writeSetting('setup_token_hash', null);
    });
  });
}
