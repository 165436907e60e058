import {
  type AccountStore,
  ApiKeyScope,
  err,
  ok,
  type Result,
  Role,
  type StoredApiKey,
  type StoredSession,
  type StoredUser,
  StoreError,
  type UserUpdate,
} from '@opencvm/core';
import type { SqlExecutor, SqlRow, SqlRunner } from '../sql/sql-executor.ts';
import { SerialQueue } from '../store/serial-queue.ts';

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof StoreError && error.reason === 'unique_violation';

/**
 * Users, sessions, API keys and workspace settings in SQL both engines run. Times are stored as
 * timestamps and read back as ISO strings with milliseconds, the form they are written in.
 */
export class SqlAccountStore implements AccountStore {
  /**
   * DuckDB (one process) fails a transaction that changes a row another one changed, rather than
   * waiting: parallel requests touching one session would fail. Its writes go one at a time.
   */
  private readonly writes = new SerialQueue();

  constructor(private readonly sql: SqlExecutor) {}

  private get dialect() {
    return this.sql.dialect;
  }

  private async write<T>(work: () => Promise<T>): Promise<T> {
    if (!this.dialect.serialWrites) return work();
    const release = await this.writes.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  private get userColumns(): string {
    const { dialect } = this;
    return `id, name, display_name, role, password_hash, ${dialect.isoText('created_at')} AS created_at,
      ${dialect.isoText('updated_at')} AS updated_at, ${dialect.isoText('disabled_at')} AS disabled_at`;
  }

  private get sessionColumns(): string {
    const { dialect } = this;
    return `token_hash, user_id, ${dialect.isoText('created_at')} AS created_at, ${dialect.isoText('expires_at')} AS expires_at,
      ${dialect.isoText('absolute_expires_at')} AS absolute_expires_at, ${dialect.isoText('revoked_at')} AS revoked_at`;
  }

  private get keyColumns(): string {
    const { dialect } = this;
    return `id, name, scope, created_by, ${dialect.isoText('created_at')} AS created_at,
      ${dialect.isoText('last_used_at')} AS last_used_at, ${dialect.isoText('revoked_at')} AS revoked_at`;
  }

  async countUsers(): Promise<number> {
    const [row] = await this.sql.all('SELECT count(*) AS n FROM users');
    return Number(row?.n ?? 0);
  }

  async createUser(user: StoredUser): Promise<Result<StoredUser, 'name_taken'>> {
    try {
      await this.write(() =>
        this.sql.all(
          `INSERT INTO users (id, name, display_name, role, password_hash, created_at, updated_at, disabled_at)
           VALUES ($1, $2, $3, $4, $5, CAST($6 AS TIMESTAMPTZ), CAST($7 AS TIMESTAMPTZ), CAST($8 AS TIMESTAMPTZ))`,
          [
            user.id,
            user.name,
            user.displayName,
            user.role,
            user.passwordHash,
            user.createdAt,
            user.updatedAt,
            user.disabledAt,
          ],
        ),
      );
    } catch (error) {
      // The id is unique too: only a taken name is an expected failure.
      if (isUniqueViolation(error) && (await this.findUserByName(user.name)) !== null) {
        return err('name_taken');
      }
      throw error;
    }
    const stored = await this.getUser(user.id);
    if (stored === null) throw new Error(`user ${user.id} vanished after it was written`);
    return ok(stored);
  }

  private async userWhere(
    runner: SqlRunner,
    column: 'id' | 'name',
    value: string,
  ): Promise<StoredUser | null> {
    const [row] = await runner.all(`SELECT ${this.userColumns} FROM users WHERE ${column} = $1`, [value]);
    return row === undefined ? null : userOf(row);
  }

  getUser(id: string): Promise<StoredUser | null> {
    return this.userWhere(this.sql, 'id', id);
  }

  findUserByName(name: string): Promise<StoredUser | null> {
    return this.userWhere(this.sql, 'name', name);
  }

  async listUsers(): Promise<readonly StoredUser[]> {
    const rows = await this.sql.all(`SELECT ${this.userColumns} FROM users ORDER BY name`);
    return rows.map(userOf);
  }

  async updateUser(id: string, update: UserUpdate): Promise<StoredUser | null> {
    const params: (string | null)[] = [id, update.updatedAt];
    const set = ['updated_at = CAST($2 AS TIMESTAMPTZ)'];
    const assign = (column: string, value: string | null, cast?: string): void => {
      params.push(value);
      const param = `$${params.length}`;
      set.push(`${column} = ${cast === undefined ? param : `CAST(${param} AS ${cast})`}`);
    };
    if (update.displayName !== undefined) assign('display_name', update.displayName);
    if (update.role !== undefined) assign('role', update.role);
    if (update.passwordHash !== undefined) assign('password_hash', update.passwordHash);
    if (update.disabledAt !== undefined) assign('disabled_at', update.disabledAt, 'TIMESTAMPTZ');
    return this.write(() =>
      this.sql.transaction(async (runner) => {
        const changed = await runner.all(
          `UPDATE users SET ${set.join(', ')} WHERE id = $1 RETURNING id`,
          params,
        );
        return changed.length === 0 ? null : this.userWhere(runner, 'id', id);
      }),
    );
  }

  async createSession(session: StoredSession): Promise<void> {
    await this.write(() =>
      this.sql.all(
        `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, absolute_expires_at, revoked_at)
         VALUES ($1, $2, CAST($3 AS TIMESTAMPTZ), CAST($4 AS TIMESTAMPTZ), CAST($5 AS TIMESTAMPTZ), CAST($6 AS TIMESTAMPTZ))`,
        [
          session.tokenHash,
          session.userId,
          session.createdAt,
          session.expiresAt,
          session.absoluteExpiresAt,
          session.revokedAt,
        ],
      ),
    );
  }

  async findSession(
    tokenHash: string,
    now: string,
  ): Promise<{ readonly session: StoredSession; readonly user: StoredUser } | null> {
    const [row] = await this.sql.all(
      `SELECT ${this.sessionColumns} FROM sessions
       WHERE sessions.token_hash = $1 AND sessions.revoked_at IS NULL
         AND sessions.expires_at > CAST($2 AS TIMESTAMPTZ) AND sessions.absolute_expires_at > CAST($2 AS TIMESTAMPTZ)`,
      [tokenHash, now],
    );
    if (row === undefined) return null;
    const session = sessionOf(row);
    const user = await this.getUser(session.userId);
    return user === null ? null : { session, user };
  }

  async touchSession(tokenHash: string, expiresAt: string): Promise<void> {
    await this.write(() =>
      this.sql.all(
        `UPDATE sessions SET expires_at = LEAST(CAST($2 AS TIMESTAMPTZ), absolute_expires_at)
         WHERE token_hash = $1 AND revoked_at IS NULL`,
        [tokenHash, expiresAt],
      ),
    );
  }

  async revokeSession(tokenHash: string, at: string): Promise<void> {
    await this.write(() =>
      this.sql.all(
        'UPDATE sessions SET revoked_at = CAST($2 AS TIMESTAMPTZ) WHERE token_hash = $1 AND revoked_at IS NULL',
        [tokenHash, at],
      ),
    );
  }

  async revokeUserSessions(userId: string, at: string): Promise<number> {
    const revoked = await this.write(() =>
      this.sql.all(
        `UPDATE sessions SET revoked_at = CAST($2 AS TIMESTAMPTZ)
         WHERE user_id = $1 AND revoked_at IS NULL
           AND expires_at > CAST($2 AS TIMESTAMPTZ) AND absolute_expires_at > CAST($2 AS TIMESTAMPTZ)
         RETURNING token_hash`,
        [userId, at],
      ),
    );
    return revoked.length;
  }

  async removeEndedSessions(before: string): Promise<number> {
    const removed = await this.write(() =>
      this.sql.all(
        `DELETE FROM sessions
         WHERE revoked_at < CAST($1 AS TIMESTAMPTZ) OR expires_at < CAST($1 AS TIMESTAMPTZ)
            OR absolute_expires_at < CAST($1 AS TIMESTAMPTZ)
         RETURNING token_hash`,
        [before],
      ),
    );
    return removed.length;
  }

  async createApiKey(
    key: StoredApiKey & { readonly keyHash: string },
  ): Promise<Result<StoredApiKey, 'name_taken'>> {
    let inserted: SqlRow[];
    try {
      // The check and the insert are one statement; on PostgreSQL a partial unique index catches
      // a concurrent insert of the same name, on DuckDB writes go one at a time.
      inserted = await this.write(() =>
        this.sql.all(
          `INSERT INTO api_keys (id, name, key_hash, scope, created_by, created_at, last_used_at, revoked_at)
           SELECT $1, $2, $3, $4, $5, CAST($6 AS TIMESTAMPTZ), CAST($7 AS TIMESTAMPTZ), CAST($8 AS TIMESTAMPTZ)
           WHERE CAST($8 AS TIMESTAMPTZ) IS NOT NULL
              OR NOT EXISTS (SELECT 1 FROM api_keys WHERE name = $2 AND revoked_at IS NULL)
           RETURNING id`,
          [
            key.id,
            key.name,
            key.keyHash,
            key.scope,
            key.createdBy,
            key.createdAt,
            key.lastUsedAt,
            key.revokedAt,
          ],
        ),
      );
    } catch (error) {
      if (isUniqueViolation(error) && (await this.liveKeyNamed(key.name))) return err('name_taken');
      throw error;
    }
    if (inserted.length === 0) return err('name_taken');
    const [row] = await this.sql.all(`SELECT ${this.keyColumns} FROM api_keys WHERE id = $1`, [key.id]);
    if (row === undefined) throw new Error(`API key ${key.id} vanished after it was written`);
    return ok(apiKeyOf(row));
  }

  private async liveKeyNamed(name: string): Promise<boolean> {
    const rows = await this.sql.all('SELECT id FROM api_keys WHERE name = $1 AND revoked_at IS NULL', [name]);
    return rows.length > 0;
  }

  async findApiKey(keyHash: string): Promise<StoredApiKey | null> {
    const [row] = await this.sql.all(
      `SELECT ${this.keyColumns} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    );
    return row === undefined ? null : apiKeyOf(row);
  }

  async listApiKeys(): Promise<readonly StoredApiKey[]> {
    const rows = await this.sql.all(
      `SELECT ${this.keyColumns} FROM api_keys ORDER BY api_keys.created_at DESC, id DESC`,
    );
    return rows.map(apiKeyOf);
  }

  async revokeApiKey(id: string, at: string): Promise<boolean> {
    const revoked = await this.write(() =>
      this.sql.all(
        'UPDATE api_keys SET revoked_at = CAST($2 AS TIMESTAMPTZ) WHERE id = $1 AND revoked_at IS NULL RETURNING id',
        [id, at],
      ),
    );
    return revoked.length > 0;
  }

  async touchApiKey(id: string, at: string): Promise<void> {
    // Only forwards: requests finishing out of order must not move the time back.
    await this.write(() =>
      this.sql.all(
        `UPDATE api_keys SET last_used_at = CAST($2 AS TIMESTAMPTZ)
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < CAST($2 AS TIMESTAMPTZ))`,
        [id, at],
      ),
    );
  }

  async readSetting(name: string): Promise<string | null> {
    const [row] = await this.sql.all('SELECT value FROM workspace_settings WHERE name = $1', [name]);
    return text(row?.value);
  }

  async writeSetting(name: string, value: string | null): Promise<void> {
    await this.write(() =>
      value === null
        ? this.sql.all('DELETE FROM workspace_settings WHERE name = $1', [name])
        : this.sql.all(
            `INSERT INTO workspace_settings (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
            [name, value],
          ),
    );
  }
}

