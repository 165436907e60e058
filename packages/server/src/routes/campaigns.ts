import {
  CAMPAIGN_ACTIONS,
  type CampaignAction,
  CampaignStatus,
  campaignsApi,
  DeliveryChannel,
  TEMPLATE_LOCALES,
  type TemplateLocale,
} from '@opencvm/core';
import {
  type Access,
  type ApiContext,
  type ApiRouter,
  endpointRoute,
  pathParam,
  principalOf,
  type RouteDeps,
  reply,
} from '../api-route.ts';
import { pageOf, pageRequest } from '../pagination.ts';
import { documentInput, documentOf, MAX_CAMPAIGN_BODY_BYTES } from './document-input.ts';

const isLocale = (value: unknown): value is TemplateLocale =>
  TEMPLATE_LOCALES.some((locale) => locale === value);

/** Who may move a campaign (or a journey) along each action: authors submit, approvers do the rest. */
export const ACTION_ACCESS: Readonly<Record<CampaignAction, Access>> = {
  submit: 'campaigns.write',
  approve: 'campaigns.approve',
  reject: 'campaigns.approve',
  start: 'campaigns.approve',
  complete: 'campaigns.approve',
  stop: 'campaigns.approve',
};

const ACTION_SUMMARIES: Readonly<Record<CampaignAction, string>> = {
  submit: 'Submit a draft for approval',
  approve: 'Approve a submitted campaign (someone other than its author and submitter)',
  reject: 'Send a submitted campaign back to draft',
  start: 'Start an approved campaign: its schedule runs',
  complete: 'Mark a running campaign completed',
  stop: 'Stop a campaign',
};

