import { campaignsApi, settingsApi } from '@opencvm/core';
import type { z } from 'zod';

/** The answers the Settings tabs read: the shared contract's schemas (core/src/api). */

export const UcgSettings = campaignsApi.ucg.response;
export type UcgSettings = z.infer<typeof UcgSettings>;

export const ChannelList = settingsApi.channels.response;
export const ChannelView = ChannelList.shape.items.element;
export type ChannelView = z.infer<typeof ChannelView>;

export const ContactPolicySettings = settingsApi.contactPolicy.response;
export type ContactPolicySettings = z.infer<typeof ContactPolicySettings>;
