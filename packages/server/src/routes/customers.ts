import type { SegmentRule } from '@opencvm/core';
import { z } from 'zod';
import { type ApiRouter, pathParam, principalOf, type RouteDeps } from '../api-route.ts';
import { named } from '../openapi.ts';
import { PageQuery, pageOf, pageRequest, pageSchema, readCount } from '../pagination.ts';

/** Longer search text matches nothing: no id, number or address is that long. */
export const MAX_SEARCH_TEXT = 320;

/** Saved segments evaluated at once for one customer (each one small query scoped to the customer). */
const SEGMENT_CONCURRENCY = 4;

const FieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const CustomerMatch = named(
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

const SearchQuery = PageQuery.extend({
  q: z
    .string()
    .min(1)
    .max(MAX_SEARCH_TEXT)
    .describe(
      'An id prefix, an exact phone number (separators ignored) or an exact e-mail address (any case). Callers who see contact points masked find customers by id only.',
    ),
});

const CustomerSegment = named(
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

const CustomerContact = named(
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

/** Runs `work` over `items`, at most `concurrency` at a time, keeping their order. */
const mapLimited = async <T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> => {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += concurrency) {
    results.push(...(await Promise.all(items.slice(start, start + concurrency).map(work))));
  }
  return results;
};

/** Customer search, and what a customer's page shows beside `GET /v1/customers/:id`. */
export const addCustomerRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail } = deps;
  const noCustomer = (id: string) => fail({ code: 'not_found', message: `no customer "${id}"` });
  const exists = async (id: string) => (await app.customer(id, { events: 0 })) !== null;

  router.route(
    {
      method: 'get',
      path: '/v1/customers/:id',
      access: 'data.read',
      tag: 'Data',
      summary: 'A customer with their latest events and relations',
      responses: { 200: { description: 'The customer.' } },
    },
    async (c) => {
      const details = await app.customer(pathParam(c, 'id'));
      return details ? c.json(details) : fail({ code: 'not_found', message: 'no customer with that id' });
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/customers',
      access: 'data.read',
      tag: 'Data',
      summary: 'Find customers by id prefix, phone number or e-mail address',
      query: SearchQuery,
      responses: {
        200: { description: 'A page of customers, in id order.', schema: pageSchema(CustomerMatch) },
      },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const text = c.req.query('q') ?? '';
      if (text.length === 0 || text.length > MAX_SEARCH_TEXT) {
        const message = `must be 1 to ${MAX_SEARCH_TEXT} characters`;
        return fail({
          code: 'invalid_body',
          path: 'q',
          message: `q: ${message}`,
          details: { issues: [{ path: 'q', message }] },
        });
      }
      // A caller who must not see contact points must not find customers by them either.
      const found = await app.customers.search({
        text,
        contactPoints: !principalOf(c).masked,
        limit: readCount(page.value),
      });
      return c.json(pageOf(found, page.value));
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/customers/:id/segments',
      access: 'data.read',
      tag: 'Data',
      summary: 'The saved segments, each with whether the customer is in it now',
      description:
        'Each segment is evaluated with its rule restricted to this customer, so only their rows are read (segments that rank or sample everyone read what their rule needs).',
      responses: {
        200: { description: 'Every saved segment.', schema: z.object({ items: z.array(CustomerSegment) }) },
        404: { description: 'No such customer.' },
      },
    },
    async (c) => {
      const id = pathParam(c, 'id');
      if (!(await exists(id))) return noCustomer(id);
      const segments = await app.segments.list();
      const items = await mapLimited(segments, SEGMENT_CONCURRENCY, async (segment) => {
        const rule: SegmentRule = {
          type: 'and',
          rules: [
            { type: 'attribute', attribute: 'id', op: '=', value: id },
            { type: 'segment', segment: segment.id },
          ],
        };
        const counted = await app.segments.count({ rule });
        const base = { id: segment.id, name: segment.name, description: segment.description };
        if (counted.ok) return { ...base, member: counted.value > 0, issue: null };
        const issue =
          counted.error.type === 'invalid_input'
            ? counted.error.issues.map((entry) => `${entry.path}: ${entry.message}`).join('; ')
            : counted.error.message;
        return { ...base, member: null, issue };
      });
      return c.json({ items });
    },
  );

  router.route(
    {
      method: 'get',
      path: '/v1/customers/:id/contacts',
      access: 'data.read',
      tag: 'Data',
      summary:
        'The customer’s contact history: campaign, run, offer, channel, outcome and delivery, newest first',
      query: PageQuery,
      responses: {
        200: { description: 'A page of contact-history rows.', schema: pageSchema(CustomerContact) },
        404: { description: 'No such customer.' },
      },
    },
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const id = pathParam(c, 'id');
      if (!(await exists(id))) return noCustomer(id);
      return c.json(pageOf(await app.customers.contacts(id, { limit: readCount(page.value) }), page.value));
    },
  );
};
