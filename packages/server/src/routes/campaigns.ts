import {
  Audience,
  CAMPAIGN_ACTIONS,
  Campaign,
  type CampaignAction,
  CampaignStatus,
  DeliveryChannel,
  err,
  Offer,
  ok,
  type Result,
  TEMPLATE_LOCALES,
  type TemplateLocale,
} from '@opencvm/core';
import { z } from 'zod';
import {
  type Access,
  type ApiContext,
  type ApiRouter,
  pathParam,
  principalOf,
  type RouteDeps,
  type RouteSpec,
} from '../api-route.ts';
import { named } from '../openapi.ts';
import { PageQuery, pageOf, pageRequest, pageSchema, readCount } from '../pagination.ts';

/** Offers and campaigns are small documents. */
export const MAX_CAMPAIGN_BODY_BYTES = 1024 * 1024;

const isLocale = (value: unknown): value is TemplateLocale =>
  TEMPLATE_LOCALES.some((locale) => locale === value);

// Bodies and answers, for the OpenAPI document (the use cases check bodies themselves). The
// documents are built from the core schemas' fields: their cross-field checks stay in the use cases.
const OfferChange = named(
  z
    .strictObject({ ...Offer.shape, id: Offer.shape.id.optional() })
    .describe('The offer; `id`, when given, must be the one in the path.'),
  'OfferChange',
);
const {
  status: _status,
  createdBy: _createdBy,
  submittedBy: _submittedBy,
  submittedAt: _submittedAt,
  approvedBy: _approvedBy,
  approvedAt: _approvedAt,
  history: _history,
  ...definitionShape
} = Campaign.shape;
const CampaignDefinition = named(
  z
    .strictObject(definitionShape)
    .describe(
      'A campaign without its lifecycle: status, author, approvals and history are set by the use cases.',
    ),
  'CampaignDefinition',
);
const Version = z
  .number()
  .int()
  .min(1)
  .describe('The version the change is based on (optimistic concurrency).');
