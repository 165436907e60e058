import { z } from 'zod';
import { api } from '../../api/client.ts';

/** The answers the Customers area reads. */

const FieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type FieldValue = z.infer<typeof FieldValue>;

const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const CustomerMatch = z.object({
  id: z.string(),
  msisdn: z.string().nullable(),
  email: z.string().nullable(),
  locale: z.string().nullable(),
  attributes: z.record(z.string(), FieldValue),
});
export type CustomerMatch = z.infer<typeof CustomerMatch>;

export const CustomerEvent = z.object({
  id: z.string(),
  type: z.string(),
  ts: z.string(),
  amount: z.string().nullable(),
  currency: z.string().nullable(),
  attributes: z.record(z.string(), FieldValue),
});
export type CustomerEvent = z.infer<typeof CustomerEvent>;

export const CustomerDetails = z.object({
  customer: z.record(z.string(), FieldValue),
  lastEvents: z.array(CustomerEvent),
  relations: z.array(
    z.object({
      direction: z.enum(['out', 'in']),
      customerId: z.string(),
      kind: z.string(),
      weight: z.number(),
    }),
  ),
});
export type CustomerDetails = z.infer<typeof CustomerDetails>;

export const CustomerSegment = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  member: z.boolean().nullable(),
  issue: z.string().nullable(),
});
export type CustomerSegment = z.infer<typeof CustomerSegment>;

export const CustomerContact = z.object({
  runId: z.string(),
  campaignId: z.string(),
  campaignName: z.string().nullable(),
  offerId: z.string().nullable(),
  offerName: z.string().nullable(),
  channel: z.string(),
  outcome: z.string(),
  deliveryStatus: z.string().nullable(),
  deliveryAt: z.string().nullable(),
  sendAt: z.string().nullable(),
  recordedAt: z.string(),
});
export type CustomerContact = z.infer<typeof CustomerContact>;

/** What the pages need of the workspace schema: its currency, locales and declared attributes. */
export const WorkspaceView = z.object({
  workspace: z.object({
    name: z.string(),
    currency: z.string(),
    timezone: z.string(),
    defaultLocale: z.string(),
  }),
  customer: z.object({
    attributes: z.record(
      z.string(),
      z.object({ type: z.string(), description: z.string().optional() }).loose(),
    ),
  }),
});
export type WorkspaceView = z.infer<typeof WorkspaceView>;

const path = (id: string) => `/v1/customers/${encodeURIComponent(id)}`;

export const customerApi = {
  search: (text: string, limit: number, cursor: string | null) =>
    api(
      'GET',
      `/v1/customers?${new URLSearchParams({ q: text, limit: String(limit), ...(cursor === null ? {} : { cursor }) })}`,
      { schema: pageOf(CustomerMatch) },
    ),
  details: (id: string) => api('GET', path(id), { schema: CustomerDetails }),
  segments: (id: string) =>
    api('GET', `${path(id)}/segments`, { schema: z.object({ items: z.array(CustomerSegment) }) }),
  contacts: (id: string) => api('GET', `${path(id)}/contacts?limit=500`, { schema: pageOf(CustomerContact) }),
  workspace: () => api('GET', '/v1/workspace-schema', { schema: WorkspaceView }),
};

/** An entry of a label table, or undefined: tables are keyed by what the API may answer. */
export const labelOf = (table: Readonly<Record<string, string>>, key: string): string | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;
