import { createHash } from 'node:crypto';
import { parseOptions } from '@node-rs/argon2';
import { operatorPrincipal, type Principal, userPrincipal } from '@opencvm/core';
import { ADAPTERS, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { DUMMY_HASH, SETUP_TOKEN_SETTING } from '../src/accounts/account-service.ts';
import type { PublicUser, SignedIn } from '../src/accounts/accounts.ts';
import { createApp } from '../src/create-app.ts';

/** Users, sessions, API keys and the audit log, on every adapter, with a clock the test moves. */

const schema = testSchema();
const START = new Date('2026-01-15T10:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const OPERATOR = operatorPrincipal('cli:root');
const ADMIN_PASSWORD = 'correct horse battery staple';
const PASSWORD = 'a long enough password';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const opened = async (adapter: (typeof ADAPTERS)[number]) => {
  let now = START;
  const clock = () => now;
  const test = await adapter.open(schema, clock);
  const app = await createApp({ store: test.store, schema }, { clock });
  return {
    app,
    store: test.store,
    accounts: app.accounts,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    [Symbol.asyncDispose]: () => test[Symbol.asyncDispose](),
  };
};

const value = <T, E>(result: { ok: true; value: T } | { ok: false; error: E }): T => {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
};

const refusal = <T, E>(result: { ok: true; value: T } | { ok: false; error: E }): E => {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.error;
};

for (const adapter of ADAPTERS) {
  describe(`accounts on ${adapter.name}`, () => {
    /** A workspace set up with one admin, `root`, and their principal. */
    const withAdmin = async (test: Awaited<ReturnType<typeof opened>>) => {
      const token = await test.accounts.issueSetupToken();
      if (token === null) throw new Error('no setup token');
      const signedIn = value(
        await test.accounts.completeSetup({ token, name: 'root', password: ADMIN_PASSWORD }),
      );
      return { signedIn, admin: userPrincipal(signedIn.user) };
    };

    const createUser = async (
      test: Awaited<ReturnType<typeof opened>>,
      input: { name: string; role: string },
      by: Principal = OPERATOR,
    ): Promise<PublicUser> => value(await test.accounts.createUser({ ...input, password: PASSWORD }, by));

    it('sets up the first admin with a one-time token, refused once a user exists', async () => {
      await using test = await opened(adapter);
      const { accounts } = test;
      expect(await accounts.setupRequired()).toBe(true);
      const replaced = await accounts.issueSetupToken();
      const token = await accounts.issueSetupToken();
      if (token === null || replaced === null) throw new Error('no setup token');
      expect(token).not.toBe(replaced);
      expect(await test.store.accounts.readSetting(SETUP_TOKEN_SETTING)).toBe(sha256(token));

      const input = { token, name: 'root', password: ADMIN_PASSWORD, displayName: 'Root' };
      expect(refusal(await accounts.completeSetup({ ...input, token: replaced }))).toEqual({
        type: 'unauthenticated',
        reason: 'wrong_setup_token',
        message: 'the setup token is wrong or was used already',
      });
      expect(refusal(await accounts.completeSetup({ ...input, token: `${token}x` })).type).toBe(
        'unauthenticated',
      );
      expect(refusal(await accounts.completeSetup({ ...input, password: 'short' }))).toEqual({
        type: 'invalid_input',
        issues: [{ path: 'password', message: 'must be at least 12 characters', kind: 'too_small' }],
      });

      const signedIn = value(await accounts.completeSetup(input));
      expect(signedIn.user).toMatchObject({
        name: 'root',
        role: 'admin',
        displayName: 'Root',
        disabled: false,
      });
      expect((await accounts.authenticateSession(signedIn.token))?.user.name).toBe('root');
      expect(await test.store.accounts.readSetting(SETUP_TOKEN_SETTING)).toBeNull();

      expect(refusal(await accounts.completeSetup({ ...input, name: 'second' })).type).toBe(
        'unauthenticated',
      );
      expect(await accounts.setupRequired()).toBe(false);
      expect(await accounts.issueSetupToken()).toBeNull();
      expect((await accounts.listUsers()).map((user) => user.name)).toEqual(['root']);
    });

    it('signs in with the right password only, with one message for every failure', async () => {
      await using test = await opened(adapter);
      const { accounts } = test;
      await withAdmin(test);
      const ann = await createUser(test, { name: 'ann', role: 'marketer' });
      const signedIn = value(await accounts.login({ name: 'ann', password: PASSWORD }));
      expect(signedIn.user).toEqual(ann);
      expect(signedIn.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(signedIn.csrfToken).not.toBe(signedIn.token);
      expect(signedIn.expiresAt).toBe(new Date(START.getTime() + 12 * HOUR).toISOString());
      const caller = await accounts.authenticateSession(signedIn.token);
      expect(caller).toMatchObject({ user: ann, csrfToken: signedIn.csrfToken });
      expect(caller?.principal).toMatchObject({ kind: 'user', id: ann.id, name: 'ann', role: 'marketer' });

      const wrong = { type: 'unauthenticated', reason: 'wrong_password', message: 'wrong name or password' };
      expect(refusal(await accounts.login({ name: 'ann', password: 'not the password' }))).toEqual(wrong);
      expect(refusal(await accounts.login({ name: 'nobody', password: PASSWORD }))).toEqual(wrong);
      expect(refusal(await accounts.login({ name: 'ann' })).type).toBe('invalid_input');

      // A name that does not exist costs the same verification as one that does.
      const stored = await test.store.accounts.findUserByName('ann');
      expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(parseOptions(DUMMY_HASH)).toEqual(parseOptions(stored?.passwordHash ?? ''));

      value(await accounts.updateUser(ann.id, { disabled: true }, OPERATOR));
      expect(refusal(await accounts.login({ name: 'ann', password: PASSWORD }))).toEqual(wrong);
      expect(await accounts.authenticateSession(signedIn.token)).toBeNull();
      value(await accounts.updateUser(ann.id, { disabled: false }, OPERATOR));
      expect((await accounts.login({ name: 'ann', password: PASSWORD })).ok).toBe(true);
    });

    it('ends a session after 12 idle hours, moving the expiry at most once a minute', async () => {
      await using test = await opened(adapter);
      const { accounts } = test;
      await withAdmin(test);
      await createUser(test, { name: 'ann', role: 'viewer' });
      const { token, expiresAt } = value(await accounts.login({ name: 'ann', password: PASSWORD }));

      test.advance(30_000);
      expect((await accounts.authenticateSession(token))?.expiresAt).toBe(expiresAt);
      test.advance(11 * HOUR);
      const moved = await accounts.authenticateSession(token);
      expect(moved?.expiresAt).toBe(new Date(START.getTime() + 30_000 + 23 * HOUR).toISOString());
      test.advance(12 * HOUR - MINUTE);
      expect(await accounts.authenticateSession(token)).not.toBeNull();
      test.advance(12 * HOUR);
      expect(await accounts.authenticateSession(token)).toBeNull();
      test.advance(-MINUTE);
      expect(await accounts.authenticateSession(token)).not.toBeNull();
    });

    it('ends a session 7 days after sign-in however often it is used', async () => {
      await using test = await opened(adapter);
      const { accounts } = test;
      await withAdmin(test);
      await createUser(test, { name: 'ann', role: 'viewer' });
      const { token } = value(await accounts.login({ name: 'ann', password: PASSWORD }));
      for (let hours = 10; hours < 7 * 24; hours += 10) {
        test.advance(10 * HOUR);
        const caller = await accounts.authenticateSession(token);
        expect(caller, `after ${hours} hours`).not.toBeNull();
        expect(Date.parse(caller?.expiresAt ?? '')).toBeLessThanOrEqual(START.getTime() + 7 * DAY);
      }
      // 160 hours in: the idle expiry would be 172 hours, but the session ends at 168.
      test.advance(7 * HOUR);
      expect(await accounts.authenticateSession(token)).not.toBeNull();
      test.advance(HOUR);
      expect(await accounts.authenticateSession(token)).toBeNull();
    });

    it('ends a session at once on logout, and every session of a user on a change of role or password', async () => {
      await using test = await opened(adapter);
      const { accounts } = test;
      await withAdmin(test);
      const ann = await createUser(test, { name: 'ann', role: 'marketer' });
      const first = value(await accounts.login({ name: 'ann', password: PASSWORD }));
      const second = value(await accounts.login({ name: 'ann', password: PASSWORD }));
      await accounts.logout(first.token);
      await accounts.logout('not a token');
      expect(await accounts.authenticateSession(first.token)).toBeNull();
      expect(await accounts.authenticateSession(second.token)).not.toBeNull();

      value(await accounts.updateUser(ann.id, { displayName: 'Ann' }, OPERATOR));
      expect(await accounts.authenticateSession(second.token)).not.toBeNull();
      value(await accounts.updateUser(ann.id, { role: 'approver' }, OPERATOR));
      expect(await accounts.authenticateSession(second.token)).toBeNull();

      const third = value(await accounts.login({ name: 'ann', password: PASSWORD }));
      expect((await accounts.authenticateSession(third.token))?.principal.role).toBe('approver');
      const newPassword = 'another long password';
      value(await accounts.updateUser(ann.id, { password: newPassword }, OPERATOR));
      expect(await accounts.authenticateSession(third.token)).toBeNull();
      expect((await accounts.login({ name: 'ann', password: PASSWORD })).ok).toBe(false);

      const fourth = value(await accounts.login({ name: 'ann', password: newPassword }));
      const self = userPrincipal({ ...ann, role: 'approver' });
      expect(
        refusal(await accounts.changeOwnPassword({ currentPassword: PASSWORD, newPassword: PASSWORD }, self)),
      ).toEqual({
        type: 'invalid_input',
        issues: [
          { path: 'currentPassword', message: 'is not your current password', kind: 'wrong_password' },
        ],
      });
      value(await accounts.changeOwnPassword({ currentPassword: newPassword, newPassword: PASSWORD }, self));
      expect(await accounts.authenticateSession(fourth.token)).toBeNull();
      expect((await accounts.login({ name: 'ann', password: PASSWORD })).ok).toBe(true);
      expect(
        refusal(await accounts.changeOwnPassword({ currentPassword: 'x', newPassword: PASSWORD }, OPERATOR))
          .type,
      ).toBe('forbidden');
    });

    it('makes API keys that authenticate until they are revoked', async () => {
      await using test = await opened(adapter);
      const { accounts } = test;
      const { admin } = await withAdmin(test);
      const { key, secret } = value(await accounts.createApiKey({ name: 'loader', scope: 'ingest' }, admin));
      expect(secret).toMatch(/^cvm_[A-Za-z0-9_-]{43}$/);
      expect(key).toMatchObject({
        name: 'loader',
        scope: 'ingest',
        createdBy: admin.id,
        lastUsedAt: null,
        revoked: false,
      });
      expect(refusal(await accounts.createApiKey({ name: 'loader', scope: 'read' }, admin)).type).toBe(
        'conflict',
      );
      expect(refusal(await accounts.createApiKey({ name: 'Bad Name', scope: 'read' }, admin)).type).toBe(
        'invalid_input',
      );

      const principal = await accounts.authenticateKey(secret);
      expect(principal).toMatchObject({
        kind: 'key',
        id: key.id,
        name: 'key:loader',
        scope: 'ingest',
        role: null,
      });
      expect([...(principal?.permissions ?? [])]).toEqual(['data.ingest']);
      expect((await accounts.listApiKeys())[0]?.lastUsedAt).toBe(START.toISOString());
      test.advance(30_000);
      await accounts.authenticateKey(secret);
      expect((await accounts.listApiKeys())[0]?.lastUsedAt).toBe(START.toISOString());
      test.advance(MINUTE);
      await accounts.authenticateKey(secret);
      expect((await accounts.listApiKeys())[0]?.lastUsedAt).toBe(
        new Date(START.getTime() + 90_000).toISOString(),
      );

      // One character changed (to one it is not already).
      const altered = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
      expect(await accounts.authenticateKey(altered)).toBeNull();
      expect(await accounts.authenticateKey('cvm_short')).toBeNull();
      expect(await accounts.authenticateKey(secret.slice(4))).toBeNull();

      expect(value(await accounts.revokeApiKey(key.id, admin))).toMatchObject({ id: key.id, revoked: true });
      expect(await accounts.authenticateKey(secret)).toBeNull();
      expect(refusal(await accounts.revokeApiKey(key.id, admin)).type).toBe('conflict');
      expect(refusal(await accounts.revokeApiKey('no-such-key', admin)).type).toBe('not_found');
      // The name is free again once the key is revoked.
      expect((await accounts.createApiKey({ name: 'loader', scope: 'read' }, admin)).ok).toBe(true);
    });

    it('lets only admins manage users and keys', async () => {
      await using test = await opened(adapter);
      const { accounts } = test;
      const { admin } = await withAdmin(test);
      const ann = await createUser(test, { name: 'ann', role: 'marketer' });
      const marketer = userPrincipal(ann);
      const { key, secret } = value(await accounts.createApiKey({ name: 'robot', scope: 'full' }, admin));
      const robot = await accounts.authenticateKey(secret);
      if (robot === null) throw new Error('the key does not authenticate');
      for (const by of [marketer, robot]) {
        expect(
          refusal(await accounts.createUser({ name: 'eve', role: 'admin', password: PASSWORD }, by)).type,
        ).toBe('forbidden');
        expect(refusal(await accounts.updateUser(ann.id, { role: 'admin' }, by)).type).toBe('forbidden');
        expect(refusal(await accounts.createApiKey({ name: 'mine', scope: 'full' }, by)).type).toBe(
          'forbidden',
        );
        expect(refusal(await accounts.revokeApiKey(key.id, by)).type).toBe('forbidden');
      }
      expect((await accounts.getUser(ann.id)).ok && (await accounts.listUsers()).length).toBe(2);
      expect(refusal(await accounts.getUser('nobody')).type).toBe('not_found');
      expect(
        refusal(await accounts.createUser({ name: 'ann', role: 'viewer', password: PASSWORD }, admin)).type,
      ).toBe('conflict');
      expect(refusal(await accounts.updateUser('nobody', { role: 'viewer' }, admin)).type).toBe('not_found');
    });

    it('never leaves the workspace without an active admin', async () => {
      await using test = await opened(adapter);
      const { accounts } = test;
      const { admin, signedIn } = await withAdmin(test);
      expect(refusal(await accounts.updateUser(admin.id, { disabled: true }, admin)).type).toBe('forbidden');
      expect(refusal(await accounts.updateUser(admin.id, { role: 'viewer' }, admin)).type).toBe('forbidden');
      expect(refusal(await accounts.updateUser(admin.id, { disabled: true }, OPERATOR))).toEqual({
        type: 'conflict',
        reason: 'last_admin',
        message: 'the workspace would have no active admin left: make another user admin first',
      });
      expect(refusal(await accounts.updateUser(admin.id, { role: 'marketer' }, OPERATOR)).type).toBe(
        'conflict',
      );
      expect(await accounts.authenticateSession(signedIn.token)).not.toBeNull();

      const bob = await createUser(test, { name: 'bob', role: 'admin' }, admin);
      // A disabled admin does not count.
      value(await accounts.updateUser(bob.id, { disabled: true }, admin));
      expect(refusal(await accounts.updateUser(admin.id, { role: 'viewer' }, OPERATOR)).type).toBe(
        'conflict',
      );
      value(await accounts.updateUser(bob.id, { disabled: false }, admin));
      value(await accounts.updateUser(admin.id, { role: 'viewer' }, userPrincipal(bob)));
      expect(refusal(await accounts.updateUser(bob.id, { role: 'viewer' }, OPERATOR)).type).toBe('conflict');
      expect(
        (await accounts.listUsers()).filter((user) => user.role === 'admin').map((user) => user.name),
      ).toEqual(['bob']);
    });

    it('records every change in the audit log, without hashes or secrets, and verifies the chain', async () => {
      await using test = await opened(adapter);
      const { accounts, app } = test;
      const setupToken = await accounts.issueSetupToken();
      if (setupToken === null) throw new Error('no setup token');
      const signedIn: SignedIn = value(
        await accounts.completeSetup({ token: setupToken, name: 'root', password: ADMIN_PASSWORD }),
      );
      const admin = userPrincipal(signedIn.user);
      const ann = await createUser(test, { name: 'ann', role: 'marketer' }, admin);
      const session = value(await accounts.login({ name: 'ann', password: PASSWORD }));
      value(await accounts.updateUser(ann.id, { role: 'analyst', password: 'a brand new password' }, admin));
      const { key, secret } = value(await accounts.createApiKey({ name: 'loader', scope: 'ingest' }, admin));
      value(await accounts.revokeApiKey(key.id, OPERATOR));

      const entries = await app.audit.list({ limit: 100 });
      expect(entries.map((entry) => [entry.seq, entry.actor, entry.action])).toEqual([
        [6, 'cli:root', 'key.revoke'],
        [5, 'root', 'key.create'],
        [4, 'root', 'user.password'],
        [3, 'root', 'user.update'],
        [2, 'root', 'user.create'],
        [1, 'root', 'setup.complete'],
      ]);
      expect(entries.find((entry) => entry.action === 'user.update')).toMatchObject({
        target: { type: 'user', id: ann.id },
        before: { name: 'ann', role: 'marketer' },
        after: { name: 'ann', role: 'analyst' },
      });
      expect(entries[0]).toMatchObject({ before: { revoked: false }, after: { id: key.id, revoked: true } });

      const hashes = await Promise.all(
        ['root', 'ann'].map(
          async (name) => (await test.store.accounts.findUserByName(name))?.passwordHash ?? '',
        ),
      );
      const json = JSON.stringify(entries);
      for (const hidden of [
        ...hashes,
        ADMIN_PASSWORD,
        PASSWORD,
        'a brand new password',
        secret,
        sha256(secret),
        setupToken,
        sha256(setupToken),
        signedIn.token,
        sha256(signedIn.token),
        session.token,
        'passwordHash',
        '$argon2id$',
      ]) {
        expect(hidden.length).toBeGreaterThan(5);
        expect(json).not.toContain(hidden);
      }

      expect(await app.audit.list({ limit: 2, beforeSeq: 5, action: 'user.password' })).toMatchObject([
        { seq: 4 },
      ]);
      expect(await app.audit.list({ limit: 100, actor: 'cli:root' })).toHaveLength(1);
      expect(await app.audit.verify()).toMatchObject({ ok: true, entries: 6, lastHash: entries[0]?.hash });
      expect(
        await app.audit.record({
          actor: 'someone',
          action: 'thing.do',
          target: null,
          before: null,
          after: 1,
        }),
      ).toMatchObject({ seq: 7, actor: 'someone', prevHash: entries[0]?.hash, at: START.toISOString() });
    });
  });
}
