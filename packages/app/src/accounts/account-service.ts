import { createHash, createHmac, randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import {
  type ApiErrorReason,
  can,
  err,
  keyPrincipal,
  Login,
  MAX_PASSWORD_LENGTH,
  NewApiKey,
  NewUser,
  ok,
  Password,
  type SchemaIssue,
  type Store,
  type StoredApiKey,
  type StoredUser,
  UserChange,
  UserDisplayName,
  UserName,
  type UserUpdate,
  userPrincipal,
  zodIssues,
} from '@opencvm/core';
import { z } from 'zod';
import type {
  AccountError,
  AccountService,
  AuditService,
  PublicApiKey,
  PublicUser,
  SessionCaller,
  SignedIn,
} from './accounts.ts';

export interface AccountDeps {
  readonly store: Store;
  readonly clock: () => Date;
  /** Secure random bytes (tokens, secrets, ids); `crypto.randomBytes` when not given. */
  readonly randomBytes?: ((size: number) => Buffer) | undefined;
  readonly audit: AuditService;
  /** A session unused for this long ends; 12 hours when not given. */
  readonly sessionIdleMinutes?: number | undefined;
  /** A session ends this long after sign-in however much it is used; 7 days when not given. */
  readonly sessionMaxHours?: number | undefined;
}

export const SETUP_TOKEN_SETTING = 'setup_token_hash';
/** The API key secret's visible prefix: lets secret scanners and people recognise one. */
export const API_KEY_PREFIX = 'cvm_';

const WRONG_LOGIN = 'wrong name or password';
const WRONG_SETUP = 'the setup token is wrong or was used already';
const MINUTE = 60_000;
/** 32 random bytes in base64url. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const API_KEY_PATTERN = /^cvm_[A-Za-z0-9_-]{43}$/;
/** Argon2id (the `Algorithm` const enum of `@node-rs/argon2`, which isolated modules cannot read). */
const ARGON2ID = 2;

/**
 * Argon2id of a password nobody uses, with the parameters `hash` uses by default (m=19456, t=2,
 * p=1): verifying against it costs what verifying a real user's password costs.
 */
export const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$ScSp6Fz6XDyPN4uMd+9T2w$j5UYzrfp6fIBkPwlkOTkDR6YsNmeb4GnZeu7cVbQ54k';

const SetupInput = z.strictObject({
  token: z.string({ error: 'must be a string' }).min(1).max(200),
  name: UserName,
  password: Password,
  displayName: UserDisplayName.optional(),
});

const OwnPasswordChange = z.strictObject({
  currentPassword: z.string({ error: 'must be a string' }).min(1).max(MAX_PASSWORD_LENGTH),
  newPassword: Password,
});

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The CSRF token of a session: a function of its token, so nothing more is stored. */
const csrfTokenOf = (token: string): string => createHmac('sha256', token).update('csrf').digest('base64url');

const publicUser = (user: StoredUser): PublicUser => ({
  id: user.id,
  name: user.name,
  displayName: user.displayName,
  role: user.role,
  createdAt: user.createdAt,
  updatedAt: user.updatedAt,
  disabled: user.disabledAt !== null,
});

const publicKey = (key: StoredApiKey): PublicApiKey => ({
  id: key.id,
  name: key.name,
  scope: key.scope,
  createdBy: key.createdBy,
  createdAt: key.createdAt,
  lastUsedAt: key.lastUsedAt,
  revoked: key.revokedAt !== null,
});

const invalid = (issues: readonly SchemaIssue[]) => err<AccountError>({ type: 'invalid_input', issues });

const forbidden = (reason: ApiErrorReason, message: string) =>
  err<AccountError>({ type: 'forbidden', reason, message });
const conflict = (reason: ApiErrorReason, message: string) =>
  err<AccountError>({ type: 'conflict', reason, message });
const notFound = (message: string) => err<AccountError>({ type: 'not_found', message });
const unauthenticated = (reason: ApiErrorReason, message: string) =>
  err<AccountError>({ type: 'unauthenticated', reason, message });

const isActiveAdmin = (user: { readonly role: string; readonly disabledAt: string | null }) =>
  user.role === 'admin' && user.disabledAt === null;

/** Users, sessions, API keys and the first-start setup. */
export const accountService = (deps: AccountDeps): AccountService => {
  const { store, clock, audit } = deps;
  const accounts = store.accounts;
  const random = deps.randomBytes ?? cryptoRandomBytes;
  const idleMs = (deps.sessionIdleMinutes ?? 12 * 60) * MINUTE;
  const maxMs = (deps.sessionMaxHours ?? 7 * 24) * 60 * MINUTE;

  const newToken = (): string => random(32).toString('base64url');
  /** A UUID (version 4) from the injected randomness. */
  const newId = (): string => {
    const bytes = Buffer.from(random(16));
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  };
  const hashPassword = (password: string) => hash(password, { algorithm: ARGON2ID });

  // A login for a name that does not exist verifies against a hash all the same, so the time an
  // answer takes does not tell which names exist.
  const verifyDummy = async (password: string): Promise<void> => {
    await verify(DUMMY_HASH, password);
  };

  const signIn = async (user: StoredUser): Promise<SignedIn> => {
    const now = clock().getTime();
    const token = newToken();
    const absoluteExpiresAt = new Date(now + maxMs).toISOString();
    const expiresAt = new Date(now + Math.min(idleMs, maxMs)).toISOString();
    await accounts.createSession({
      tokenHash: sha256(token),
      userId: user.id,
      createdAt: new Date(now).toISOString(),
      expiresAt,
      absoluteExpiresAt,
      revokedAt: null,
    });
    return { token, csrfToken: csrfTokenOf(token), user: publicUser(user), expiresAt };
  };

  /** Whether the workspace would still have an active admin after `user` became `after`. */
  const keepsAnAdmin = async (user: StoredUser, after: UserUpdate): Promise<boolean> => {
    if (!isActiveAdmin(user)) return true;
    const role = after.role ?? user.role;
    const disabledAt = after.disabledAt === undefined ? user.disabledAt : after.disabledAt;
    if (isActiveAdmin({ role, disabledAt })) return true;
    const users = await accounts.listUsers();
    return users.some((other) => other.id !== user.id && isActiveAdmin(other));
  };

  const findKey = async (id: string): Promise<StoredApiKey | undefined> =>
    (await accounts.listApiKeys()).find((key) => key.id === id);

  return {
    setupRequired: async () => (await accounts.countUsers()) === 0,

    issueSetupToken: async () => {
      if ((await accounts.countUsers()) > 0) return null;
      const token = newToken();
      await accounts.writeSetting(SETUP_TOKEN_SETTING, sha256(token));
      return token;
    },

    completeSetup: async (input) => {
      const parsed = SetupInput.safeParse(input);
      if (!parsed.success) return invalid(zodIssues(parsed.error));
      const { token, name, password, displayName } = parsed.data;
      if ((await accounts.countUsers()) > 0) return unauthenticated('wrong_setup_token', WRONG_SETUP);
      const stored = await accounts.readSetting(SETUP_TOKEN_SETTING);
      const given = Buffer.from(sha256(token), 'hex');
      const expected = Buffer.from(stored ?? '', 'hex');
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
        return unauthenticated('wrong_setup_token', WRONG_SETUP);
      }
      const passwordHash = await hashPassword(password);
      // The token is spent before the admin exists, so that it never works twice.
      await accounts.writeSetting(SETUP_TOKEN_SETTING, null);
      const at = clock().toISOString();
      const created = await accounts.createUser({
        id: newId(),
        name,
        displayName: displayName ?? null,
        role: 'admin',
        passwordHash,
        createdAt: at,
        updatedAt: at,
        disabledAt: null,
      });
      if (!created.ok) return conflict('already_exists', `a user named "${name}" exists already`);
      const user = created.value;
      await audit.record({
        actor: userPrincipal(user),
        action: 'setup.complete',
        target: { type: 'user', id: user.id },
        before: null,
        after: publicUser(user),
      });
      return ok(await signIn(user));
    },

    login: async (input) => {
      const parsed = Login.safeParse(input);
      if (!parsed.success) return invalid(zodIssues(parsed.error));
      const user = await accounts.findUserByName(parsed.data.name.toLowerCase());
      if (user === null) {
        await verifyDummy(parsed.data.password);
        return unauthenticated('wrong_password', WRONG_LOGIN);
      }
      const matches = await verify(user.passwordHash, parsed.data.password);
      if (!matches || user.disabledAt !== null) return unauthenticated('wrong_password', WRONG_LOGIN);
      return ok(await signIn(user));
    },

    logout: async (token) => {
      if (!TOKEN_PATTERN.test(token)) return;
      await accounts.revokeSession(sha256(token), clock().toISOString());
    },

    authenticateSession: async (token): Promise<SessionCaller | null> => {
      if (!TOKEN_PATTERN.test(token)) return null;
      const now = clock().getTime();
      const tokenHash = sha256(token);
      const found = await accounts.findSession(tokenHash, new Date(now).toISOString());
      if (found === null) return null;
      const { session, user } = found;
      const absoluteEnd = Date.parse(session.absoluteExpiresAt);
      const idleEnd = Date.parse(session.expiresAt);
      if (user.disabledAt !== null || session.revokedAt !== null || now >= idleEnd || now >= absoluteEnd) {
        return null;
      }
      // Moving the idle expiry is a write; once a minute is precise enough.
      const movedEnd = Math.min(now + idleMs, absoluteEnd);
      let expiresAt = session.expiresAt;
      if (movedEnd - idleEnd >= MINUTE) {
        expiresAt = new Date(movedEnd).toISOString();
        await accounts.touchSession(tokenHash, expiresAt);
      }
      return {
        principal: userPrincipal(user),
        user: publicUser(user),
        csrfToken: csrfTokenOf(token),
        expiresAt,
      };
    },

    authenticateKey: async (secret) => {
      if (!API_KEY_PATTERN.test(secret)) return null;
      const key = await accounts.findApiKey(sha256(secret));
      if (key === null || key.revokedAt !== null) return null;
      const now = clock();
      if (key.lastUsedAt === null || now.getTime() - Date.parse(key.lastUsedAt) >= MINUTE) {
        await accounts.touchApiKey(key.id, now.toISOString());
      }
      return keyPrincipal(key);
    },

    createUser: async (input, by) => {
      if (!can(by, 'users.manage')) return forbidden('admin_only', 'only an admin may create users');
      const parsed = NewUser.safeParse(input);
      if (!parsed.success) return invalid(zodIssues(parsed.error));
      const { name, displayName, role, password } = parsed.data;
      const at = clock().toISOString();
      const created = await accounts.createUser({
        id: newId(),
        name,
        displayName: displayName ?? null,
        role,
        passwordHash: await hashPassword(password),
        createdAt: at,
        updatedAt: at,
        disabledAt: null,
      });
      if (!created.ok) return conflict('already_exists', `a user named "${name}" exists already`);
      const user = publicUser(created.value);
      await audit.record({
        actor: by,
        action: 'user.create',
        target: { type: 'user', id: user.id },
        before: null,
        after: user,
      });
      return ok(user);
    },

    listUsers: async () => (await accounts.listUsers()).map(publicUser),

    getUser: async (id) => {
      const user = await accounts.getUser(id);
      return user === null ? notFound(`no user with id "${id}"`) : ok(publicUser(user));
    },

    updateUser: async (id, input, by) => {
      if (!can(by, 'users.manage')) return forbidden('admin_only', 'only an admin may change users');
      const parsed = UserChange.safeParse(input);
      if (!parsed.success) return invalid(zodIssues(parsed.error));
      const change = parsed.data;
      const user = await accounts.getUser(id);
      if (user === null) return notFound(`no user with id "${id}"`);
      const now = clock().toISOString();
      const role = change.role !== undefined && change.role !== user.role ? change.role : undefined;
      const displayName =
        change.displayName !== undefined && change.displayName !== user.displayName
          ? change.displayName
          : undefined;
      const roleChanged = role !== undefined;
      const displayNameChanged = displayName !== undefined;
      const disabling = change.disabled === true && user.disabledAt === null;
      const enabling = change.disabled === false && user.disabledAt !== null;
      const update: UserUpdate = {
        updatedAt: now,
        ...(displayName === undefined ? {} : { displayName }),
        ...(role === undefined ? {} : { role }),
        ...(disabling ? { disabledAt: now } : enabling ? { disabledAt: null } : {}),
      };
      const otherChange = displayNameChanged || roleChanged || disabling || enabling;
      if (!otherChange && change.password === undefined) return ok(publicUser(user));
      if (by.kind === 'user' && by.id === user.id && (disabling || (roleChanged && user.role === 'admin'))) {
        return forbidden('own_account', 'an admin cannot disable themselves or give up their own admin role');
      }
      if (!(await keepsAnAdmin(user, update))) {
        return conflict(
          'last_admin',
          'the workspace would have no active admin left: make another user admin first',
        );
      }
      const updated = await accounts.updateUser(id, {
        ...update,
        ...(change.password === undefined ? {} : { passwordHash: await hashPassword(change.password) }),
      });
      if (updated === null) return notFound(`no user with id "${id}"`);
      // A new role, a new password or a disabled account must not keep old sessions alive.
      if (roleChanged || disabling || change.password !== undefined) {
        await accounts.revokeUserSessions(id, now);
      }
      const before = publicUser(user);
      const after = publicUser(updated);
      const target = { type: 'user', id };
      if (otherChange) await audit.record({ actor: by, action: 'user.update', target, before, after });
      if (change.password !== undefined) {
        await audit.record({ actor: by, action: 'user.password', target, before, after });
      }
      return ok(after);
    },

    changeOwnPassword: async (input, by) => {
      if (by.kind !== 'user') return forbidden('user_only', 'only a signed-in user has a password to change');
      const parsed = OwnPasswordChange.safeParse(input);
      if (!parsed.success) return invalid(zodIssues(parsed.error));
      const user = await accounts.getUser(by.id);
      if (user === null || user.disabledAt !== null) return notFound('the signed-in user no longer exists');
      if (!(await verify(user.passwordHash, parsed.data.currentPassword))) {
        return invalid([
          { path: 'currentPassword', message: 'is not your current password', kind: 'wrong_password' },
        ]);
      }
      const now = clock().toISOString();
      const updated = await accounts.updateUser(user.id, {
        passwordHash: await hashPassword(parsed.data.newPassword),
        updatedAt: now,
      });
      if (updated === null) return notFound('the signed-in user no longer exists');
      // Every session ends, this one too: whoever knew the old password is signed out.
      await accounts.revokeUserSessions(user.id, now);
      const after = publicUser(updated);
      await audit.record({
        actor: by,
        action: 'user.password',
        target: { type: 'user', id: user.id },
        before: publicUser(user),
        after,
      });
      return ok(after);
    },

    createApiKey: async (input, by) => {
      if (!can(by, 'users.manage')) return forbidden('admin_only', 'only an admin may create API keys');
      const parsed = NewApiKey.safeParse(input);
      if (!parsed.success) return invalid(zodIssues(parsed.error));
      const secret = `${API_KEY_PREFIX}${newToken()}`;
      const created = await accounts.createApiKey({
        id: newId(),
        name: parsed.data.name,
        scope: parsed.data.scope,
        createdBy: by.id,
        createdAt: clock().toISOString(),
        lastUsedAt: null,
        revokedAt: null,
        keyHash: sha256(secret),
      });
      if (!created.ok)
        return conflict('already_exists', `an API key named "${parsed.data.name}" exists already`);
      const key = publicKey(created.value);
      await audit.record({
        actor: by,
        action: 'key.create',
        target: { type: 'api_key', id: key.id },
        before: null,
        after: key,
      });
      return ok({ key, secret });
    },

    listApiKeys: async () => (await accounts.listApiKeys()).map(publicKey),

    revokeApiKey: async (id, by) => {
      if (!can(by, 'users.manage')) return forbidden('admin_only', 'only an admin may revoke API keys');
      const key = await findKey(id);
      if (key === undefined) return notFound(`no API key with id "${id}"`);
      if (key.revokedAt !== null)
        return conflict('already_revoked', `API key "${key.name}" is revoked already`);
      const at = clock().toISOString();
      if (!(await accounts.revokeApiKey(id, at)))
        return conflict('already_revoked', `API key "${key.name}" is revoked already`);
      const before = publicKey(key);
      const after = { ...before, revoked: true };
      await audit.record({ actor: by, action: 'key.revoke', target: { type: 'api_key', id }, before, after });
      return ok(after);
    },
  };
};
