import {
  CAMPAIGN_STATUSES,
  type CampaignAction,
  type CampaignStatus,
  campaignsApi,
  DELIVERY_CHANNELS,
  deliveryApi,
  type EndpointAnswer,
  offersApi,
  resultsApi,
  runsApi,
  segmentsApi,
  settingsApi,
  workspaceApi,
} from '@opencvm/core';
import { z } from 'zod';
import { call, callAll } from '../../api/client.ts';
import { issuesOf } from '../../components/error-text.ts';

/** The answers the Campaigns area reads: the shared contract's schemas (core/src/api). */

/** An audience or an offer's eligibility: a saved segment, or a rule (checked by the API). */
const AudienceRef = z.union([
  z.object({ type: z.literal('segment'), segment: z.string() }),
  z.object({ type: z.literal('rule'), rule: z.unknown() }),
]);
type AudienceRef = z.infer<typeof AudienceRef>;

const ruleOf = (audience: AudienceRef): unknown =>
  audience.type === 'segment' ? { type: 'segment', segment: audience.segment } : audience.rule;

export const StoredCampaign = campaignsApi.show.response;
export type StoredCampaign = z.infer<typeof StoredCampaign>;

export const CampaignRun = runsApi.show.response;
export type CampaignRun = z.infer<typeof CampaignRun>;

export type RunSummary = Omit<CampaignRun, 'campaignVersion'>;

export const RunDelivery = deliveryApi.run.response;
export type RunDelivery = z.infer<typeof RunDelivery>;

export const CampaignTemplateEntry = campaignsApi.templates.response.shape.items.element;
export type CampaignTemplateEntry = z.infer<typeof CampaignTemplateEntry>;

export const StoredOffer = offersApi.show.response;
export type StoredOffer = z.infer<typeof StoredOffer>;

export const SavedSegment = segmentsApi.show.response;
export type SavedSegment = z.infer<typeof SavedSegment>;

export const SchemaView = workspaceApi.schema.response;
export type SchemaView = z.infer<typeof SchemaView>;

export const ContactPolicySettings = settingsApi.contactPolicy.response;
export type ContactPolicySettings = z.infer<typeof ContactPolicySettings>;

export const ContentPreview = settingsApi.previewContent.response;
export type ContentPreview = z.infer<typeof ContentPreview>;

export const Plan = resultsApi.plan.response;
export type Plan = EndpointAnswer<typeof resultsApi.plan>;

export type { CampaignAction, CampaignStatus };
export { CAMPAIGN_STATUSES, DELIVERY_CHANNELS };

export const campaignApi = {
  list: (status: CampaignStatus | null) =>
    callAll(campaignsApi.list, { query: status === null ? {} : { status } }),
  show: (id: string) => call(campaignsApi.show, { params: { id } }),
  create: (definition: unknown) => call(campaignsApi.create, { body: definition }),
  update: (id: string, definition: object, version: number) =>
    call(campaignsApi.update, { params: { id }, body: { ...definition, version } }),
  remove: (id: string, version: number) =>
    call(campaignsApi.remove, { params: { id }, query: { version: String(version) } }),
  act: (id: string, action: CampaignAction, options: { note?: string; version: number }) =>
    call(campaignsApi[action], {
      params: { id },
      body: { version: options.version, ...(options.note ? { note: options.note } : {}) },
    }),
  runs: (id: string) => callAll(runsApi.list, { params: { id } }),
  /** The real runs results cover: what roles without data.read (viewers) may see of a campaign's runs. */
  resultRuns: (id: string): Promise<RunSummary[]> =>
    callAll(resultsApi.runs, { params: { id } }).then((runs) =>
      runs.map((run) => ({ ...run, dryRun: false, dueAt: null })),
    ),
  runNow: (id: string) => call(runsApi.run, { params: { id } }),
  dryRun: (id: string) => call(runsApi.dryRun, { params: { id } }),
  delivery: (runId: string) => call(deliveryApi.run, { params: { runId } }),
  templates: () => callAll(campaignsApi.templates),
  fromTemplate: (key: string, body: Record<string, string>) =>
    call(campaignsApi.fromTemplate, { params: { key }, body }),
  offers: () => callAll(offersApi.list),
  segments: () => callAll(segmentsApi.list),
  schema: () => call(workspaceApi.schema),
  contactPolicy: () => call(settingsApi.contactPolicy),
  preview: (body: object) => call(settingsApi.previewContent, { body }),
  plan: (body: { baseRate: number; audience: number; controlShare: number }) =>
    call(resultsApi.plan, { body }),
  /** How many customers an audience selects now. */
  audienceCount: async (audience: unknown): Promise<number> => {
    const parsed = AudienceRef.parse(audience);
    const answer =
      parsed.type === 'segment'
        ? await call(segmentsApi.count, { params: { id: parsed.segment } })
        : await call(segmentsApi.countRule, { body: { rule: parsed.rule } });
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
    const answer = await call(segmentsApi.countRule, { body: { rule } });
    return answer.count;
  },
  /** One customer of an audience, for a content preview on real data. */
  sampleCustomer: async (audience: unknown): Promise<string | null> => {
    const parsed = AudienceRef.parse(audience);
    const answer = await call(segmentsApi.previewRule, { body: { rule: ruleOf(parsed), limit: 1 } });
    const id = answer.rows[0]?.id;
    return typeof id === 'string' ? id : null;
  },
};

export { issuesOf };
