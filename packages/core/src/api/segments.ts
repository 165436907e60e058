import { z } from 'zod';
import { SegmentDefinition, SegmentRule } from '../segments/segment-rule.ts';
import { endpoint, named, PageQuery, pageOf } from './endpoint.ts';

/** Segments, their counts, previews, versions and snapshots, and customer lists over HTTP. */

export const SavedSegment = named(
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    rule: SegmentRule,
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  'SavedSegment',
);
export const SegmentVersion = named(
  z.object({
    version: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    rule: SegmentRule,
    createdAt: z.string(),
  }),
  'SegmentVersion',
);
export const SegmentSnapshot = named(
  z.object({
    id: z.string(),
    segmentId: z.string(),
    version: z.number().int(),
    takenAt: z.string(),
    size: z.number().int(),
    entered: z.number().int().nullable(),
    left: z.number().int().nullable(),
  }),
  'SegmentSnapshot',
);
export const CustomerList = named(
  z.object({
    name: z.string(),
    size: z.number().int(),
    matched: z.number().int(),
    updatedAt: z.string(),
  }),
  'CustomerList',
);
export const Count = named(z.object({ count: z.number().int() }), 'Count');
export const Preview = named(
  z.object({ columns: z.array(z.string()), rows: z.array(z.record(z.string(), z.unknown())) }),
  'Preview',
);
export const Explain = named(
  z.object({
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
  }),
  'Explain',
);
export const SegmentPreset = z.object({ key: z.string(), name: z.string(), rule: SegmentRule });

const SegmentChange = named(
  SegmentDefinition.partial({ id: true })
    .extend({
      version: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe(
          'The version the change is based on (as read); when the stored one moved since, the answer is 409 `conflict` with reason `stale_version` and nothing is written.',
        ),
    })
    .describe('The segment definition; `id`, when given, must be the one in the path.'),
  'SegmentChange',
);
const RuleBody = named(z.object({ rule: SegmentRule }), 'RuleBody');
const PreviewBody = named(
  z.object({
    rule: SegmentRule,
    limit: z.number().int().min(1).max(1000).optional(),
    columns: z.array(z.string()).optional(),
  }),
  'PreviewBody',
);
const ListIds = named(
  z.object({ ids: z.array(z.string()).describe('Customer ids; repeats count once.') }),
  'ListIds',
);
const PreviewQuery = z.object({
  limit: z.string().regex(/^\d+$/).optional().describe('Rows to show, 1 to 1000.'),
  columns: z.string().optional().describe('Comma-separated customer columns; `id` when absent.'),
});
const ChangesQuery = z.object({
  limit: z
    .string()
    .regex(/^\d+$/)
    .optional()
    .describe('Ids to show of each of entered and left; 100 by default.'),
});
const ExportQuery = z.object({
  columns: z.string().optional().describe('Comma-separated customer columns; `id` when absent.'),
});

export const segmentsApi = {
  list: endpoint({ method: 'get', path: '/v1/segments', query: PageQuery, response: pageOf(SavedSegment) }),
  create: endpoint({
    method: 'post',
    path: '/v1/segments',
    body: SegmentDefinition,
    response: SavedSegment,
    status: 201,
  }),
  show: endpoint({ method: 'get', path: '/v1/segments/:id', response: SavedSegment }),
  update: endpoint({ method: 'put', path: '/v1/segments/:id', body: SegmentChange, response: SavedSegment }),
  remove: endpoint({ method: 'delete', path: '/v1/segments/:id', status: 204 }),
  versions: endpoint({
    method: 'get',
    path: '/v1/segments/:id/versions',
    query: PageQuery,
    response: pageOf(SegmentVersion),
  }),
  countRule: endpoint({ method: 'post', path: '/v1/segments:count', body: RuleBody, response: Count }),
  count: endpoint({ method: 'get', path: '/v1/segments/:id/count', response: Count }),
  previewRule: endpoint({
    method: 'post',
    path: '/v1/segments:preview',
    body: PreviewBody,
    response: Preview,
  }),
  preview: endpoint({
    method: 'get',
    path: '/v1/segments/:id/preview',
    query: PreviewQuery,
    response: Preview,
  }),
  explainRule: endpoint({ method: 'post', path: '/v1/segments:explain', body: RuleBody, response: Explain }),
  explain: endpoint({ method: 'get', path: '/v1/segments/:id/explain', response: Explain }),
  snapshot: endpoint({
    method: 'post',
    path: '/v1/segments/:id/snapshots',
    response: SegmentSnapshot,
    status: 201,
  }),
  snapshots: endpoint({
    method: 'get',
    path: '/v1/segments/:id/snapshots',
    query: PageQuery,
    response: pageOf(SegmentSnapshot),
  }),
  changes: endpoint({
    method: 'get',
    path: '/v1/snapshots/:snapshotId/changes',
    query: ChangesQuery,
    response: z.object({ entered: z.array(z.string()), left: z.array(z.string()) }),
  }),
  /** CSV, streamed: no JSON answer. */
  export: endpoint({ method: 'get', path: '/v1/segments/:id/export', query: ExportQuery }),
  presets: endpoint({
    method: 'get',
    path: '/v1/segment-presets',
    response: z.object({ items: z.array(SegmentPreset) }),
  }),
  fromPreset: endpoint({
    method: 'post',
    path: '/v1/segment-presets/:key',
    response: SavedSegment,
    status: 201,
  }),
  lists: endpoint({ method: 'get', path: '/v1/lists', query: PageQuery, response: pageOf(CustomerList) }),
  saveList: endpoint({ method: 'put', path: '/v1/lists/:name', body: ListIds, response: CustomerList }),
  removeList: endpoint({ method: 'delete', path: '/v1/lists/:name', status: 204 }),
};
