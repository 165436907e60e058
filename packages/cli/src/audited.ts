import type { App } from '@opencvm/app';
import {
  type AuditTarget,
  can,
  type ImportKind,
  type ImportRun,
  type Permission,
  userPrincipal,
} from '@opencvm/core';
import { EXIT, fail } from './errors.ts';

/** One change as the audit log keeps it; the HTTP routes' guard writes the same shape. */
export interface Change {
  /** `<thing>.<verb>`, named as the HTTP route of the same change names it. */
  readonly action: string;
  readonly target: AuditTarget | null;
  /** The thing as read before the change; null when it is created. */
  readonly before: unknown;
  /** The thing after the change; null when it is deleted. */
  readonly after: unknown;
}

/** Who makes a change at the command line. */
export interface Acting {
  /** The name the use case records (author, submitter, approver): the `--as` user, else the login. */
  readonly name: string;
  /**
   * The audit log's actor: `cli:<login>` for the operator, `cli:<login> as <user>` for a user
   * checked against the workspace's accounts, `cli:<login> as <name> (unchecked)` while the
   * workspace has no users to check a name against.
   */
  readonly actor: string;
  /** Records one change that succeeded. */
  record(change: Change): Promise<void>;
}

export interface CliActors {
  /** The operator at the command line, for commands that name no user. */
  operator(app: App): Acting;
  /**
   * The user named with `--as`, who must exist, be active and hold `permission` once the
   * workspace has users; without `--as` (undefined), the operator. Stops the command (exit 2)
   * otherwise, before anything changes.
   */
  acting(
    app: App,
    options: { readonly as: string | undefined; readonly permission: Permission },
  ): Promise<Acting>;
}

/** What `--as` means, for every command that takes it. */
export const AS_HELP =
  'the user who acts: an active user whose role may do this (default: the OS login); ' +
  'any name while the workspace has no users';

/** `--as` on commands where naming a user is optional: without it the operator acts. */
export const OPTIONAL_AS_HELP =
  'record the change as made by this user (an active user whose role may do this)';

const PERMISSION_WORDS: Readonly<Partial<Record<Permission, string>>> = {
  'segments.write': 'change segments, lists and features',
  'offers.write': 'change offers',
  'campaigns.write': 'create, change, delete or submit campaigns',
  'campaigns.approve': 'approve, reject, start, stop, complete or run campaigns',
  'settings.write': 'change settings such as the universal control group',
};

export const cliActors = (deps: {
  /** The OS login of whoever runs `cvm`. */
  readonly login: string;
}): CliActors => {
  const { login } = deps;

  const actingAs = (app: App, name: string, actor: string): Acting => ({
    name,
    actor,
    record: async (change) => {
      try {
        await app.audit.record({ actor, ...change });
      } catch (error) {
        // The change is made and stays made; whoever scripted it must still learn it went unrecorded.
        fail(
          `the change was made, but its audit entry (${change.action}) could not be written: ${error instanceof Error ? error.message : String(error)}`,
          EXIT.refused,
        );
      }
    },
  });

  const operator = (app: App): Acting => actingAs(app, login, `cli:${login}`);

  return {
    operator,
    acting: async (app, { as, permission }) => {
      if (as === undefined) return operator(app);
      const users = await app.accounts.listUsers();
      // A workspace driven only by the CLI has no accounts yet: the name is taken as given.
      if (users.length === 0)
        return actingAs(app, as, as === login ? `cli:${login}` : `cli:${login} as ${as} (unchecked)`);
      const user = users.find((candidate) => candidate.name === as);
      if (user === undefined)
        return fail(`--as ${as}: no user named "${as}" (see cvm users list)`, EXIT.usage);
      if (user.disabled) return fail(`--as ${as}: user "${as}" is disabled`, EXIT.usage);
      if (!can(userPrincipal(user), permission))
        return fail(
          `--as ${as}: user "${as}" (${user.role}) may not ${PERMISSION_WORDS[permission] ?? 'do this'}: that needs the permission ${permission}`,
          EXIT.usage,
        );
      return actingAs(app, user.name, `cli:${login} as ${user.name}`);
    },
  };
};

/** An import as audited: the run with its counts, which is what the batch API's entry shows. */
export const importChange = (kind: ImportKind, run: ImportRun): Change => ({
  action: `import.${kind}`,
  target: { type: 'import', id: run.id },
  before: null,
  after: run,
});
