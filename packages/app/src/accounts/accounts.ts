import type {
  ApiErrorReason,
  ApiKeyScope,
  AuditEntry,
  AuditQuery,
  AuditTarget,
  AuditVerification,
  Principal,
  Result,
  Role,
  SchemaIssue,
} from '@opencvm/core';

/** A user as the API and CLI show it: never the password hash. */
export interface PublicUser {
  readonly id: string;
  readonly name: string;
  readonly displayName: string | null;
  readonly role: Role;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly disabled: boolean;
}

/** An API key as listed: never its secret nor its hash. */
export interface PublicApiKey {
  readonly id: string;
  readonly name: string;
  readonly scope: ApiKeyScope;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revoked: boolean;
}

export type AccountError =
  | { readonly type: 'invalid_input'; readonly issues: readonly SchemaIssue[] }
  | { readonly type: 'not_found'; readonly message: string }
  | { readonly type: 'conflict'; readonly reason: ApiErrorReason; readonly message: string }
  /** Wrong name or password, disabled user, used or wrong setup token: one message for all. */
  | { readonly type: 'unauthenticated'; readonly reason: ApiErrorReason; readonly message: string }
  | { readonly type: 'forbidden'; readonly reason: ApiErrorReason; readonly message: string };

export interface SignedIn {
  /** Goes into the httpOnly session cookie; stored only as its SHA-256. */
  readonly token: string;
  /** Sent back by the UI in `x-csrf-token` on every change; derived from the token. */
  readonly csrfToken: string;
  readonly user: PublicUser;
  readonly expiresAt: string;
}

export interface SessionCaller {
  readonly principal: Principal;
  readonly user: PublicUser;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

/** Users, sessions and API keys. Every change takes the principal who makes it. */
export interface AccountService {
  /** True while no user exists: the first start waits for setup. */
  setupRequired(): Promise<boolean>;
  /**
   * When no user exists: a new one-time setup token (only its hash is stored; a new call
   * replaces the old token). Null once a user exists.
   */
  issueSetupToken(): Promise<string | null>;
  /** Creates the first admin with the setup token, which then stops working, and signs them in. */
  completeSetup(input: unknown): Promise<Result<SignedIn, AccountError>>;

  login(input: unknown): Promise<Result<SignedIn, AccountError>>;
  /** Ends the session at once; unknown tokens are ignored. */
  logout(token: string): Promise<void>;
  /** The caller of a session cookie's token, or null (unknown, expired, revoked, user disabled). */
  authenticateSession(token: string): Promise<SessionCaller | null>;
  /** The caller of an API key's secret (`cvm_…`), or null (unknown or revoked). */
  authenticateKey(secret: string): Promise<Principal | null>;

  createUser(input: unknown, by: Principal): Promise<Result<PublicUser, AccountError>>;
  listUsers(): Promise<readonly PublicUser[]>;
  getUser(id: string): Promise<Result<PublicUser, AccountError>>;
  /** Role, display name, password or disabled; a change of role, password or disabling ends the user's sessions. */
  updateUser(id: string, input: unknown, by: Principal): Promise<Result<PublicUser, AccountError>>;
  /** A user changes their own password, giving the current one. */
  changeOwnPassword(input: unknown, by: Principal): Promise<Result<PublicUser, AccountError>>;

  /** The secret is returned here once and never again. */
  createApiKey(
    input: unknown,
    by: Principal,
  ): Promise<Result<{ readonly key: PublicApiKey; readonly secret: string }, AccountError>>;
  listApiKeys(): Promise<readonly PublicApiKey[]>;
  revokeApiKey(id: string, by: Principal): Promise<Result<PublicApiKey, AccountError>>;
}

/** The audit log as the application writes and reads it. */
export interface AuditService {
  record(entry: {
    readonly actor: Principal | string;
    readonly action: string;
    readonly target: AuditTarget | null;
    readonly before: unknown;
    readonly after: unknown;
  }): Promise<AuditEntry>;
  list(query: AuditQuery): Promise<readonly AuditEntry[]>;
  verify(): Promise<AuditVerification>;
}