const CampaignChange = named(
  z.strictObject({ ...definitionShape, version: Version.optional() }),
  'CampaignChange',
);
const ActionBody = named(
  z
    .strictObject({ note: z.string().max(2000).optional(), version: Version.optional() })
    .describe('Optional: a note (a rejection’s reason) and the version the caller saw.'),
  'ActionBody',
);
const FromTemplate = named(
  z.strictObject({
    id: z.string().describe('The new campaign’s id.'),
    channel: DeliveryChannel.optional(),
    locale: z.enum(TEMPLATE_LOCALES).optional(),
    validFrom: z
      .string()
      .optional()
      .describe('First day of the scenario’s offer when it is created; today when absent.'),
    validTo: z.string().optional(),
  }),
  'FromTemplate',
);
const UcgRotation = named(
  z.strictObject({
    share: z.number().optional().describe('A new share of customers held out, in percent.'),
  }),
  'UcgRotation',
);
const StoredOffer = named(
  z.object({ offer: Offer, createdAt: z.string(), updatedAt: z.string() }),
  'StoredOffer',
);
const StoredCampaign = named(
  z.object({
    campaign: Campaign,
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  'StoredCampaign',
);
const CampaignRun = named(
  z.object({
    id: z.string(),
    campaignId: z.string(),
    campaignVersion: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    status: z.string(),
    dryRun: z.boolean(),
    dueAt: z.string().nullable(),
    funnel: z.record(z.string(), z.unknown()).nullable(),
  }),
  'CampaignRun',
);
const UcgSettings = named(
  z.object({
    salt: z.string(),
    share: z.number(),
    rotatedAt: z.string(),
    history: z.array(z.object({ salt: z.string(), share: z.number(), from: z.string(), to: z.string() })),
  }),
  'UcgSettings',
);
const CampaignTemplateEntry = named(
  z.object({
    key: z.string(),
    name: z.record(z.string(), z.string()),
    description: z.record(z.string(), z.string()),
    requires: z.unknown(),
    offerId: z.string(),
    audience: Audience.describe('Whom the scenario addresses.'),
    eligibility: Audience.nullable().describe(
      'Whom its offer is open to (the stored offer’s when it exists; null: everyone). With the audience, a client can count who would get it before creating the draft.',
    ),
    available: z.boolean().describe('Whether the scenario fits this workspace.'),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .describe('What is missing when it does not.'),
  }),
  'CampaignTemplateEntry',
);
const CampaignListQuery = PageQuery.extend({ status: CampaignStatus.optional() });
const DeleteQuery = z.object({
  version: z
    .string()
    .regex(/^\d+$/)
    .optional()
    .describe(Version.description ?? ''),
});

/** Who may move a campaign along each action: authors submit, approvers do the rest. */
const ACTION_ACCESS: Readonly<Record<CampaignAction, Access>> = {
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

/** The offer, campaign, gallery and UCG routes; each validates its input and calls one use case. */
export const addCampaignRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;
  const invalidBody = (path: string, message: string) =>
    fail({ code: 'invalid_body', path, message, details: { issues: [{ path, message }] } });
  const route = (spec: RouteSpec, handler: (c: ApiContext) => Response | Promise<Response>) =>
    router.route(spec, handler);

  /** The body as a JSON object (an empty body counts as `{}` when `optional`), or the refusal. */
  const objectBody = async (
    c: ApiContext,
    options: { readonly optional?: boolean } = {},
  ): Promise<Result<Record<string, unknown>, Response>> => {
    const text = await c.req.text();
    if (options.optional === true && text.trim() === '') return ok({});
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return err(fail({ code: 'invalid_body', path: '(body)', message: 'the body is not valid JSON' }));
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return err(fail({ code: 'invalid_body', path: '(body)', message: 'the body must be a JSON object' }));
    return ok(Object.fromEntries(Object.entries(parsed)));
  };

  /** `version` of a body or query: the version the caller saw, for optimistic concurrency. */
  const versionOf = (value: unknown): Result<number | undefined, Response> => {
    if (value === undefined) return ok(undefined);
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    return typeof number === 'number' && Number.isInteger(number) && number >= 1
      ? ok(number)
      : err(invalidBody('version', 'must be a whole number of 1 or more'));
  };

  const optionalString = (value: unknown, path: string): Result<string | undefined, Response> =>
    value === undefined || typeof value === 'string' ? ok(value) : err(invalidBody(path, 'must be a string'));

  const campaignTarget = (c: ApiContext) => ({ type: 'campaign', id: pathParam(c, 'id') });
  const campaignBefore = async (c: ApiContext) => {
    const found = await app.campaigns.showCampaign(pathParam(c, 'id'));
    return found.ok ? found.value : null;
  };
  const offerTarget = (c: ApiContext) => ({ type: 'offer', id: pathParam(c, 'id') });
  const offerBefore = async (c: ApiContext) => {
    const found = await app.campaigns.showOffer(pathParam(c, 'id'));
    return found.ok ? found.value : null;
  };
  /** The changed document of a `{ offer | campaign, … }` answer: its `id` names the audit target. */
  const documentOf =
    (key: 'offer' | 'campaign') =>
    (body: unknown): unknown =>
      typeof body === 'object' && body !== null && key in body ? Reflect.get(body, key) : body;

  // Runs ---------------------------------------------------------------------------------------

  const startRun = async (c: ApiContext, dryRun: boolean) => {
    if (c.req.query('dryRun') !== undefined)
      return invalidBody(
        'dryRun',
        'is not taken: POST /v1/campaigns/:id/dry-runs starts a dry run, /runs a real one',
      );
    const run = await app.runs.run({ campaignId: pathParam(c, 'id'), dryRun });
    return run.ok ? c.json(run.value, 201) : refuse(run.error);
  };

  route(
    {
      method: 'post',
      path: '/v1/campaigns/:id/runs',
      access: 'campaigns.approve',
      tag: 'Runs',
      summary: 'Run a running campaign now: its audience is selected, split and queued for delivery',
      responses: { 201: { description: 'The run with its funnel.', schema: CampaignRun } },
      creates: true,
      audit: { action: 'campaign.run', target: campaignTarget },
    },
    (c) => startRun(c, false),
  );

  route(
    {
      method: 'post',
      path: '/v1/campaigns/:id/dry-runs',
      access: 'campaigns.write',
      tag: 'Runs',
      summary: 'Dry-run a campaign in any status: the funnel of a run, with nothing queued',
      responses: { 201: { description: 'The dry run with its funnel.', schema: CampaignRun } },
      creates: true,
    },
    (c) => startRun(c, true),
  );

  route(
    {
      method: 'get',
      path: '/v1/campaigns/:id/runs',
      access: 'data.read',
      tag: 'Runs',
      summary: "A campaign's runs, newest first",
      query: PageQuery,
      responses: { 200: { description: 'A page of runs.', schema: pageSchema(CampaignRun) } },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const runs = await app.runs.listRuns(pathParam(c, 'id'), readCount(page.value));
      return runs.ok ? c.json(pageOf(runs.value, page.value)) : refuse(runs.error);
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/runs/:runId',
      access: 'data.read',
      tag: 'Runs',
      summary: 'A run with its funnel',
      responses: { 200: { description: 'The run.', schema: CampaignRun } },
    },
    async (c) => {
      const run = await app.runs.showRun(pathParam(c, 'runId'));
      return run.ok ? c.json(run.value) : refuse(run.error);
    },
  );

  // Offers -------------------------------------------------------------------------------------

  route(
    {
      method: 'get',
      path: '/v1/offers',
      access: 'data.read',
      tag: 'Offers',
      summary: 'Offers',
      query: PageQuery,
      responses: { 200: { description: 'A page of offers.', schema: pageSchema(StoredOffer) } },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      return c.json(pageOf(await app.campaigns.listOffers(), page.value));
    },
  );

  route(
    {
      method: 'post',
      path: '/v1/offers',
      access: 'offers.write',
      tag: 'Offers',
      summary: 'Create an offer',
      body: Offer,
      responses: { 201: { description: 'The saved offer.', schema: StoredOffer } },
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      creates: true,
      audit: { action: 'offer.create', after: documentOf('offer') },
    },
    async (c) => {
      const input = await objectBody(c);
      if (!input.ok) return input.error;
      const saved = await app.campaigns.createOffer(input.value);
      return saved.ok ? c.json(saved.value, 201) : refuse(saved.error);
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/offers/:id',
      access: 'data.read',
      tag: 'Offers',
      summary: 'An offer',
      responses: { 200: { description: 'The offer.', schema: StoredOffer } },
    },
    async (c) => {
      const found = await app.campaigns.showOffer(pathParam(c, 'id'));
      return found.ok ? c.json(found.value) : refuse(found.error);
    },
  );

  route(
    {
      method: 'put',
      path: '/v1/offers/:id',
      access: 'offers.write',
      tag: 'Offers',
      summary: 'Change an offer',
      body: OfferChange,
      responses: { 200: { description: 'The saved offer.', schema: StoredOffer } },
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      audit: { action: 'offer.update', target: offerTarget, before: offerBefore },
    },
    async (c) => {
      const id = pathParam(c, 'id');
      const input = await objectBody(c);
      if (!input.ok) return input.error;
      if ('id' in input.value && input.value.id !== id)
        return invalidBody('id', 'must be the id in the path, or left out');
      const saved = await app.campaigns.updateOffer({ ...input.value, id });
      return saved.ok ? c.json(saved.value) : refuse(saved.error);
    },
  );

  route(
    {
      method: 'delete',
      path: '/v1/offers/:id',
      access: 'offers.write',
      tag: 'Offers',
      summary: 'Delete an offer no campaign names',
      responses: { 204: { description: 'Deleted.' } },
      audit: { action: 'offer.delete', target: offerTarget, before: offerBefore, after: () => null },
    },
    async (c) => {
      const removed = await app.campaigns.deleteOffer(pathParam(c, 'id'));
      return removed.ok ? c.body(null, 204) : refuse(removed.error);
    },
  );

  // Campaigns ----------------------------------------------------------------------------------

  route(
    {
      method: 'get',
      path: '/v1/campaigns',
      access: 'dashboard.read',
      tag: 'Campaigns',
      summary: 'Campaigns, optionally of one status',
      query: CampaignListQuery,
      responses: { 200: { description: 'A page of campaigns.', schema: pageSchema(StoredCampaign) } },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const statusText = c.req.query('status');
      if (statusText === undefined) return c.json(pageOf(await app.campaigns.listCampaigns(), page.value));
      const status = CampaignStatus.safeParse(statusText);
      if (!status.success) return invalidBody('status', status.error.issues[0]?.message ?? 'unknown status');
      return c.json(pageOf(await app.campaigns.listCampaigns({ status: status.data }), page.value));
    },
  );

  route(
    {
      method: 'post',
      path: '/v1/campaigns',
      access: 'campaigns.write',
      tag: 'Campaigns',
      summary: 'Create a draft campaign; the caller is its author',
      body: CampaignDefinition,
      responses: { 201: { description: 'The saved campaign, version 1.', schema: StoredCampaign } },
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      creates: true,
      audit: { action: 'campaign.create', after: documentOf('campaign') },
    },
    async (c) => {
      const input = await objectBody(c);
      if (!input.ok) return input.error;
      const saved = await app.campaigns.createCampaign(input.value, { by: principalOf(c).name });
      return saved.ok ? c.json(saved.value, 201) : refuse(saved.error);
    },
  );

  route(
    {
      method: 'get',
      path: '/v1/campaigns/:id',
      // A definition names segments, offers and rules, never a customer; the list shows it already.
      access: 'dashboard.read',
      tag: 'Campaigns',
      summary: 'A campaign',
      responses: { 200: { description: 'The campaign and its version.', schema: StoredCampaign } },
    },
    async (c) => {
      const found = await app.campaigns.showCampaign(pathParam(c, 'id'));
      return found.ok ? c.json(found.value) : refuse(found.error);
    },
  );

  route(
    {
      method: 'put',
      path: '/v1/campaigns/:id',
      access: 'campaigns.write',
      tag: 'Campaigns',
      summary: "Replace a draft's definition",
      body: CampaignChange,
      responses: { 200: { description: 'The saved campaign.', schema: StoredCampaign } },
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      audit: {
        action: 'campaign.update',
        target: campaignTarget,
        before: campaignBefore,
        after: documentOf('campaign'),
      },
    },
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
      return saved.ok ? c.json(saved.value) : refuse(saved.error);
    },
  );

  route(
    {
      method: 'delete',
      path: '/v1/campaigns/:id',
      access: 'campaigns.write',
      tag: 'Campaigns',
      summary: 'Delete a draft',
      query: DeleteQuery,
      responses: { 204: { description: 'Deleted.' } },
      audit: { action: 'campaign.delete', target: campaignTarget, before: campaignBefore, after: () => null },
    },
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
    route(
      {
        method: 'post',
        path: `/v1/campaigns/:id/${action}`,
        access: ACTION_ACCESS[action],
        tag: 'Campaigns',
        summary: ACTION_SUMMARIES[action],
        body: ActionBody.optional(),
        responses: { 200: { description: 'The campaign in its new status.', schema: StoredCampaign } },
        maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
        audit: {
          action: `campaign.${action}`,
          target: campaignTarget,
          before: campaignBefore,
          after: documentOf('campaign'),
        },
      },
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
        return moved.ok ? c.json(moved.value) : refuse(moved.error);
      },
    );
  }

  // Gallery ------------------------------------------------------------------------------------

  route(
    {
      method: 'get',
      path: '/v1/campaign-templates',
      access: 'data.read',
      tag: 'Campaigns',
      summary: 'The campaign gallery, each scenario with whether it fits this workspace',
      query: PageQuery,
      responses: { 200: { description: 'A page of templates.', schema: pageSchema(CampaignTemplateEntry) } },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      return c.json(pageOf(await app.campaigns.templates(), page.value));
    },
  );

  route(
    {
      method: 'post',
      path: '/v1/campaign-templates/:key',
      access: 'campaigns.write',
      tag: 'Campaigns',
      summary: "A draft campaign from a gallery scenario, with the scenario's offer when it is missing",
      body: FromTemplate,
      responses: {
        201: {
          description: 'The draft, its offer, and whether the offer was created.',
          schema: z.object({ campaign: StoredCampaign, offer: StoredOffer, offerCreated: z.boolean() }),
        },
      },
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      creates: true,
      audit: {
        action: 'campaign.create',
        after: (body) => documentOf('campaign')(documentOf('campaign')(body)),
      },
    },
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
      return created.ok ? c.json(created.value, 201) : refuse(created.error);
    },
  );

  // Universal control group --------------------------------------------------------------------

  route(
    {
      method: 'get',
      path: '/v1/ucg',
      access: 'settings.read',
      tag: 'Settings',
      summary: 'The universal control group: its salt, share and past periods',
      responses: { 200: { description: 'The UCG settings.', schema: UcgSettings } },
    },
    async (c) => c.json(await app.campaigns.showUcg()),
  );

  route(
    {
      method: 'post',
      path: '/v1/ucg:rotate',
      access: 'settings.write',
      tag: 'Settings',
      summary: 'Draw a new UCG (and optionally share); the previous one is kept with its period',
      body: UcgRotation.optional(),
      responses: { 200: { description: 'The new UCG settings.', schema: UcgSettings } },
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      audit: {
        action: 'ucg.rotate',
        target: () => ({ type: 'ucg', id: 'ucg' }),
        before: () => app.campaigns.showUcg(),
      },
    },
    async (c) => {
      const input = await objectBody(c, { optional: true });
      if (!input.ok) return input.error;
      const { share } = input.value;
      if (share !== undefined && typeof share !== 'number') return invalidBody('share', 'must be a number');
      const rotated = await app.campaigns.rotateUcg({ by: principalOf(c).name, share });
      return rotated.ok ? c.json(rotated.value) : refuse(rotated.error);
    },
  );
};
