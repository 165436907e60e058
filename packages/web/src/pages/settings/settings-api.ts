import { accountsApi, campaignsApi, settingsApi } from '@opencvm/core';
import type { z } from 'zod';

/** The answers the Settings tabs read: the shared contract's schemas (core/src/api). */

export const UcgSettings = campaignsApi.ucg.response;
export type UcgSettings = z.infer<typeof UcgSettings>;

export const ChannelList = settingsApi.channels.response;
export const ChannelView = ChannelList.shape.items.element;
export type ChannelView = z.infer<typeof ChannelView>;

export const ContactPolicySettings = settingsApi.contactPolicy.response;
export type ContactPolicySettings = z.infer<typeof ContactPolicySettings>;

export const PublicUser = accountsApi.user.response;
export type PublicUser = z.infer<typeof PublicUser>;
export const UserList = accountsApi.users.response;

export const PublicApiKey = accountsApi.revokeApiKey.response;
export type PublicApiKey = z.infer<typeof PublicApiKey>;
export const ApiKeyList = accountsApi.apiKeys.response;
export const CreatedKey = accountsApi.createApiKey.response;
export type CreatedKey = z.infer<typeof CreatedKey>;

export const AuditPage = accountsApi.audit.response;
export type AuditEntry = z.infer<typeof AuditPage>['items'][number];
export const Verification = accountsApi.verifyAudit.response;
export type Verification = z.infer<typeof Verification>;
