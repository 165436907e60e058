import { SegmentRule, WorkspaceSchema } from '@opencvm/core';
import { z } from 'zod';
import { api } from '../../api/client.ts';

/** Answers of the segment routes that this area reads, checked on arrival. */

export const SavedSegment = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  rule: SegmentRule,
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SavedSegment = z.infer<typeof SavedSegment>;

export const SegmentVersion = z.object({
  version: z.number().int(),
  name: z.string(),
  description: z.string().nullable(),
  rule: SegmentRule,
  createdAt: z.string(),
});
export type SegmentVersion = z.infer<typeof SegmentVersion>;

export const SegmentSnapshot = z.object({
  id: z.string(),
  segmentId: z.string(),
  version: z.number().int(),
  takenAt: z.string(),
  size: z.number().int(),
  entered: z.number().int().nullable(),
  left: z.number().int().nullable(),
});
export type SegmentSnapshot = z.infer<typeof SegmentSnapshot>;

export const CustomerList = z.object({
  name: z.string(),
  size: z.number().int(),
  matched: z.number().int(),
  updatedAt: z.string(),
});
export type CustomerList = z.infer<typeof CustomerList>;

const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const Count = z.object({ count: z.number().int() });

export const Explain = z.object({
  customers: z.number().int(),
  matched: z.number().int(),
  nodes: z.array(
    z.object({
      path: z.string(),
      type: z.string(),
      matched: z.number().int(),
      cumulative: z.number().int().nullable(),
    }),
  ),
});
export type Explain = z.infer<typeof Explain>;

export const Preview = z.object({
  columns: z.array(z.string()),
  rows: z.array(z.record(z.string(), z.unknown())),
});
export type Preview = z.infer<typeof Preview>;

/** The schema route leaves out delivery; parsing fills it with its default (no channels). */
const SchemaView = z.unknown().transform((value, ctx) => {
  const parsed = WorkspaceSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

export { Issue as SchemaIssue, issuesOf } from '../../components/error-text.ts';

/** Pages through a list route to its end; segment and list counts stay small. */
const everything = async <T extends z.ZodType>(path: string, item: T): Promise<z.infer<T>[]> => {
  const items: z.infer<T>[] = [];
  let cursor: string | null = null;
  do {
    const query: string =
      cursor === null ? '?limit=1000' : `?limit=1000&cursor=${encodeURIComponent(cursor)}`;
    const answer = await api('GET', `${path}${query}`, { schema: page(item) });
    items.push(...answer.items);
    cursor = answer.nextCursor;
  } while (cursor !== null);
  return items;
};

const segmentPath = (id: string) => `/v1/segments/${encodeURIComponent(id)}`;

export const segmentApi = {
  schema: () => api('GET', '/v1/workspace-schema', { schema: SchemaView }),
  list: () => everything('/v1/segments', SavedSegment),
  lists: () => everything('/v1/lists', CustomerList),
  get: (id: string) => api('GET', segmentPath(id), { schema: SavedSegment }),
  create: (body: { id: string; name: string; description?: string; rule: SegmentRule }) =>
    api('POST', '/v1/segments', { body, schema: SavedSegment }),
  update: (id: string, body: { name: string; description?: string; rule: SegmentRule; version: number }) =>
    api('PUT', segmentPath(id), { body, schema: SavedSegment }),
  remove: (id: string) => api('DELETE', segmentPath(id)),
  count: (rule: SegmentRule) => api('POST', '/v1/segments:count', { body: { rule }, schema: Count }),
  explain: (rule: SegmentRule) => api('POST', '/v1/segments:explain', { body: { rule }, schema: Explain }),
  preview: (rule: SegmentRule, columns: readonly string[]) =>
    api('POST', '/v1/segments:preview', { body: { rule, limit: 50, columns }, schema: Preview }),
  versions: (id: string) => everything(`${segmentPath(id)}/versions`, SegmentVersion),
  snapshots: (id: string, limit = 200) =>
    api('GET', `${segmentPath(id)}/snapshots?limit=${limit}`, { schema: page(SegmentSnapshot) }).then(
      (answer) => answer.items,
    ),
  snapshot: (id: string) => api('POST', `${segmentPath(id)}/snapshots`, { schema: SegmentSnapshot }),
  exportUrl: (id: string, columns: readonly string[]) =>
    `${segmentPath(id)}/export?columns=${encodeURIComponent(columns.join(','))}`,
};
