import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { TEST_SCHEMA_INPUT, tempDir } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/program.ts';

const CVM = resolve(import.meta.dirname, '../bin/cvm.js');
const PASSWORD = 'a long enough password';
const ACTOR = `cli:${userInfo().username}`;

const buffer = () => {
  let text = '';
  return {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
  };
};

const envOf = (dir: string) => ({ CVM_SCHEMA: join(dir, 'schema.json'), CVM_DATA_DIR: join(dir, 'data') });

/** Runs `cvm` in this process; `stdin` stands in for the process's standard input when given. */
const cli = async (dir: string, argv: string[], stdin?: string) => {
  const stdout = buffer();
  const stderr = buffer();
  const original = Object.getOwnPropertyDescriptor(process, 'stdin');
  if (stdin !== undefined)
    Object.defineProperty(process, 'stdin', { value: Readable.from([stdin]), configurable: true });
  try {
    const code = await runCli(argv, {
      clock: () => new Date('2026-01-15T10:00:00Z'),
      stdout,
      stderr,
      env: envOf(dir),
      cwd: dir,
    });
    return { code, out: stdout.text, err: stderr.text };
  } finally {
    if (stdin !== undefined && original !== undefined) Object.defineProperty(process, 'stdin', original);
  }
};

const workspace = () => {
  const dir = tempDir();
  writeFileSync(join(dir.path, 'schema.json'), JSON.stringify(TEST_SCHEMA_INPUT));
  return dir;
};

