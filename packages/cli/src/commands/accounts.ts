import type { App, PublicUser } from '@opencvm/app';
import {
  API_KEY_SCOPES,
  type ApiKeyScope,
  operatorPrincipal,
  type Principal,
  ROLES,
  type Role,
} from '@opencvm/core';
import { type Command, Option } from 'commander';
import type { Output } from '../context.ts';
import { EXIT, fail, unwrap } from '../errors.ts';
import { table } from '../table.ts';
import type { CommandDeps } from './command-deps.ts';

/** Whoever runs `cvm` where the store lives can read it all: they act as the operator. */
const cliPrincipal = (login: string): Principal => operatorPrincipal(`cli:${login}`);

/** All of standard input, less the one line break `echo` or a here-string adds. */
const readStdin = async (): Promise<string> => {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
};

/** Reads a line from the terminal without echoing it; null when cancelled with Ctrl-C or Ctrl-D. */
const promptHidden = (question: string, stderr: Output): Promise<string | null> =>
  new Promise((resolve) => {
    const input = process.stdin;
    stderr.write(question);
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.resume();
    let value = '';
    const finish = (answer: string | null) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      stderr.write('\n');
      resolve(answer);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(value);
        if (char === '\u0003' || char === '\u0004') return finish(null);
        value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char;
      }
    };
    input.on('data', onData);
  });

const userLines = (users: readonly PublicUser[]): string[] =>
  table(
    ['name', 'role', 'status', 'created', 'display name'],
    users.map((user) => [
      user.name,
      user.role,
      user.disabled ? 'disabled' : 'active',
      user.createdAt,
      user.displayName ?? '',
    ]),
  );

