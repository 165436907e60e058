import { ContactPolicyUpdate, ContentPreviewInput } from '@opencvm/app';
import { ADAPTER_KINDS, ContactPolicy, OUTBOX_STATUSES } from '@opencvm/core';
import { z } from 'zod';
import { type ApiRouter, jsonBody, principalOf, type RouteDeps } from '../api-route.ts';

/** A contact policy or a content template is a small document. */
export const MAX_SETTINGS_BODY_BYTES = 1024 * 1024;

// Answers, for the OpenAPI document.
const ContactPolicySettings = z.object({
  policy: ContactPolicy,
  source: z
    .enum(['config', 'workspace'])
    .describe('`config`: the workspace config file’s policy; `workspace`: one edited through the API.'),
  version: z.number().int().describe('Counts every change, resets included; 0 before the first.'),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
const ChannelView = z.object({
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
});
const ChannelList = z.object({ items: z.array(ChannelView) });
const SchemaIssue = z.object({ path: z.string(), message: z.string() });
const ContentPreview = z.object({
  customerId: z.string(),
  locale: z.string(),
  rendered: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('The message as a run would queue it; null when the locale’s content has issues.'),
  variables: z.array(
    z.object({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }),
  ),
  issues: z.array(SchemaIssue).describe('Unknown variables and other Liquid problems, with their paths.'),
  sms: z
    .object({
      encoding: z.enum(['GSM-7', 'UCS-2']),
      segments: z.number().int(),
      characters: z.number().int(),
      perSegment: z.number().int(),
    })
    .nullable(),
});

const POLICY_TARGET = { type: 'contact_policy', id: 'workspace' } as const;

/** The contact policy, the delivery channels and content previews. */
export const addSettingsRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;

  const policyBefore = async () => app.settings.contactPolicy();

  router.route(
    {
      method: 'get',
      path: '/v1/contact-policy',
      access: 'settings.read',
      tag: 'Settings',
      summary: 'The contact policy in force: caps per channel and in total, quiet hours',
      responses: {
        200: {
          description: 'The policy, where it comes from and its version.',
          schema: ContactPolicySettings,
        },
      },
    },
    async (c) => c.json(await app.settings.contactPolicy()),
  );

  router.route(
    {
      method: 'put',
      path: '/v1/contact-policy',
      access: 'settings.write',
      tag: 'Settings',
      summary: 'Replace the contact policy; campaign runs started afterwards respect the new one',
      description:
        'The whole policy; with `version` (the one read), a change made meanwhile is refused with 409.',
      body: ContactPolicyUpdate,
      responses: {
        200: { description: 'The policy now in force.', schema: ContactPolicySettings },
        409: { description: 'The policy changed since `version` was read.' },
      },
      maxBodyBytes: MAX_SETTINGS_BODY_BYTES,
      audit: { action: 'contact_policy.update', target: () => POLICY_TARGET, before: policyBefore },
    },
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const updated = await app.settings.updateContactPolicy(body.value, principalOf(c).name);
      return updated.ok ? c.json(updated.value) : refuse(updated.error);
    },
  );

  router.route(
    {
      method: 'delete',
      path: '/v1/contact-policy',
      access: 'settings.write',
      tag: 'Settings',
      summary: 'Go back to the contact policy of the workspace config file',
      responses: { 200: { description: 'The policy now in force.', schema: ContactPolicySettings } },
      audit: { action: 'contact_policy.reset', target: () => POLICY_TARGET, before: policyBefore },
    },
    async (c) => c.json(await app.settings.resetContactPolicy(principalOf(c).name)),
  );

  router.route(
    {
      method: 'get',
      path: '/v1/channels',
      access: 'settings.read',
      tag: 'Settings',
      summary: 'The delivery channels: route, pace, retries and outbox by status; never a credential',
      responses: { 200: { description: 'Every configured channel.', schema: ChannelList } },
    },
    async (c) => c.json({ items: await app.settings.channels() }),
  );

  router.route(
    {
      method: 'post',
      path: '/v1/content:preview',
      access: 'data.read',
      tag: 'Content',
      summary: 'Render message content for one customer, as a campaign run would',
      description:
        'Unknown variables and other Liquid problems come back as `issues` with their paths; for SMS, the encoding, length and segments of the rendered text.',
      body: ContentPreviewInput,
      responses: {
        200: {
          description: 'The rendered content, the variables it uses and its issues.',
          schema: ContentPreview,
        },
        404: { description: 'No such customer, offer or campaign.' },
      },
      maxBodyBytes: MAX_SETTINGS_BODY_BYTES,
    },
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const preview = await app.settings.previewContent(body.value, { masked: principalOf(c).masked });
      return preview.ok ? c.json(preview.value) : refuse(preview.error);
    },
  );
};
