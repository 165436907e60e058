import {
  CAMPAIGN_ACTIONS,
  type CampaignAction,
  CampaignStatus,
  journeysApi,
  TEMPLATE_LOCALES,
  type TemplateLocale,
} from '@opencvm/core';
import {
  type ApiContext,
  type ApiRouter,
  endpointRoute,
  pathParam,
  principalOf,
  type RouteDeps,
  reply,
} from '../api-route.ts';
import { pageOf, pageRequest } from '../pagination.ts';
import { ACTION_ACCESS } from './campaigns.ts';
import { documentInput, documentOf, MAX_CAMPAIGN_BODY_BYTES } from './document-input.ts';

const isLocale = (value: unknown): value is TemplateLocale =>
  TEMPLATE_LOCALES.some((locale) => locale === value);

const ACTION_SUMMARIES: Readonly<Record<CampaignAction, string>> = {
  submit: 'Submit a draft journey without issues for approval',
  approve: 'Approve a submitted journey (someone other than its author and submitter)',
  reject: 'Send a submitted journey back to draft',
  start: 'Start an approved journey: customers enter as its trigger fires',
  complete: 'Complete a journey: nobody new enters, those on it finish',
  stop: 'Stop a journey: nobody new enters, everyone on it leaves',
};

/** The journey routes; each validates its input and calls one use case. */
export const addJourneyRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;
  const { invalidField, objectBody, versionOf, optionalString } = documentInput(fail);
  const target = (c: ApiContext) => ({ type: 'journey', id: pathParam(c, 'id') });
  const before = async (c: ApiContext) => {
    const found = await app.journeys.show(pathParam(c, 'id'));
    return found.ok ? found.value.journey : null;
  };

  router.route(
    endpointRoute(journeysApi.list, {
      access: 'dashboard.read',
      tag: 'Journeys',
      summary: 'Journeys, optionally of one status, each with its issues',
      answer: 'A page of journeys.',
    }),
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const statusText = c.req.query('status');
      const status = statusText === undefined ? undefined : CampaignStatus.safeParse(statusText);
      if (status !== undefined && !status.success) {
        return invalidField('status', status.error.issues[0]?.message ?? 'unknown status');
      }
      const journeys = await app.journeys.list({ status: status?.data });
      return reply(c, journeysApi.list, pageOf(journeys, page.value));
    },
  );

  router.route(
    endpointRoute(journeysApi.create, {
      access: 'campaigns.write',
      tag: 'Journeys',
      summary: 'Create a draft journey; the caller is its author',
      answer: 'The saved journey, version 1, with what keeps it from being submitted.',
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      creates: true,
      audit: { action: 'journey.create', after: documentOf('journey') },
    }),
    async (c) => {
      const input = await objectBody(c);
      if (!input.ok) return input.error;
      const saved = await app.journeys.create(input.value, { by: principalOf(c).name });
      return saved.ok ? reply(c, journeysApi.create, saved.value) : refuse(saved.error);
    },
  );

  router.route(
    endpointRoute(journeysApi.show, {
      access: 'dashboard.read',
      tag: 'Journeys',
      summary: 'A journey',
      answer: 'The journey, its version and its issues.',
    }),
    async (c) => {
      const found = await app.journeys.show(pathParam(c, 'id'));
      return found.ok ? reply(c, journeysApi.show, found.value) : refuse(found.error);
    },
  );

  router.route(
    endpointRoute(journeysApi.update, {
      access: 'campaigns.write',
      tag: 'Journeys',
      summary: "Replace a journey's definition (a journey past draft goes back to draft as a new version)",
      answer: 'The saved journey with its issues.',
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      audit: { action: 'journey.update', target, before, after: documentOf('journey') },
    }),
    async (c) => {
      const input = await objectBody(c);
      if (!input.ok) return input.error;
      const { version, ...definition } = input.value;
      const expectedVersion = versionOf(version);
      if (!expectedVersion.ok) return expectedVersion.error;
      const saved = await app.journeys.update(pathParam(c, 'id'), definition, {
        by: principalOf(c).name,
        expectedVersion: expectedVersion.value,
      });
      return saved.ok ? reply(c, journeysApi.update, saved.value) : refuse(saved.error);
    },
  );

  router.route(
    endpointRoute(journeysApi.remove, {
      access: 'campaigns.write',
      tag: 'Journeys',
      summary: 'Delete a draft journey nobody entered',
      answer: 'Deleted.',
      audit: { action: 'journey.delete', target, before, after: () => null },
    }),
    async (c) => {
      const removed = await app.journeys.remove(pathParam(c, 'id'));
      return removed.ok ? c.body(null, 204) : refuse(removed.error);
    },
  );

  for (const action of CAMPAIGN_ACTIONS) {
    router.route(
      endpointRoute(journeysApi[action], {
        access: ACTION_ACCESS[action],
        tag: 'Journeys',
        summary: ACTION_SUMMARIES[action],
        answer: 'The journey in its new status.',
        maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
        audit: { action: `journey.${action}`, target, before, after: documentOf('journey') },
      }),
      async (c) => {
        const input = await objectBody(c, { optional: true });
        if (!input.ok) return input.error;
        const note = optionalString(input.value.note, 'note');
        if (!note.ok) return note.error;
        const expectedVersion = versionOf(input.value.version);
        if (!expectedVersion.ok) return expectedVersion.error;
        const moved = await app.journeys.act(pathParam(c, 'id'), action, {
          by: principalOf(c).name,
          note: note.value,
          expectedVersion: expectedVersion.value,
        });
        return moved.ok ? reply(c, journeysApi[action], moved.value) : refuse(moved.error);
      },
    );
  }

  router.route(
    endpointRoute(journeysApi.funnel, {
      access: 'dashboard.read',
      tag: 'Journeys',
      summary: 'Customers who entered, are at each node now, reached it, and left (by reason)',
      answer: 'The funnel.',
    }),
    async (c) => {
      const funnel = await app.journeys.funnel(pathParam(c, 'id'));
      return funnel.ok ? reply(c, journeysApi.funnel, funnel.value) : refuse(funnel.error);
    },
  );

  router.route(
    endpointRoute(journeysApi.results, {
      access: 'results.read',
      tag: 'Journeys',
      summary:
        'Treated vs holdout by intention to treat, every metric with its interval; per path of a node when asked',
      answer: 'The results with the funnel.',
    }),
    async (c) => {
      const results = await app.journeys.results(pathParam(c, 'id'), { byNode: c.req.query('byNode') });
      return results.ok ? reply(c, journeysApi.results, results.value) : refuse(results.error);
    },
  );

  router.route(
    endpointRoute(journeysApi.entries, {
      access: 'data.read',
      tag: 'Journeys',
      summary: "A customer's journeys, newest entry first: where they are or why they left",
      answer: 'The entries.',
    }),
    async (c) => {
      const entries = await app.journeys.entries(pathParam(c, 'id'));
      return reply(c, journeysApi.entries, {
        items: entries.map(({ journeyName, entry }) => ({
          id: entry.id,
          journeyId: entry.journeyId,
          journeyName,
          version: entry.version,
          customerId: entry.customerId,
          key: entry.key,
          group: entry.group,
          enteredAt: entry.enteredAt,
          status: entry.status,
          position: entry.position,
          exitReason: entry.exitReason,
          exitNode: entry.exitNode,
          exitDetail: entry.exitDetail,
          leftAt: entry.leftAt,
        })),
      });
    },
  );

  router.route(
    endpointRoute(journeysApi.templates, {
      access: 'data.read',
      tag: 'Journeys',
      summary: 'The journey gallery, each scenario with whether it fits this workspace',
      answer: 'The scenarios.',
    }),
    async (c) => reply(c, journeysApi.templates, { items: await app.journeys.templates() }),
  );

  router.route(
    endpointRoute(journeysApi.fromTemplate, {
      access: 'campaigns.write',
      tag: 'Journeys',
      summary: 'A draft journey from a gallery scenario',
      answer: 'The draft.',
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      creates: true,
      audit: { action: 'journey.create', after: documentOf('journey') },
    }),
    async (c) => {
      const input = await objectBody(c);
      if (!input.ok) return input.error;
      const { id, locale } = input.value;
      if (typeof id !== 'string') return invalidField('id', 'is required: the new journey id');
      if (locale !== undefined && !isLocale(locale)) {
        return invalidField('locale', `must be one of ${TEMPLATE_LOCALES.join(', ')}`);
      }
      const created = await app.journeys.fromTemplate(pathParam(c, 'key'), {
        id,
        by: principalOf(c).name,
        locale,
      });
      return created.ok ? reply(c, journeysApi.fromTemplate, created.value) : refuse(created.error);
    },
  );
};