/** The campaign, gallery and UCG routes; each validates its input and calls one use case. */
export const addCampaignRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;
  const { invalidField: invalidBody, objectBody, versionOf, optionalString } = documentInput(fail);
  const campaignTarget = (c: ApiContext) => ({ type: 'campaign', id: pathParam(c, 'id') });
  const campaignBefore = async (c: ApiContext) => {
    const found = await app.campaigns.showCampaign(pathParam(c, 'id'));
    return found.ok ? found.value : null;
  };

  router.route(
    endpointRoute(campaignsApi.list, {
      access: 'dashboard.read',
      tag: 'Campaigns',
      summary: 'Campaigns, optionally of one status',
      answer: 'A page of campaigns.',
    }),
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const statusText = c.req.query('status');
      if (statusText === undefined)
        return reply(c, campaignsApi.list, pageOf(await app.campaigns.listCampaigns(), page.value));
      const status = CampaignStatus.safeParse(statusText);
      if (!status.success) return invalidBody('status', status.error.issues[0]?.message ?? 'unknown status');
      return reply(
        c,
        campaignsApi.list,
        pageOf(await app.campaigns.listCampaigns({ status: status.data }), page.value),
      );
    },
  );

  router.route(
    endpointRoute(campaignsApi.create, {
      access: 'campaigns.write',
      tag: 'Campaigns',
      summary: 'Create a draft campaign; the caller is its author',
      answer: 'The saved campaign, version 1.',
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      creates: true,
      audit: { action: 'campaign.create', after: documentOf('campaign') },
    }),
    async (c) => {
      const input = await objectBody(c);
      if (!input.ok) return input.error;
      const saved = await app.campaigns.createCampaign(input.value, { by: principalOf(c).name });
      return saved.ok ? reply(c, campaignsApi.create, saved.value) : refuse(saved.error);
    },
  );

  router.route(
    endpointRoute(campaignsApi.show, {
      // A definition names segments, offers and rules, never a customer; the list shows it already.
      access: 'dashboard.read',
      tag: 'Campaigns',
      summary: 'A campaign',
      answer: 'The campaign and its version.',
    }),
    async (c) => {
      const found = await app.campaigns.showCampaign(pathParam(c, 'id'));
      return found.ok ? reply(c, campaignsApi.show, found.value) : refuse(found.error);
    },
  );

  router.route(
    endpointRoute(campaignsApi.update, {
      access: 'campaigns.write',
      tag: 'Campaigns',
      summary: "Replace a draft's definition",
      answer: 'The saved campaign.',
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      audit: {
        action: 'campaign.update',
        target: campaignTarget,
        before: campaignBefore,
        after: documentOf('campaign'),
      },
    }),
    async (c) => {
      const input = await objectBody(c);
      if (!input.ok) return input.error;
      // The body is the definition (the `campaign` of GET) and, optionally, the version it was read at.
      const { version, ...definition } = input.value;
      const expectedVersion = versionOf(version);
      if (!expectedVersion.ok) return expectedVersion.error;
      const saved = await app.campaigns.updateCampaign(pathParam(c, 'id'), definition, {
        by: principalOf(c).name,
        expectedVersion: expectedVersion.value,
      });
      return saved.ok ? reply(c, campaignsApi.update, saved.value) : refuse(saved.error);
    },
  );

  router.route(
    endpointRoute(campaignsApi.remove, {
      access: 'campaigns.write',
      tag: 'Campaigns',
      summary: 'Delete a draft',
      answer: 'Deleted.',
      audit: { action: 'campaign.delete', target: campaignTarget, before: campaignBefore, after: () => null },
    }),
    async (c) => {
      const expectedVersion = versionOf(c.req.query('version'));
      if (!expectedVersion.ok) return expectedVersion.error;
      const removed = await app.campaigns.deleteCampaign(pathParam(c, 'id'), {
        expectedVersion: expectedVersion.value,
      });
      return removed.ok ? c.body(null, 204) : refuse(removed.error);
    },
  );

  for (const action of CAMPAIGN_ACTIONS) {
    router.route(
      endpointRoute(campaignsApi[action], {
        access: ACTION_ACCESS[action],
        tag: 'Campaigns',
        summary: ACTION_SUMMARIES[action],
        answer: 'The campaign in its new status.',
        maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
        audit: {
          action: `campaign.${action}`,
          target: campaignTarget,
          before: campaignBefore,
          after: documentOf('campaign'),
        },
      }),
      async (c) => {
        const input = await objectBody(c, { optional: true });
        if (!input.ok) return input.error;
        const note = optionalString(input.value.note, 'note');
        if (!note.ok) return note.error;
        const expectedVersion = versionOf(input.value.version);
        if (!expectedVersion.ok) return expectedVersion.error;
        const moved = await app.campaigns.act(pathParam(c, 'id'), action, {
          by: principalOf(c).name,
          note: note.value,
          expectedVersion: expectedVersion.value,
        });
        return moved.ok ? reply(c, campaignsApi[action], moved.value) : refuse(moved.error);
      },
    );
  }

  // Gallery ------------------------------------------------------------------------------------

  router.route(
    endpointRoute(campaignsApi.templates, {
      access: 'data.read',
      tag: 'Campaigns',
      summary: 'The campaign gallery, each scenario with whether it fits this workspace',
      answer: 'A page of templates.',
    }),
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      return reply(c, campaignsApi.templates, pageOf(await app.campaigns.templates(), page.value));
    },
  );

  router.route(
    endpointRoute(campaignsApi.fromTemplate, {
      access: 'campaigns.write',
      tag: 'Campaigns',
      summary: "A draft campaign from a gallery scenario, with the scenario's offer when it is missing",
      answer: 'The draft, its offer, and whether the offer was created.',
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      creates: true,
      audit: {
        action: 'campaign.create',
        after: (body) => documentOf('campaign')(documentOf('campaign')(body)),
      },
    }),
    async (c) => {
      const input = await objectBody(c);
      if (!input.ok) return input.error;
      const { id, channel, locale, validFrom, validTo } = input.value;
      if (typeof id !== 'string') return invalidBody('id', 'is required: the new campaign id');
      const parsedChannel = channel === undefined ? undefined : DeliveryChannel.safeParse(channel);
      if (parsedChannel !== undefined && !parsedChannel.success)
        return invalidBody('channel', parsedChannel.error.issues[0]?.message ?? 'unknown channel');
      if (locale !== undefined && !isLocale(locale))
        return invalidBody('locale', `must be one of ${TEMPLATE_LOCALES.join(', ')}`);
      const from = optionalString(validFrom, 'validFrom');
      if (!from.ok) return from.error;
      const to = optionalString(validTo, 'validTo');
      if (!to.ok) return to.error;
      const created = await app.campaigns.fromTemplate(pathParam(c, 'key'), {
        id,
        by: principalOf(c).name,
        channel: parsedChannel?.data,
        locale,
        validFrom: from.value,
        validTo: to.value,
      });
      return created.ok ? reply(c, campaignsApi.fromTemplate, created.value) : refuse(created.error);
    },
  );

  // Universal control group --------------------------------------------------------------------

  router.route(
    endpointRoute(campaignsApi.ucg, {
      access: 'settings.read',
      tag: 'Settings',
      summary: 'The universal control group: its salt, share and past periods',
      answer: 'The UCG settings.',
    }),
    async (c) => reply(c, campaignsApi.ucg, await app.campaigns.showUcg()),
  );

  router.route(
    endpointRoute(campaignsApi.rotateUcg, {
      access: 'settings.write',
      tag: 'Settings',
      summary: 'Draw a new UCG (and optionally share); the previous one is kept with its period',
      answer: 'The new UCG settings.',
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      audit: {
        action: 'ucg.rotate',
        target: () => ({ type: 'ucg', id: 'ucg' }),
        before: () => app.campaigns.showUcg(),
      },
    }),
    async (c) => {
      const input = await objectBody(c, { optional: true });
      if (!input.ok) return input.error;
      const { share } = input.value;
      if (share !== undefined && typeof share !== 'number') return invalidBody('share', 'must be a number');
      const rotated = await app.campaigns.rotateUcg({ by: principalOf(c).name, share });
      return rotated.ok ? reply(c, campaignsApi.rotateUcg, rotated.value) : refuse(rotated.error);
    },
  );
};
