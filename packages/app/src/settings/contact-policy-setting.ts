import {
  type AccountStore,
  ContactPolicy,
  err,
  ok,
  type Result,
  type SchemaIssue,
  zodIssues,
} from '@opencvm/core';
import { z } from 'zod';

/**
 * The contact policy in force: the workspace config's (`contactPolicy` of the schema) until
 * someone edits it, then the edited one, stored as the workspace setting `contact_policy`. A reset
 * stores a marker rather than deleting the setting, so the version keeps counting up: an editor
 * who saw an earlier version can never mistake a later state for the one they saw.
 */

export const CONTACT_POLICY_SETTING = 'contact_policy';

/** The generic workspace setting accessor this needs of the store. */
export type WorkspaceSettings = Pick<AccountStore, 'readSetting' | 'writeSetting'>;

/** The stored setting; `policy` null after a reset (the config's is in force). */
const StoredContactPolicy = z.strictObject({
  version: z.number().int().min(1),
  policy: ContactPolicy.nullable(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
type StoredContactPolicy = z.infer<typeof StoredContactPolicy>;

export interface ContactPolicySettings {
  readonly policy: ContactPolicy;
  /** `config`: the workspace config file's policy; `workspace`: one edited at run time. */
  readonly source: 'config' | 'workspace';
  /** Counts every change, resets included; 0 before the first. */
  readonly version: number;
  /** The last change (an update or a reset); null before the first. */
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

/** `version`, when given, must be the one the editor saw: a change made since is a conflict. */
export const ContactPolicyUpdate = z.strictObject({
  policy: ContactPolicy,
  version: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0).optional(),
});
export type ContactPolicyUpdate = z.input<typeof ContactPolicyUpdate>;

export type ContactPolicyError =
  | { readonly type: 'invalid_input'; readonly issues: readonly SchemaIssue[] }
  | { readonly type: 'conflict'; readonly reason: 'stale_version'; readonly message: string };

export interface ContactPolicySettingDeps {
  readonly settings: WorkspaceSettings;
  /** The workspace config's policy: in force until one is stored, and again after a reset. */
  readonly configured: ContactPolicy;
  readonly clock: () => Date;
}

const readStored = async (settings: WorkspaceSettings): Promise<StoredContactPolicy | null> => {
  const text = await settings.readSetting(CONTACT_POLICY_SETTING);
  if (text === null) return null;
  const parsed = StoredContactPolicy.safeParse(JSON.parse(text));
  // Running campaigns on the config's policy instead of a damaged stored one could break caps.
  if (!parsed.success) {
    throw new Error(
      `the stored ${CONTACT_POLICY_SETTING} setting is not a contact policy: ${zodIssues(parsed.error)
        .map((issue) => `${issue.path}: ${issue.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
};

export const contactPolicySetting = (deps: ContactPolicySettingDeps) => {
  const read = async (): Promise<ContactPolicySettings> => {
    const stored = await readStored(deps.settings);
    return {
      policy: stored?.policy ?? deps.configured,
      source: stored === null || stored.policy === null ? 'config' : 'workspace',
      version: stored?.version ?? 0,
      updatedAt: stored?.updatedAt ?? null,
      updatedBy: stored?.updatedBy ?? null,
    };
  };

  // The setting accessor has no compare-and-set, so the version check and the write are made one
  // step by running changes one at a time (one server process owns a workspace's settings).
  let changes: Promise<unknown> = Promise.resolve();
  const serially = <T>(change: () => Promise<T>): Promise<T> => {
    const next = changes.then(change, change);
    changes = next.catch(() => undefined);
    return next;
  };

  const write = async (
    current: ContactPolicySettings,
    policy: ContactPolicy | null,
    by: string,
  ): Promise<ContactPolicySettings> => {
    const stored: StoredContactPolicy = {
      version: current.version + 1,
      policy,
      updatedAt: deps.clock().toISOString(),
      updatedBy: by,
    };
    await deps.settings.writeSetting(CONTACT_POLICY_SETTING, JSON.stringify(stored));
    return read();
  };

  return {
    read,
    /** The policy a campaign run starting now must respect. */
    current: async (): Promise<ContactPolicy> => (await read()).policy,

    update: (input: unknown, by: string): Promise<Result<ContactPolicySettings, ContactPolicyError>> =>
      serially(async () => {
        const parsed = ContactPolicyUpdate.safeParse(input);
        if (!parsed.success) return err({ type: 'invalid_input', issues: zodIssues(parsed.error) });
        const current = await read();
        const { version } = parsed.data;
        if (version !== undefined && version !== current.version) {
          return err({
            type: 'conflict',
            reason: 'stale_version',
            message: `the contact policy is at version ${current.version}, not ${version}: it changed since it was read`,
          });
        }
        return ok(await write(current, parsed.data.policy, by));
      }),

    /** Back to the config's policy; nothing changes when it is already in force. */
    reset: (by: string): Promise<ContactPolicySettings> =>
      serially(async () => {
        const current = await read();
        return current.source === 'config' ? current : write(current, null, by);
      }),
  };
};
export type ContactPolicySetting = ReturnType<typeof contactPolicySetting>;
