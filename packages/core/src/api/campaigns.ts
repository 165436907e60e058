import { z } from 'zod';
import { Campaign, type CampaignAction, CampaignStatus } from '../campaigns/campaign.ts';
import { TEMPLATE_LOCALES } from '../campaigns/campaign-templates.ts';
import { Audience, Offer } from '../campaigns/offer.ts';
import { RunFunnel } from '../campaigns/run-funnel.ts';
import { RUN_STATUSES } from '../campaigns/run-port.ts';
import { DeliveryChannel } from '../content/content-template.ts';
import { endpoint, named, PageQuery, pageOf } from './endpoint.ts';
import { ISSUE_KINDS } from './errors.ts';

/**
 * Offers, campaigns, their runs, the gallery and the universal control group over HTTP. Bodies
 * are built from the core schemas' fields: their cross-field checks stay in the use cases, which
 * answer a draft with every issue and its path.
 */

/** One problem of an input or a scenario, as every answer lists them. */
export const ApiIssue = z.object({
  path: z.string(),
  message: z.string(),
  kind: z.enum(ISSUE_KINDS).optional(),
});

export const StoredOffer = named(
  z.object({ offer: Offer, createdAt: z.string(), updatedAt: z.string() }),
  'StoredOffer',
);

export const StoredCampaign = named(
  z.object({
    campaign: Campaign,
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  'StoredCampaign',
);

export const CampaignRun = named(
  z.object({
    id: z.string(),
    campaignId: z.string(),
    campaignVersion: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    status: z.enum(RUN_STATUSES),
    dryRun: z.boolean(),
    dueAt: z.string().nullable(),
    funnel: RunFunnel.nullable(),
  }),
  'CampaignRun',
);

export const UcgSettings = named(
  z.object({
    salt: z.string(),
    share: z.number(),
    rotatedAt: z.string(),
    history: z.array(z.object({ salt: z.string(), share: z.number(), from: z.string(), to: z.string() })),
  }),
  'UcgSettings',
);

export const CampaignTemplateEntry = named(
  z.object({
    key: z.string(),
    name: z.record(z.string(), z.string()),
    description: z.record(z.string(), z.string()),
    requires: z.object({
      customerAttributes: z.array(z.string()),
      eventTypes: z.array(z.string()),
      features: z.array(z.string()),
    }),
    offerId: z.string(),
    audience: Audience.describe('Whom the scenario addresses.'),
    eligibility: Audience.nullable().describe(
      'Whom its offer is open to (the stored offer’s when it exists; null: everyone). With the audience, a client can count who would get it before creating the draft.',
    ),
    available: z.boolean().describe('Whether the scenario fits this workspace.'),
    issues: z.array(ApiIssue).describe('What is missing when it does not.'),
  }),
  'CampaignTemplateEntry',
);

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

export const offersApi = {
  list: endpoint({ method: 'get', path: '/v1/offers', query: PageQuery, response: pageOf(StoredOffer) }),
  create: endpoint({
    method: 'post',
    path: '/v1/offers',
    body: Offer,
    acceptsDrafts: true,
    response: StoredOffer,
    status: 201,
  }),
  show: endpoint({ method: 'get', path: '/v1/offers/:id', response: StoredOffer }),
  update: endpoint({
    method: 'put',
    path: '/v1/offers/:id',
    body: OfferChange,
    acceptsDrafts: true,
    response: StoredOffer,
  }),
  remove: endpoint({ method: 'delete', path: '/v1/offers/:id', status: 204 }),
};

/** The endpoint of one lifecycle action: `POST /v1/campaigns/:id/<action>`. */
const actionEndpoint = <A extends CampaignAction>(action: A) =>
  endpoint({
    method: 'post',
    path: `/v1/campaigns/:id/${action}`,
    body: ActionBody.optional(),
    response: StoredCampaign,
  });

const CampaignListQuery = PageQuery.extend({ status: CampaignStatus.optional() });
const DeleteQuery = z.object({
  version: z
    .string()
    .regex(/^\d+$/)
    .optional()
    .describe(Version.description ?? ''),
});

export const campaignsApi = {
  list: endpoint({
    method: 'get',
    path: '/v1/campaigns',
    query: CampaignListQuery,
    response: pageOf(StoredCampaign),
  }),
  create: endpoint({
    method: 'post',
    path: '/v1/campaigns',
    body: CampaignDefinition,
    acceptsDrafts: true,
    response: StoredCampaign,
    status: 201,
  }),
  show: endpoint({ method: 'get', path: '/v1/campaigns/:id', response: StoredCampaign }),
  update: endpoint({
    method: 'put',
    path: '/v1/campaigns/:id',
    body: CampaignChange,
    acceptsDrafts: true,
    response: StoredCampaign,
  }),
  remove: endpoint({ method: 'delete', path: '/v1/campaigns/:id', query: DeleteQuery, status: 204 }),
  submit: actionEndpoint('submit'),
  approve: actionEndpoint('approve'),
  reject: actionEndpoint('reject'),
  start: actionEndpoint('start'),
  complete: actionEndpoint('complete'),
  stop: actionEndpoint('stop'),
  templates: endpoint({
    method: 'get',
    path: '/v1/campaign-templates',
    query: PageQuery,
    response: pageOf(CampaignTemplateEntry),
  }),
  fromTemplate: endpoint({
    method: 'post',
    path: '/v1/campaign-templates/:key',
    body: FromTemplate,
    acceptsDrafts: true,
    response: z.object({ campaign: StoredCampaign, offer: StoredOffer, offerCreated: z.boolean() }),
    status: 201,
  }),
  ucg: endpoint({ method: 'get', path: '/v1/ucg', response: UcgSettings }),
  rotateUcg: endpoint({
    method: 'post',
    path: '/v1/ucg:rotate',
    body: UcgRotation.optional(),
    response: UcgSettings,
  }),
};

export const runsApi = {
  run: endpoint({ method: 'post', path: '/v1/campaigns/:id/runs', response: CampaignRun, status: 201 }),
  dryRun: endpoint({
    method: 'post',
    path: '/v1/campaigns/:id/dry-runs',
    response: CampaignRun,
    status: 201,
  }),
  list: endpoint({
    method: 'get',
    path: '/v1/campaigns/:id/runs',
    query: PageQuery,
    response: pageOf(CampaignRun),
  }),
  show: endpoint({ method: 'get', path: '/v1/runs/:runId', response: CampaignRun }),
};
