import { customersApi, journeysApi, workspaceApi } from '@opencvm/core';
import type { z } from 'zod';
import { call } from '../../api/client.ts';

/** The answers the Customers area reads: the shared contract's schemas (core/src/api). */

export type FieldValue = string | number | boolean | null;

export const CustomerMatch = customersApi.search.response.shape.items.element;
export type CustomerMatch = z.infer<typeof CustomerMatch>;

export const CustomerDetails = customersApi.show.response;
export type CustomerDetails = z.infer<typeof CustomerDetails>;

export const CustomerEvent = CustomerDetails.shape.lastEvents.element;
export type CustomerEvent = z.infer<typeof CustomerEvent>;

export const CustomerSegment = customersApi.segments.response.shape.items.element;
export type CustomerSegment = z.infer<typeof CustomerSegment>;

export const CustomerContact = customersApi.contacts.response.shape.items.element;
export type CustomerContact = z.infer<typeof CustomerContact>;

/** What the pages need of the workspace schema: its currency, locales and declared attributes. */
export const WorkspaceView = workspaceApi.schema.response;
export type WorkspaceView = z.infer<typeof WorkspaceView>;

export const CustomerJourneyEntry = journeysApi.entries.response.shape.items.element;
export type CustomerJourneyEntry = z.infer<typeof CustomerJourneyEntry>;

export const customerApi = {
  journeys: (id: string) => call(journeysApi.entries, { params: { id } }),
  search: (text: string, limit: number, cursor: string | null) =>
    call(customersApi.search, {
      query: { q: text, limit: String(limit), ...(cursor === null ? {} : { cursor }) },
    }),
  details: (id: string) => call(customersApi.show, { params: { id } }),
  segments: (id: string) => call(customersApi.segments, { params: { id } }),
  contacts: (id: string) => call(customersApi.contacts, { params: { id }, query: { limit: '500' } }),
  workspace: () => call(workspaceApi.schema),
};

/** An entry of a label table, or undefined: tables are keyed by what the API may answer. */
export const labelOf = (table: Readonly<Record<string, string>>, key: string): string | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;
