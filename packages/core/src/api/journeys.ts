import { z } from 'zod';
import { CampaignStatus } from '../campaigns/campaign.ts';
import { TEMPLATE_LOCALES } from '../campaigns/campaign-templates.ts';
import { EXIT_REASONS, Journey } from '../journeys/journey.ts';
import { ENTRY_GROUPS } from '../journeys/port.ts';
import { ApiIssue } from './campaigns.ts';
import { endpoint, named, PageQuery, pageOf } from './endpoint.ts';
import { Comparison } from './results.ts';

/**
 * Journeys over HTTP: their definitions with the issues the canvas shows on each node, the
 * lifecycle, the gallery, the live funnel and the results. Events reach them through the
 * existing ways in (`POST /v1/events`, file import, a NATS stream).
 */

export const JourneyIssue = ApiIssue.extend({
  node: z.string().optional().describe('The node the issue is about, when it is about one.'),
});

export const JourneyView = named(
  z.object({
    journey: Journey,
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    issues: z
      .array(JourneyIssue)
      .describe('What keeps the journey from being submitted: empty when it is complete.'),
  }),
  'JourneyView',
);

const EntryPositionSchema = z.object({
  node: z.string(),
  since: z.string(),
  wakeAt: z.string().nullable(),
  awaiting: z.string().nullable(),
});

export const JourneyEntryView = named(
  z.object({
    id: z.string(),
    journeyId: z.string(),
    journeyName: z.string().nullable(),
    version: z.number().int(),
    customerId: z.string(),
    key: z.string(),
    group: z.enum(ENTRY_GROUPS),
    enteredAt: z.string(),
    status: z.enum(['active', 'left']),
    position: EntryPositionSchema.nullable(),
    exitReason: z.enum(EXIT_REASONS).nullable(),
    exitNode: z.string().nullable(),
    exitDetail: z.string().nullable(),
    leftAt: z.string().nullable(),
  }),
  'JourneyEntryView',
);

export const JourneyFunnelView = named(
  z.object({
    entered: z.object({ treated: z.number(), holdout: z.number(), ucg: z.number() }),
    active: z.number(),
    left: z.record(z.string(), z.number()),
    nodes: z.array(
      z.object({
        node: z.string(),
        reached: z.number(),
        here: z.number(),
        outcomes: z.record(z.string(), z.number()),
      }),
    ),
  }),
  'JourneyFunnel',
);

export const JourneyResults = named(
  Comparison.extend({
    journeyId: z.string(),
    kpi: z.enum(['conversion', 'revenue', 'retention']),
    attributionDays: z.number(),
    asOf: z.string(),
    funnel: JourneyFunnelView,
    breakdown: z
      .object({
        node: z.string(),
        slices: z.array(Comparison.extend({ value: z.string().nullable() })),
      })
      .nullable(),
  }),
  'JourneyResults',
);

export const JourneyTemplateEntry = named(
  z.object({
    key: z.string(),
    name: z.record(z.string(), z.string()),
    description: z.record(z.string(), z.string()),
    requires: z.object({ customerAttributes: z.array(z.string()), eventTypes: z.array(z.string()) }),
    available: z.boolean().describe('Whether the scenario fits this workspace.'),
    issues: z.array(ApiIssue).describe('What is missing when it does not.'),
  }),
  'JourneyTemplateEntry',
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
} = Journey.shape;

const JourneyDefinition = named(
  z
    .strictObject(definitionShape)
    .describe(
      'A journey without its lifecycle: status, author, approvals and history are set by the use cases.',
    ),
  'JourneyDefinition',
);
const Version = z
  .number()
  .int()
  .min(1)
  .describe('The version the change is based on (optimistic concurrency).');
const JourneyChange = named(
  z.strictObject({ ...definitionShape, version: Version.optional() }),
  'JourneyChange',
);
const JourneyActionBody = named(
  z
    .strictObject({ note: z.string().max(2000).optional(), version: Version.optional() })
    .describe('Optional: a note (a rejection’s reason) and the version the caller saw.'),
  'JourneyActionBody',
);
const JourneyFromTemplate = named(
  z.strictObject({
    id: z.string().describe('The new journey’s id.'),
    locale: z.enum(TEMPLATE_LOCALES).optional(),
  }),
  'JourneyFromTemplate',
);

const action = <A extends string>(name: A) =>
  endpoint({
    method: 'post',
    path: `/v1/journeys/:id/${name}`,
    body: JourneyActionBody.optional(),
    response: JourneyView,
  });

export const journeysApi = {
  list: endpoint({
    method: 'get',
    path: '/v1/journeys',
    query: PageQuery.extend({ status: CampaignStatus.optional() }),
    response: pageOf(JourneyView),
  }),
  create: endpoint({
    method: 'post',
    path: '/v1/journeys',
    body: JourneyDefinition,
    acceptsDrafts: true,
    response: JourneyView,
    status: 201,
  }),
  show: endpoint({ method: 'get', path: '/v1/journeys/:id', response: JourneyView }),
  update: endpoint({
    method: 'put',
    path: '/v1/journeys/:id',
    body: JourneyChange,
    acceptsDrafts: true,
    response: JourneyView,
  }),
  remove: endpoint({ method: 'delete', path: '/v1/journeys/:id', status: 204 }),
  submit: action('submit'),
  approve: action('approve'),
  reject: action('reject'),
  start: action('start'),
  complete: action('complete'),
  stop: action('stop'),
  funnel: endpoint({ method: 'get', path: '/v1/journeys/:id/funnel', response: JourneyFunnelView }),
  results: endpoint({
    method: 'get',
    path: '/v1/journeys/:id/results',
    query: z.object({
      byNode: z.string().optional().describe('A split or branch node: results per path taken there.'),
    }),
    response: JourneyResults,
  }),
  entries: endpoint({
    method: 'get',
    path: '/v1/customers/:id/journeys',
    response: z.object({ items: z.array(JourneyEntryView) }),
  }),
  templates: endpoint({
    method: 'get',
    path: '/v1/journey-templates',
    response: z.object({ items: z.array(JourneyTemplateEntry) }),
  }),
  fromTemplate: endpoint({
    method: 'post',
    path: '/v1/journey-templates/:key',
    body: JourneyFromTemplate,
    acceptsDrafts: true,
    response: JourneyView,
    status: 201,
  }),
};
