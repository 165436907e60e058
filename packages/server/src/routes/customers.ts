import { customersApi, MAX_SEARCH_TEXT, type SegmentRule } from '@opencvm/core';
import {
  type ApiRouter,
  endpointRoute,
  pathParam,
  principalOf,
  type RouteDeps,
  reply,
} from '../api-route.ts';
import { pageOf, pageRequest, readCount } from '../pagination.ts';

/** Saved segments evaluated at once for one customer (each one small query scoped to the customer). */
const SEGMENT_CONCURRENCY = 4;

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
    endpointRoute(customersApi.show, {
      access: 'data.read',
      tag: 'Data',
      summary: 'A customer with their latest events and relations',
      answer: 'The customer.',
    }),
    async (c) => {
      const details = await app.customer(pathParam(c, 'id'));
      return details
        ? reply(c, customersApi.show, details)
        : fail({ code: 'not_found', message: 'no customer with that id' });
    },
  );

  router.route(
    endpointRoute(customersApi.search, {
      access: 'data.read',
      tag: 'Data',
      summary: 'Find customers by id prefix, phone number or e-mail address',
      answer: 'A page of customers, in id order.',
    }),
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
      return reply(c, customersApi.search, pageOf(found, page.value));
    },
  );

  router.route(
    endpointRoute(customersApi.segments, {
      access: 'data.read',
      tag: 'Data',
      summary: 'The saved segments, each with whether the customer is in it now',
      description:
        'Each segment is evaluated with its rule restricted to this customer, so only their rows are read (segments that rank or sample everyone read what their rule needs).',
      answer: 'Every saved segment.',
      failures: { 404: { description: 'No such customer.' } },
    }),
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
      return reply(c, customersApi.segments, { items });
    },
  );

  router.route(
    endpointRoute(customersApi.contacts, {
      access: 'data.read',
      tag: 'Data',
      summary:
        'The customer’s contact history: campaign, run, offer, channel, outcome and delivery, newest first',
      answer: 'A page of contact-history rows.',
      failures: { 404: { description: 'No such customer.' } },
    }),
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const id = pathParam(c, 'id');
      if (!(await exists(id))) return noCustomer(id);
      return reply(
        c,
        customersApi.contacts,
        pageOf(await app.customers.contacts(id, { limit: readCount(page.value) }), page.value),
      );
    },
  );
};
