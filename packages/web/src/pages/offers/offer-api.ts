import { Offer } from '@opencvm/core';
import { z } from 'zod';
import { api } from '../../api/client.ts';
import { Issue, issuesOf } from '../../components/error-text.ts';

/** The answers the Offers and content area reads, checked against the schemas the API is built on. */

export const StoredOffer = z.object({ offer: Offer, createdAt: z.string(), updatedAt: z.string() });
export type StoredOffer = z.infer<typeof StoredOffer>;

const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

const SegmentSummary = z.object({ id: z.string(), name: z.string() }).loose();

const TemplateValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const ContentPreview = z.object({
  customerId: z.string(),
  locale: z.string(),
  rendered: z.record(z.string(), z.unknown()).nullable(),
  variables: z.array(z.object({ name: z.string(), value: TemplateValue })),
  issues: z.array(Issue),
  sms: z
    .object({
      encoding: z.enum(['GSM-7', 'UCS-2']),
      segments: z.number(),
      characters: z.number(),
      perSegment: z.number(),
    })
    .nullable(),
});
export type ContentPreview = z.infer<typeof ContentPreview>;

const Workspace = z.object({
  workspace: z.object({ currency: z.string(), defaultLocale: z.string(), timezone: z.string() }),
});

/** Every item of a paged list (offers and segments are short lists). */
const all = async <T extends z.ZodType>(path: string, item: T): Promise<z.infer<T>[]> => {
  const items: z.infer<T>[] = [];
  let cursor: string | null = null;
  do {
    const query: string =
      cursor === null ? '?limit=1000' : `?limit=1000&cursor=${encodeURIComponent(cursor)}`;
    const page = await api('GET', `${path}${query}`, { schema: pageOf(item) });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
};

const offerPath = (id: string) => `/v1/offers/${encodeURIComponent(id)}`;

export const offerApi = {
  list: () => all('/v1/offers', StoredOffer),
  get: (id: string) => api('GET', offerPath(id), { schema: StoredOffer }),
  create: (body: unknown) => api('POST', '/v1/offers', { body, schema: StoredOffer }),
  update: (id: string, body: unknown) => api('PUT', offerPath(id), { body, schema: StoredOffer }),
  remove: (id: string) => api('DELETE', offerPath(id)),
  segments: () => all('/v1/segments', SegmentSummary),
  workspace: () => api('GET', '/v1/workspace-schema', { schema: Workspace }),
  preview: (body: unknown) => api('POST', '/v1/content:preview', { body, schema: ContentPreview }),
};

export { issuesOf };
