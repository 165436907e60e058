import { z } from 'zod';
import { ContactPolicy } from '../campaigns/contact-policy.ts';
import { ADAPTER_KINDS } from '../delivery/channels.ts';
import { OUTBOX_STATUSES } from '../delivery/port.ts';
import { endpoint, named } from './endpoint.ts';

/** The contact policy, the delivery channels and content previews over HTTP. */

export const ContactPolicySettings = named(
  z.object({
    policy: ContactPolicy,
    source: z
      .enum(['config', 'workspace'])
      .describe('`config`: the workspace config file’s policy; `workspace`: one edited through the API.'),
    version: z.number().int().describe('Counts every change, resets included; 0 before the first.'),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
  }),
  'ContactPolicySettings',
);

export const ChannelView = named(
  z.object({
    channel: z.string(),
    route: z
      .object({
        adapter: z.enum(ADAPTER_KINDS),
        ratePerSecond: z.number(),
        concurrency: z.number().int(),
        maxAttempts: z.number().int(),
        retryBaseSeconds: z.number(),
        retryMaxSeconds: z.number(),
        sendTimeoutSeconds: z.number(),
        options: z
          .record(z.string(), z.unknown())
          .describe('The adapter’s options without credentials; URLs reduced to their origin.'),
        credentials: z
          .record(z.string(), z.literal('configured'))
          .describe('Each credential the options hold, by path; never its value.'),
      })
      .nullable()
      .describe('null: the outbox holds messages for a channel the config routes nowhere.'),
    outbox: z
      .record(z.string(), z.number().int())
      .describe(`Outbox rows over every run by status: ${OUTBOX_STATUSES.join(', ')}.`),
  }),
  'ChannelView',
);

const PreviewIssue = z.object({ path: z.string(), message: z.string() });

export const ContentPreview = named(
  z.object({
    customerId: z.string(),
    locale: z.string(),
    rendered: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('The message as a run would queue it; null when the locale’s content has issues.'),
    variables: z.array(
      z.object({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }),
    ),
    issues: z.array(PreviewIssue).describe('Unknown variables and other Liquid problems, with their paths.'),
    sms: z
      .object({
        encoding: z.enum(['GSM-7', 'UCS-2']),
        segments: z.number().int(),
        characters: z.number().int(),
        perSegment: z.number().int(),
      })
      .nullable(),
  }),
  'ContentPreview',
);

export const settingsApi = {
  contactPolicy: endpoint({ method: 'get', path: '/v1/contact-policy', response: ContactPolicySettings }),
  /** The body is the use case's `ContactPolicyUpdate`: the whole policy and the version read. */
  updateContactPolicy: endpoint({
    method: 'put',
    path: '/v1/contact-policy',
    acceptsDrafts: true,
    response: ContactPolicySettings,
  }),
  resetContactPolicy: endpoint({
    method: 'delete',
    path: '/v1/contact-policy',
    response: ContactPolicySettings,
  }),
  /** The body is the use case's `ContentPreviewInput`: a customer and the content to render. */
  previewContent: endpoint({
    method: 'post',
    path: '/v1/content:preview',
    acceptsDrafts: true,
    response: ContentPreview,
  }),
  channels: endpoint({
    method: 'get',
    path: '/v1/channels',
    response: z.object({ items: z.array(ChannelView) }),
  }),
};
