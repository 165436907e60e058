import { z } from 'zod';
import { endpoint, named, PageQuery, pageOf } from './endpoint.ts';

/** Finding customers and what a customer's page shows: details, segments, contact history. */

/** Longer search text matches nothing: no id, number or address is that long. */
export const MAX_SEARCH_TEXT = 320;

const FieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const CustomerMatch = named(
  z.object({
    id: z.string(),
    msisdn: z.string().nullable(),
    email: z.string().nullable(),
    locale: z.string().nullable(),
    attributes: z
      .record(z.string(), FieldValue)
      .describe('The first declared customer attributes of the workspace schema.'),
  }),
  'CustomerMatch',
);

export const CustomerEvent = z.object({
  id: z.string(),
  type: z.string(),
  ts: z.string(),
  amount: z.string().nullable(),
  currency: z.string().nullable(),
  attributes: z.record(z.string(), FieldValue),
});

export const CustomerView = named(
  z.object({
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
  }),
  'CustomerDetails',
);

export const CustomerSegment = named(
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    member: z
      .boolean()
      .nullable()
      .describe('null: the segment no longer fits the workspace schema and was not evaluated.'),
    issue: z.string().nullable().describe('Why `member` is null.'),
  }),
  'CustomerSegment',
);

export const CustomerContact = named(
  z.object({
    runId: z.string(),
    campaignId: z.string(),
    campaignName: z.string().nullable().describe('null when the campaign was deleted.'),
    offerId: z.string().nullable(),
    offerName: z.string().nullable(),
    channel: z.string(),
    outcome: z.string().describe('`queued`, `ucg`, `control`, `excluded:…` or `suppressed:…`.'),
    deliveryStatus: z.string().nullable(),
    deliveryAt: z.string().nullable(),
    sendAt: z.string().nullable(),
    recordedAt: z.string(),
  }),
  'CustomerContact',
);

const SearchQuery = PageQuery.extend({
  q: z
    .string()
    .min(1)
    .max(MAX_SEARCH_TEXT)
    .describe(
      'An id prefix, an exact phone number (separators ignored) or an exact e-mail address (any case). Callers who see contact points masked find customers by id only.',
    ),
});

export const customersApi = {
  search: endpoint({
    method: 'get',
    path: '/v1/customers',
    query: SearchQuery,
    response: pageOf(CustomerMatch),
  }),
  show: endpoint({ method: 'get', path: '/v1/customers/:id', response: CustomerView }),
  segments: endpoint({
    method: 'get',
    path: '/v1/customers/:id/segments',
    response: z.object({ items: z.array(CustomerSegment) }),
  }),
  contacts: endpoint({
    method: 'get',
    path: '/v1/customers/:id/contacts',
    query: PageQuery,
    response: pageOf(CustomerContact),
  }),
};