/** `cvm users` and `cvm keys`: who signs in to the web UI and API, and how machines call it. */
export const registerAccountCommands = (program: Command, deps: CommandDeps): void => {
  const { withApp, out } = deps;
  const stderr = deps.context.stderr;
  const printJson = (value: unknown) => out(JSON.stringify(value, null, 2));

  /** The password from standard input (`--password-stdin`), else asked twice on a terminal. */
  const readPassword = async (fromStdin: boolean): Promise<string> => {
    if (fromStdin) return readStdin();
    if (process.stdin.isTTY !== true) {
      return fail('no terminal to ask for the password on: pipe it in with --password-stdin', EXIT.usage);
    }
    const first = await promptHidden('password: ', stderr);
    if (first === null) return fail('cancelled', EXIT.refused);
    const again = await promptHidden('password again: ', stderr);
    if (again === null) return fail('cancelled', EXIT.refused);
    if (first !== again) return fail('the two passwords differ', EXIT.usage);
    return first;
  };

  const findUser = async (app: App, name: string): Promise<PublicUser> => {
    const user = (await app.accounts.listUsers()).find((candidate) => candidate.name === name);
    return user ?? fail(`no user named "${name}"`, EXIT.refused);
  };

  const users = program.command('users').description('people who sign in to the web UI and API');

  users
    .command('create')
    .description('add a user (the password from --password-stdin, else asked for on the terminal)')
    .argument('<name>', 'login name: lower-case letters, digits or . _ @ -')
    .addOption(new Option('--role <role>', 'what they may do').choices(ROLES))
    .option('--admin', 'the same as --role admin')
    .option('--display-name <text>', 'the name shown in the UI')
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print JSON')
    .action(
      async (
        name: string,
        options: {
          role?: Role;
          admin?: boolean;
          displayName?: string;
          passwordStdin?: boolean;
          json?: boolean;
        },
      ) => {
        if (options.admin && options.role !== undefined && options.role !== 'admin')
          return fail(`--admin and --role ${options.role} contradict each other`, EXIT.usage);
        const role = options.admin ? 'admin' : options.role;
        if (role === undefined) return fail('give the role: --role <role> or --admin', EXIT.usage);
        const password = await readPassword(options.passwordStdin === true);
        await withApp(async (app) => {
          const user = unwrap(
            await app.accounts.createUser(
              {
                name,
                role,
                password,
                ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
              },
              cliPrincipal(deps.login),
            ),
          );
          if (options.json) return printJson(user);
          out(`created user ${user.name} (${user.role})`);
        });
      },
    );

  users
    .command('list')
    .description('every user, disabled ones too')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(async (app) => {
        const list = await app.accounts.listUsers();
        if (options.json) return printJson(list);
        if (list.length === 0) return out('no users yet');
        for (const line of userLines(list)) out(line);
      });
    });

  users
    .command('update')
    .description("change a user's role, display name, password or whether they may sign in")
    .argument('<name>', 'login name')
    .addOption(new Option('--role <role>', 'a new role').choices(ROLES))
    .option('--display-name <text>', 'a new display name')
    .addOption(new Option('--disable', 'stop them signing in (ends their sessions)').conflicts('enable'))
    .option('--enable', 'let a disabled user sign in again')
    .option('--password-stdin', 'read a new password from standard input')
    .option('--json', 'print JSON')
    .action(
      async (
        name: string,
        options: {
          role?: Role;
          displayName?: string;
          disable?: boolean;
          enable?: boolean;
          passwordStdin?: boolean;
          json?: boolean;
        },
      ) => {
        const change = {
          ...(options.role === undefined ? {} : { role: options.role }),
          ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
          ...(options.disable ? { disabled: true } : options.enable ? { disabled: false } : {}),
          ...(options.passwordStdin ? { password: await readStdin() } : {}),
        };
        if (Object.keys(change).length === 0)
          return fail(
            'nothing to change: give --role, --display-name, --disable, --enable or --password-stdin',
            EXIT.usage,
          );
        await withApp(async (app) => {
          const user = await findUser(app, name);
          const updated = unwrap(await app.accounts.updateUser(user.id, change, cliPrincipal(deps.login)));
          if (options.json) return printJson(updated);
          const endsSessions =
            'password' in change ||
            (change.role !== undefined && change.role !== user.role) ||
            options.disable;
          out(`updated user ${updated.name}${endsSessions ? '; their sessions were ended' : ''}`);
        });
      },
    );

  const keys = program.command('keys').description('API keys: how machines call the API');

  keys
    .command('create')
    .description('make an API key; its secret is printed once and cannot be shown again')
    .argument('<name>', 'what the key is for: lower-case letters, digits or . _ -')
    .addOption(
      new Option('--scope <scope>', 'ingest: load data; read: read it; full: everything but users and audit')
        .choices(API_KEY_SCOPES)
        .makeOptionMandatory(),
    )
    .option('--json', 'print JSON')
    .action(async (name: string, options: { scope: ApiKeyScope; json?: boolean }) => {
      await withApp(async (app) => {
        const created = unwrap(
          await app.accounts.createApiKey({ name, scope: options.scope }, cliPrincipal(deps.login)),
        );
        if (options.json) return printJson(created);
        out(`created API key ${created.key.name} (${created.key.scope}), id ${created.key.id}`);
        out(created.secret);
        out(
          'copy the secret now: it is shown only once and cannot be recovered (revoke the key and make another)',
        );
      });
    });

  keys
    .command('list')
    .description('every API key, revoked ones too (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(async (app) => {
        const list = await app.accounts.listApiKeys();
        if (options.json) return printJson(list);
        if (list.length === 0) return out('no API keys');
        const names = new Map((await app.accounts.listUsers()).map((user) => [user.id, user.name]));
        for (const line of table(
          ['id', 'name', 'scope', 'status', 'created', 'last used', 'created by'],
          list.map((key) => [
            key.id,
            key.name,
            key.scope,
            key.revoked ? 'revoked' : 'active',
            key.createdAt,
            key.lastUsedAt ?? 'never',
            names.get(key.createdBy) ?? key.createdBy,
          ]),
        ))
          out(line);
      });
    });

  keys
    .command('revoke')
    .description('stop an API key working, at once')
    .argument('<id>', 'the key id (see `cvm keys list`)')
    .action(async (id: string) => {
      await withApp(async (app) => {
        const key = unwrap(await app.accounts.revokeApiKey(id, cliPrincipal(deps.login)));
        out(`revoked API key ${key.name} (${key.id})`);
      });
    });
};