const required = (row: SqlRow, column: string): string => {
  const value = text(row[column]);
  if (value === null) throw new Error(`${column} is empty in a stored row`);
  return value;
};

const userOf = (row: SqlRow): StoredUser => ({
  id: required(row, 'id'),
  name: required(row, 'name'),
  displayName: text(row.display_name),
  role: Role.parse(row.role),
  passwordHash: required(row, 'password_hash'),
  createdAt: required(row, 'created_at'),
  updatedAt: required(row, 'updated_at'),
  disabledAt: text(row.disabled_at),
});

const sessionOf = (row: SqlRow): StoredSession => ({
  tokenHash: required(row, 'token_hash'),
  userId: required(row, 'user_id'),
  createdAt: required(row, 'created_at'),
  expiresAt: required(row, 'expires_at'),
  absoluteExpiresAt: required(row, 'absolute_expires_at'),
  revokedAt: text(row.revoked_at),
});

const apiKeyOf = (row: SqlRow): StoredApiKey => ({
  id: required(row, 'id'),
  name: required(row, 'name'),
  scope: ApiKeyScope.parse(row.scope),
  createdBy: required(row, 'created_by'),
  createdAt: required(row, 'created_at'),
  lastUsedAt: text(row.last_used_at),
  revokedAt: text(row.revoked_at),
});
