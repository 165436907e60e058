import type { Result, Store, WorkspaceSchema } from '@opencvm/core';
import { type ChannelView, describeChannels } from './channel-settings.ts';
import {
  type ContactPolicyError,
  type ContactPolicySetting,
  type ContactPolicySettings,
  contactPolicySetting,
} from './contact-policy-setting.ts';
import {
  type ContentPreview,
  type ContentPreviewError,
  type ContentPreviewOptions,
  previewContent,
} from './content-preview.ts';

export type SettingsError = ContactPolicyError | ContentPreviewError;

export interface SettingsDeps {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly clock: () => Date;
  /** The contact policy setting campaign runs read too; one over `store.accounts` when not given. */
  readonly contactPolicy?: ContactPolicySetting | undefined;
}

/** Settings use cases: the contact policy in force, the delivery channels, content previews. */
export const settingsService = (deps: SettingsDeps) => {
  const policy =
    deps.contactPolicy ??
    contactPolicySetting({
      settings: deps.store.accounts,
      configured: deps.schema.contactPolicy,
      clock: deps.clock,
    });
  return {
    contactPolicy: (): Promise<ContactPolicySettings> => policy.read(),

    /** Input `{ policy, version? }`: the whole new policy, and the version the editor saw. */
    updateContactPolicy: (
      input: unknown,
      by: string,
    ): Promise<Result<ContactPolicySettings, ContactPolicyError>> => policy.update(input, by),

    resetContactPolicy: (by: string): Promise<ContactPolicySettings> => policy.reset(by),

    /** Every configured channel with its route (no credentials) and its outbox by status. */
    async channels(): Promise<readonly ChannelView[]> {
      return describeChannels(deps.schema.delivery, await deps.store.delivery.outboxStatuses());
    },

    previewContent: (
      input: unknown,
      options?: ContentPreviewOptions,
    ): Promise<Result<ContentPreview, ContentPreviewError>> => previewContent(deps, input, options),
  };
};
export type SettingsService = ReturnType<typeof settingsService>;
