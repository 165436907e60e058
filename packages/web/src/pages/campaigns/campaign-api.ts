import {
  CAMPAIGN_STATUSES,
  Campaign,
  type CampaignAction,
  type CampaignStatus,
  DELIVERY_CHANNELS,
  RunFunnel,
} from '@opencvm/core';
import { z } from 'zod';
import { api } from '../../api/client.ts';
import { Issue, issuesOf } from '../../components/error-text.ts';

/** The answers the Campaigns area reads, checked against the same schemas the API is built on. */

/** An audience or an offer's eligibility: a saved segment, or a rule (checked by the API). */
const AudienceRef = z.union([
  z.object({ type: z.literal('segment'), segment: z.string() }),
  z.object({ type: z.literal('rule'), rule: z.unknown() }),
]);
type AudienceRef = z.infer<typeof AudienceRef>;

const ruleOf = (audience: AudienceRef): unknown =>
  audience.type === 'segment' ? { type: 'segment', segment: audience.segment } : audience.rule;

export const StoredCampaign = z.object({
  campaign: Campaign,
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StoredCampaign = z.infer<typeof StoredCampaign>;

const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const CampaignRun = z.object({
  id: z.string(),
  campaignId: z.string(),
  campaignVersion: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  status: z.string(),
  dryRun: z.boolean(),
  dueAt: z.string().nullable(),
  funnel: RunFunnel.nullable().catch(null),
});
export type CampaignRun = z.infer<typeof CampaignRun>;

/** A real run as results show it to every role: its funnel counts, no more. */
const ResultsRun = CampaignRun.omit({ campaignVersion: true, dryRun: true, dueAt: true });
export type RunSummary = Omit<CampaignRun, 'campaignVersion'>;

export const RunDelivery = z.object({
  runId: z.string(),
  statuses: z.record(z.string(), z.number()),
  failures: z.array(z.object({ reason: z.string(), count: z.number() })),
  unsubscribed: z.number(),
  channels: z.array(
    z.object({
      channel: z.string(),
      sent: z.number(),
      firstSentAt: z.string().nullable(),
      lastSentAt: z.string().nullable(),
      perSecond: z.number().nullable(),
    }),
  ),
});
export type RunDelivery = z.infer<typeof RunDelivery>;

export const CampaignTemplateEntry = z.object({
  key: z.string(),
  name: z.record(z.string(), z.string()),
  description: z.record(z.string(), z.string()),
  requires: z
    .object({
      customerAttributes: z.array(z.string()),
      eventTypes: z.array(z.string()),
      features: z.array(z.string()),
    })
    .catch({ customerAttributes: [], eventTypes: [], features: [] }),
  offerId: z.string(),
  audience: AudienceRef.nullable().catch(null),
  eligibility: AudienceRef.nullable().catch(null),
  available: z.boolean(),
  issues: z.array(Issue),
});
export type CampaignTemplateEntry = z.infer<typeof CampaignTemplateEntry>;

export const StoredOffer = z.object({
  offer: z.object({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    channels: z.array(z.string()).catch([]),
    validFrom: z.string(),
    validTo: z.string().optional(),
    eligibility: AudienceRef.optional().catch(undefined),
  }),
});
export type StoredOffer = z.infer<typeof StoredOffer>;

export const SavedSegment = z.object({ id: z.string(), name: z.string() });
export type SavedSegment = z.infer<typeof SavedSegment>;

export const SchemaView = z.object({
  workspace: z.object({ defaultLocale: z.string(), timezone: z.string() }),
  events: z.record(z.string(), z.object({ amount: z.boolean().optional() })),
});
export type SchemaView = z.infer<typeof SchemaView>;

const Caps = z.object({
  day: z.number().optional(),
  week: z.number().optional(),
  month: z.number().optional(),
});
const Quiet = z.object({ from: z.string(), to: z.string() });
export const ContactPolicySettings = z.object({
  policy: z.object({
    caps: z.record(z.string(), Caps.optional()),
    quietHours: z.record(z.string(), Quiet.nullable().optional()),
  }),
  source: z.string(),
  version: z.number(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type ContactPolicySettings = z.infer<typeof ContactPolicySettings>;

export const ContentPreview = z.object({
  customerId: z.string(),
  locale: z.string(),
  rendered: z.record(z.string(), z.unknown()).nullable(),
  variables: z.array(
    z.object({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }),
  ),
  issues: z.array(Issue),
  sms: z
    .object({
      encoding: z.string(),
      segments: z.number(),
      characters: z.number(),
      perSegment: z.number(),
    })
    .nullable(),
});
export type ContentPreview = z.infer<typeof ContentPreview>;

export const Plan = z.object({
  mde: z.object({ absolute: z.number(), relative: z.number() }),
});
export type Plan = z.infer<typeof Plan>;

const Count = z.object({ count: z.number() });
const Preview = z.object({ columns: z.array(z.string()), rows: z.array(z.record(z.string(), z.unknown())) });

export type { CampaignAction, CampaignStatus };
export { CAMPAIGN_STATUSES, DELIVERY_CHANNELS };

/** Every page of a list (campaign lists are small; the API pages by 1000 at most). */
const allPages = async <T extends z.ZodType>(path: string, item: T): Promise<z.infer<T>[]> => {
  const items: z.infer<T>[] = [];
  let cursor: string | null = null;
  const separator = path.includes('?') ? '&' : '?';
  do {
    const page: { items: z.infer<T>[]; nextCursor: string | null } = await api(
      'GET',
      `${path}${separator}limit=1000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      { schema: pageOf(item) },
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
};

const enc = encodeURIComponent;

export const campaignApi = {
  list: (status: CampaignStatus | null) =>
    allPages(status === null ? '/v1/campaigns' : `/v1/campaigns?status=${status}`, StoredCampaign),
  show: (id: string) => api('GET', `/v1/campaigns/${enc(id)}`, { schema: StoredCampaign }),
  create: (definition: unknown) => api('POST', '/v1/campaigns', { body: definition, schema: StoredCampaign }),
  update: (id: string, definition: object, version: number) =>
    api('PUT', `/v1/campaigns/${enc(id)}`, { body: { ...definition, version }, schema: StoredCampaign }),
  remove: (id: string, version: number) => api('DELETE', `/v1/campaigns/${enc(id)}?version=${version}`),
  act: (id: string, action: CampaignAction, options: { note?: string; version: number }) =>
    api('POST', `/v1/campaigns/${enc(id)}/${action}`, {
      body: { version: options.version, ...(options.note ? { note: options.note } : {}) },
      schema: StoredCampaign,
    }),
  runs: (id: string) => allPages(`/v1/campaigns/${enc(id)}/runs`, CampaignRun),
  /** The real runs results cover: what roles without data.read (viewers) may see of a campaign's runs. */
  resultRuns: (id: string): Promise<RunSummary[]> =>
    allPages(`/v1/campaigns/${enc(id)}/results/runs`, ResultsRun).then((runs) =>
      runs.map((run) => ({ ...run, dryRun: false, dueAt: null })),
    ),
  runNow: (id: string) => api('POST', `/v1/campaigns/${enc(id)}/runs`, { schema: CampaignRun }),
  dryRun: (id: string) => api('POST', `/v1/campaigns/${enc(id)}/dry-runs`, { schema: CampaignRun }),
  delivery: (runId: string) => api('GET', `/v1/runs/${enc(runId)}/delivery`, { schema: RunDelivery }),
  templates: () => allPages('/v1/campaign-templates', CampaignTemplateEntry),
  fromTemplate: (key: string, body: Record<string, string>) =>
    api('POST', `/v1/campaign-templates/${enc(key)}`, {
      body,
      schema: z.object({ campaign: StoredCampaign, offerCreated: z.boolean() }),
    }),
  offers: () => allPages('/v1/offers', StoredOffer),
  segments: () => allPages('/v1/segments', SavedSegment),
  schema: () => api('GET', '/v1/workspace-schema', { schema: SchemaView }),
  contactPolicy: () => api('GET', '/v1/contact-policy', { schema: ContactPolicySettings }),
  preview: (body: object) => api('POST', '/v1/content:preview', { body, schema: ContentPreview }),
  plan: (body: { baseRate: number; audience: number; controlShare: number }) =>
    api('POST', '/v1/planning', { body, schema: Plan }),
  /** How many customers an audience selects now. */
  audienceCount: async (audience: unknown): Promise<number> => {
    const parsed = z
      .union([
        z.object({ type: z.literal('segment'), segment: z.string() }),
        z.object({ type: z.literal('rule'), rule: z.unknown() }),
      ])
      .parse(audience);
    const answer =
      parsed.type === 'segment'
        ? await api('GET', `/v1/segments/${enc(parsed.segment)}/count`, { schema: Count })
        : await api('POST', '/v1/segments:count', { body: { rule: parsed.rule }, schema: Count });
    return answer.count;
  },
  /**
   * How many customers of an audience at least one of the offers is open to (an offer without
   * eligibility is open to everyone): one count, as the segment builder's, in a single query.
   */
  eligibleCount: async (audience: unknown, eligibilities: readonly (unknown | null)[]): Promise<number> => {
    const parsed = AudienceRef.parse(audience);
    const offers = eligibilities.map((eligibility) =>
      eligibility === null || eligibility === undefined ? null : ruleOf(AudienceRef.parse(eligibility)),
    );
    const anyOffer =
      offers.length === 0 || offers.some((rule) => rule === null)
        ? []
        : [{ type: 'or', rules: offers.filter((rule) => rule !== null) }];
    const rule = { type: 'and', rules: [ruleOf(parsed), ...anyOffer] };
    const answer = await api('POST', '/v1/segments:count', { body: { rule }, schema: Count });
    return answer.count;
  },
  /** One customer of an audience, for a content preview on real data. */
  sampleCustomer: async (audience: unknown): Promise<string | null> => {
    const parsed = z
      .union([
        z.object({ type: z.literal('segment'), segment: z.string() }),
        z.object({ type: z.literal('rule'), rule: z.unknown() }),
      ])
      .parse(audience);
    const rule = parsed.type === 'segment' ? { type: 'segment', segment: parsed.segment } : parsed.rule;
    const answer = await api('POST', '/v1/segments:preview', {
      body: { rule, limit: 1 },
      schema: Preview,
    });
    const id = answer.rows[0]?.id;
    return typeof id === 'string' ? id : null;
  },
};

export { issuesOf };
