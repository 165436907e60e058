import type { accountsApi, campaignsApi, EndpointAnswer, settingsApi } from '@opencvm/core';

/** The answers the Settings tabs read, typed from the shared contract (core/src/api). */

export type UcgSettings = EndpointAnswer<typeof campaignsApi.ucg>;

export type ChannelView = EndpointAnswer<typeof settingsApi.channels>['items'][number];

export type ContactPolicySettings = EndpointAnswer<typeof settingsApi.contactPolicy>;

export type PublicUser = EndpointAnswer<typeof accountsApi.user>;

export type PublicApiKey = EndpointAnswer<typeof accountsApi.revokeApiKey>;
export type CreatedKey = EndpointAnswer<typeof accountsApi.createApiKey>;

export type AuditEntry = EndpointAnswer<typeof accountsApi.audit>['items'][number];
export type Verification = EndpointAnswer<typeof accountsApi.verifyAudit>;