describe('cvm users, keys and audit', () => {
  it('creates, lists and updates users, keeping an active admin', async () => {
    using dir = workspace();
    const path = dir.path;
    expect(await cli(path, ['users', 'list'])).toMatchObject({ code: 0, out: 'no users yet\n' });
    expect(
      await cli(path, ['users', 'create', 'root', '--admin', '--password-stdin'], `${PASSWORD}\n`),
    ).toEqual({
      code: 0,
      out: 'created user root (admin)\n',
      err: '',
    });
    expect(
      await cli(
        path,
        ['users', 'create', 'ann', '--role', 'marketer', '--display-name', 'Ann Smith', '--password-stdin'],
        PASSWORD,
      ),
    ).toMatchObject({ code: 0, out: 'created user ann (marketer)\n' });

    expect(await cli(path, ['users', 'create', 'bob', '--password-stdin'], PASSWORD)).toMatchObject({
      code: 2,
      err: 'error: give the role: --role <role> or --admin\n',
    });
    expect(await cli(path, ['users', 'create', 'bob', '--role', 'admin'])).toMatchObject({
      code: 2,
      err: 'error: no terminal to ask for the password on: pipe it in with --password-stdin\n',
    });
    expect(
      await cli(path, ['users', 'create', 'bob', '--role', 'viewer', '--password-stdin'], 'short\n'),
    ).toMatchObject({ code: 2, err: 'error: password: must be at least 12 characters\n' });
    expect(
      (await cli(path, ['users', 'create', 'bob', '--role', 'owner', '--password-stdin'], PASSWORD)).code,
    ).toBe(2);
    expect(
      await cli(path, ['users', 'create', 'ann', '--role', 'viewer', '--password-stdin'], PASSWORD),
    ).toMatchObject({ code: 1, err: 'error: a user named "ann" exists already\n' });

    const listed = await cli(path, ['users', 'list']);
    expect(listed.out.split('\n')).toEqual([
      expect.stringMatching(/^name\s+role\s+status\s+created\s+display name$/),
      expect.stringMatching(/^ann\s+marketer\s+active\s+2026-01-15T10:00:00.000Z\s+Ann Smith$/),
      expect.stringMatching(/^root\s+admin\s+active\s+2026-01-15T10:00:00.000Z$/),
      '',
    ]);
    const users: unknown = JSON.parse((await cli(path, ['users', 'list', '--json'])).out);
    expect(users).toMatchObject([{ name: 'ann', role: 'marketer', disabled: false }, { name: 'root' }]);
    expect(JSON.stringify(users)).not.toMatch(/argon2|password/i);

    expect(await cli(path, ['users', 'update', 'ann', '--role', 'approver'])).toMatchObject({
      code: 0,
      out: 'updated user ann; their sessions were ended\n',
    });
    expect(await cli(path, ['users', 'update', 'ann', '--display-name', 'Ann'])).toMatchObject({
      code: 0,
      out: 'updated user ann\n',
    });
    expect((await cli(path, ['users', 'update', 'ann', '--disable'])).code).toBe(0);
    expect((await cli(path, ['users', 'list'])).out).toMatch(/ann\s+approver\s+disabled/);
    expect(
      (await cli(path, ['users', 'update', 'ann', '--enable', '--password-stdin'], 'another password!')).code,
    ).toBe(0);
    expect((await cli(path, ['users', 'update', 'ann', '--enable', '--disable'])).code).toBe(2);
    expect(await cli(path, ['users', 'update', 'ann'])).toMatchObject({ code: 2, err: /nothing to change/ });
    expect(await cli(path, ['users', 'update', 'nobody', '--role', 'viewer'])).toMatchObject({
      code: 1,
      err: 'error: no user named "nobody"\n',
    });
    expect(await cli(path, ['users', 'update', 'root', '--role', 'viewer'])).toMatchObject({
      code: 1,
      err: 'error: the workspace would have no active admin left: make another user admin first\n',
    });
  });

  it('shows a key secret once, lists keys without it and revokes them', async () => {
    using dir = workspace();
    const path = dir.path;
    const created = await cli(path, ['keys', 'create', 'loader', '--scope', 'ingest']);
    expect(created.code).toBe(0);
    const [summary, secret, warning] = created.out.split('\n');
    const id = /^created API key loader \(ingest\), id (\S+)$/.exec(summary ?? '')?.[1] ?? '';
    expect(id).not.toBe('');
    expect(secret).toMatch(/^cvm_[A-Za-z0-9_-]{43}$/);
    expect(warning).toMatch(/shown only once/);
    expect((await cli(path, ['keys', 'create', 'loader', '--scope', 'read'])).code).toBe(1);
    expect((await cli(path, ['keys', 'create', 'other'])).code).toBe(2);
    expect((await cli(path, ['keys', 'create', 'other', '--scope', 'admin'])).code).toBe(2);

    const listed = await cli(path, ['keys', 'list']);
    expect(listed.out).toMatch(/^id\s+name\s+scope\s+status\s+created\s+last used\s+created by\n/);
    expect(listed.out).toContain(id);
    expect(listed.out).toMatch(
      new RegExp(`loader\\s+ingest\\s+active\\s+2026-01-15T10:00:00.000Z\\s+never\\s+${ACTOR}`),
    );
    const json = (await cli(path, ['keys', 'list', '--json'])).out;
    expect(JSON.parse(json)).toMatchObject([{ id, name: 'loader', scope: 'ingest', revoked: false }]);
    expect(json).not.toContain(secret?.slice(4));

    expect(await cli(path, ['keys', 'revoke', id])).toMatchObject({
      code: 0,
      out: `revoked API key loader (${id})\n`,
    });
    expect((await cli(path, ['keys', 'list'])).out).toMatch(/loader\s+ingest\s+revoked/);
    expect(await cli(path, ['keys', 'revoke', id])).toMatchObject({ code: 1, err: /revoked already/ });
    expect((await cli(path, ['keys', 'revoke', 'nope'])).code).toBe(1);
  });

  it('lists the audit log and verifies its chain, naming the first broken entry', async () => {
    using dir = workspace();
    const path = dir.path;
    expect(await cli(path, ['audit', 'list'])).toMatchObject({ code: 0, out: 'no entries\n' });
    expect(await cli(path, ['audit', 'verify'])).toMatchObject({
      code: 0,
      out: /^audit log intact: 0 entries/,
    });
    await cli(path, ['users', 'create', 'root', '--admin', '--password-stdin'], PASSWORD);
    await cli(path, ['users', 'create', 'ann', '--role', 'viewer', '--password-stdin'], PASSWORD);
    await cli(path, ['users', 'update', 'ann', '--role', 'analyst']);
    const created = await cli(path, ['keys', 'create', 'loader', '--scope', 'read']);
    const secret = created.out.split('\n')[1] ?? '';

    const listed = await cli(path, ['audit', 'list']);
    const lines = listed.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^seq\s+at\s+actor\s+action\s+target$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 4))).toEqual([
      ['4', '2026-01-15T10:00:00.000Z', ACTOR, 'key.create'],
      ['3', '2026-01-15T10:00:00.000Z', ACTOR, 'user.update'],
      ['2', '2026-01-15T10:00:00.000Z', ACTOR, 'user.create'],
      ['1', '2026-01-15T10:00:00.000Z', ACTOR, 'user.create'],
    ]);
    expect((await cli(path, ['audit', 'list', '--limit', '1'])).out).toMatch(/\n4\s.*key\.create/);
    expect((await cli(path, ['audit', 'list', '--before-seq', '2'])).out.trimEnd().split('\n')).toHaveLength(
      2,
    );
    const json = (await cli(path, ['audit', 'list', '--action', 'user.update', '--actor', ACTOR, '--json']))
      .out;
    expect(JSON.parse(json)).toMatchObject([
      { seq: 3, before: { name: 'ann', role: 'viewer' }, after: { name: 'ann', role: 'analyst' } },
    ]);
    const all = (await cli(path, ['audit', 'list', '--json'])).out;
    expect(all).not.toContain(secret);
    expect(all).not.toContain('argon2');
    expect((await cli(path, ['audit', 'list', '--limit', '0'])).code).toBe(2);

    expect(await cli(path, ['audit', 'verify'])).toMatchObject({
      code: 0,
      out: /^audit log intact: 4 entries, last hash [0-9a-f]{64}\n$/,
    });

    // Someone with the database file rewrites history.
    const instance = await DuckDBInstance.create(join(path, 'data', 'cvm.duckdb'));
    const connection = await instance.connect();
    await connection.run(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`);
    connection.closeSync();
    instance.closeSync();
    const broken = await cli(path, ['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^error: audit log broken at seq 2: /);
  });

  it('reads the password from the standard input of the real command', () => {
    using dir = workspace();
    const run = (args: string[], input: string) =>
      spawnSync(process.execPath, [CVM, ...args], {
        env: { ...process.env, ...envOf(dir.path) },
        cwd: dir.path,
        input,
        encoding: 'utf8',
      });
    const created = run(['users', 'create', 'root', '--admin', '--password-stdin'], `${PASSWORD}\n`);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('created user root (admin)\n');
    expect(created.status).toBe(0);
    const listed = run(['users', 'list', '--json'], '');
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'root', role: 'admin' }]);
  });
});
