import {
  type CampaignAction,
  type EndpointAnswer,
  journeysApi,
  offersApi,
  segmentsApi,
  WorkspaceSchema,
  workspaceApi,
} from '@opencvm/core';
import type { z } from 'zod';
import { call, callAll } from '../../api/client.ts';
import type { RuleContext } from '../segments/rule-model.ts';

/** The answers the Journeys area reads: the shared contract's schemas (core/src/api). */

export type JourneyView = z.infer<typeof journeysApi.show.response>;
export type StoredJourney = JourneyView['journey'];
export type JourneyFunnel = EndpointAnswer<typeof journeysApi.funnel>;
export type JourneyTemplateEntry = z.infer<typeof journeysApi.templates.response>['items'][number];
export type JourneyIssue = JourneyView['issues'][number];
export type JourneyResults = EndpointAnswer<typeof journeysApi.results>;
export type JourneyEntryView = EndpointAnswer<typeof journeysApi.entries>['items'][number];

/** What the side panel chooses from: the workspace's offers, and what a segment rule may name. */
export interface JourneyLookups {
  readonly offers: readonly { readonly id: string; readonly name: string }[];
  readonly rules: RuleContext;
}

/** What a journey's definition is without its lifecycle: what create and update take. */
export const definitionOf = (journey: StoredJourney): Record<string, unknown> => {
  const {
    status: _status,
    createdBy: _createdBy,
    submittedBy: _submittedBy,
    submittedAt: _submittedAt,
    approvedBy: _approvedBy,
    approvedAt: _approvedAt,
    history: _history,
    ...definition
  } = journey;
  return definition;
};

export type JourneyAction = CampaignAction;

export const journeyApi = {
  list: () => callAll(journeysApi.list),
  show: (id: string) => call(journeysApi.show, { params: { id } }),
  create: (definition: Record<string, unknown>) => call(journeysApi.create, { body: definition as never }),
  update: (journey: StoredJourney, version: number) =>
    call(journeysApi.update, {
      params: { id: journey.id },
      body: { ...definitionOf(journey), version } as never,
    }),
  remove: (id: string) => call(journeysApi.remove, { params: { id } }),
  act: (id: string, action: JourneyAction, options: { readonly note?: string; readonly version: number }) =>
    call(journeysApi[action], {
      params: { id },
      body: { version: options.version, ...(options.note ? { note: options.note } : {}) },
    }),
  funnel: (id: string) => call(journeysApi.funnel, { params: { id } }),
  results: (id: string, byNode?: string) =>
    call(journeysApi.results, { params: { id }, query: byNode === undefined ? {} : { byNode } }),
  entries: (customerId: string) =>
    call(journeysApi.entries, { params: { id: customerId } }).then((answer) => answer.items),
  templates: () => call(journeysApi.templates).then((answer) => answer.items),
  fromTemplate: (key: string, body: { readonly id: string; readonly locale?: 'en' | 'ru' }) =>
    call(journeysApi.fromTemplate, { params: { key }, body }),
  offers: () => callAll(offersApi.list),
  segments: () => callAll(segmentsApi.list),
  schema: () => call(workspaceApi.schema),
  lookups: async (): Promise<JourneyLookups> => {
    const [offers, segments, lists, schema] = await Promise.all([
      callAll(offersApi.list),
      callAll(segmentsApi.list),
      callAll(segmentsApi.lists),
      // The schema route leaves out delivery; parsing fills it with its default (no channels).
      call(workspaceApi.schema).then((view) => WorkspaceSchema.parse(view)),
    ]);
    return {
      offers: offers.map(({ offer }) => ({ id: offer.id, name: offer.name })),
      rules: {
        schema,
        segments: segments.map((segment) => ({ id: segment.id, name: segment.name })),
        lists: lists.map((list) => list.name),
        selfId: null,
      },
    };
  },
};
