import type { Result } from '../result.ts';
import type { ApiKeyScope, Role } from './access.ts';

export interface StoredUser {
  readonly id: string;
  /** The login name: unique, lower case. */
  readonly name: string;
  readonly displayName: string | null;
  readonly role: Role;
  /** An argon2id hash in PHC string form; never leaves the application. */
  readonly passwordHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly disabledAt: string | null;
}

export interface UserUpdate {
  readonly displayName?: string | null;
  readonly role?: Role;
  readonly passwordHash?: string;
  readonly disabledAt?: string | null;
  readonly updatedAt: string;
}

export interface StoredSession {
  /** SHA-256 (hex) of the session token; the token itself is only in the user's cookie. */
  readonly tokenHash: string;
  readonly userId: string;
  readonly createdAt: string;
  /** Idle expiry, moved forward as the session is used (never past `absoluteExpiresAt`). */
  readonly expiresAt: string;
  readonly absoluteExpiresAt: string;
  readonly revokedAt: string | null;
}

export interface StoredApiKey {
  readonly id: string;
  /** Unique among keys that are not revoked. */
  readonly name: string;
  readonly scope: ApiKeyScope;
  /** The user id of the admin who made it. */
  readonly createdBy: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface AccountStore {
  countUsers(): Promise<number>;
  /** `name_taken` when a user of that name exists (disabled or not). */
  createUser(user: StoredUser): Promise<Result<StoredUser, 'name_taken'>>;
  getUser(id: string): Promise<StoredUser | null>;
  findUserByName(name: string): Promise<StoredUser | null>;
  /** By name. */
  listUsers(): Promise<readonly StoredUser[]>;
  /** The user after the change; null when there is no such user. */
  updateUser(id: string, update: UserUpdate): Promise<StoredUser | null>;

  createSession(session: StoredSession): Promise<void>;
  /** A session that is not revoked and not expired at `now`, with its user. */
  findSession(
    tokenHash: string,
    now: string,
  ): Promise<{ readonly session: StoredSession; readonly user: StoredUser } | null>;
  /** Moves the idle expiry. */
  touchSession(tokenHash: string, expiresAt: string): Promise<void>;
  revokeSession(tokenHash: string, at: string): Promise<void>;
  /** Every live session of a user (password change, disabling, role change); returns how many. */
  revokeUserSessions(userId: string, at: string): Promise<number>;
  /** Deletes sessions that ended (revoked or expired) before `before`; returns how many. */
  removeEndedSessions(before: string): Promise<number>;

  /** `name_taken` when a key of that name is not revoked. */
  createApiKey(key: StoredApiKey & { readonly keyHash: string }): Promise<Result<StoredApiKey, 'name_taken'>>;
  /** A key that is not revoked, by the SHA-256 (hex) of its secret. */
  findApiKey(keyHash: string): Promise<StoredApiKey | null>;
  /** By creation, newest first; revoked ones too. */
  listApiKeys(): Promise<readonly StoredApiKey[]>;
  /** False when there is no such key or it was revoked already. */
  revokeApiKey(id: string, at: string): Promise<boolean>;
  touchApiKey(id: string, at: string): Promise<void>;

  /** A workspace-level secret or marker (the first-start setup token's hash); null when unset. */
  readSetting(name: string): Promise<string | null>;
  /** Sets, or with null removes, a setting. */
  writeSetting(name: string, value: string | null): Promise<void>;
}
