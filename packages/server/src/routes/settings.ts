import { ContactPolicyUpdate, ContentPreviewInput } from '@opencvm/app';
import { settingsApi } from '@opencvm/core';
import { type ApiRouter, endpointRoute, jsonBody, principalOf, type RouteDeps, reply } from '../api-route.ts';

/** A contact policy or a content template is a small document. */
export const MAX_SETTINGS_BODY_BYTES = 1024 * 1024;

const POLICY_TARGET = { type: 'contact_policy', id: 'workspace' } as const;

/** The contact policy, the delivery channels and content previews. */
export const addSettingsRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;

  const policyBefore = async () => app.settings.contactPolicy();

  router.route(
    endpointRoute(settingsApi.contactPolicy, {
      access: 'settings.read',
      tag: 'Settings',
      summary: 'The contact policy in force: caps per channel and in total, quiet hours',
      answer: 'The policy, where it comes from and its version.',
    }),
    async (c) => reply(c, settingsApi.contactPolicy, await app.settings.contactPolicy()),
  );

  router.route(
    endpointRoute(settingsApi.updateContactPolicy, {
      access: 'settings.write',
      tag: 'Settings',
      summary: 'Replace the contact policy; campaign runs started afterwards respect the new one',
      description:
        'The whole policy; with `version` (the one read), a change made meanwhile is refused with 409.',
      body: ContactPolicyUpdate,
      answer: 'The policy now in force.',
      failures: { 409: { description: 'The policy changed since `version` was read.' } },
      maxBodyBytes: MAX_SETTINGS_BODY_BYTES,
      audit: { action: 'contact_policy.update', target: () => POLICY_TARGET, before: policyBefore },
    }),
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const updated = await app.settings.updateContactPolicy(body.value, principalOf(c).name);
      return updated.ok ? reply(c, settingsApi.updateContactPolicy, updated.value) : refuse(updated.error);
    },
  );

  router.route(
    endpointRoute(settingsApi.resetContactPolicy, {
      access: 'settings.write',
      tag: 'Settings',
      summary: 'Go back to the contact policy of the workspace config file',
      answer: 'The policy now in force.',
      audit: { action: 'contact_policy.reset', target: () => POLICY_TARGET, before: policyBefore },
    }),
    async (c) =>
      reply(c, settingsApi.resetContactPolicy, await app.settings.resetContactPolicy(principalOf(c).name)),
  );

  router.route(
    endpointRoute(settingsApi.channels, {
      access: 'settings.read',
      tag: 'Settings',
      summary: 'The delivery channels: route, pace, retries and outbox by status; never a credential',
      answer: 'Every configured channel.',
    }),
    async (c) => reply(c, settingsApi.channels, { items: await app.settings.channels() }),
  );

  router.route(
    endpointRoute(settingsApi.previewContent, {
      access: 'data.read',
      tag: 'Content',
      summary: 'Render message content for one customer, as a campaign run would',
      description:
        'Unknown variables and other Liquid problems come back as `issues` with their paths; for SMS, the encoding, length and segments of the rendered text.',
      body: ContentPreviewInput,
      answer: 'The rendered content, the variables it uses and its issues.',
      failures: { 404: { description: 'No such customer, offer or campaign.' } },
      maxBodyBytes: MAX_SETTINGS_BODY_BYTES,
    }),
    async (c) => {
      const body = await jsonBody(c);
      if (!body.ok) return fail(body.error);
      const preview = await app.settings.previewContent(body.value, { masked: principalOf(c).masked });
      return preview.ok ? reply(c, settingsApi.previewContent, preview.value) : refuse(preview.error);
    },
  );
};
