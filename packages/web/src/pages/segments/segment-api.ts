import { type SegmentRule, segmentsApi, WorkspaceSchema, workspaceApi } from '@opencvm/core';
import type { z } from 'zod';
import { call, callAll } from '../../api/client.ts';

/** Answers of the segment routes that this area reads: the shared contract's schemas (core/src/api). */

export const SavedSegment = segmentsApi.show.response;
export type SavedSegment = z.infer<typeof SavedSegment>;

export const SegmentVersion = segmentsApi.versions.response.shape.items.element;
export type SegmentVersion = z.infer<typeof SegmentVersion>;

export const SegmentSnapshot = segmentsApi.snapshot.response;
export type SegmentSnapshot = z.infer<typeof SegmentSnapshot>;

export const CustomerList = segmentsApi.saveList.response;
export type CustomerList = z.infer<typeof CustomerList>;

export const Count = segmentsApi.count.response;

export const Explain = segmentsApi.explain.response;
export type Explain = z.infer<typeof Explain>;

export const Preview = segmentsApi.preview.response;
export type Preview = z.infer<typeof Preview>;

export { Issue as SchemaIssue, issuesOf } from '../../components/error-text.ts';

export const segmentApi = {
  /** The schema route leaves out delivery; parsing fills it with its default (no channels). */
  schema: () => call(workspaceApi.schema).then((view) => WorkspaceSchema.parse(view)),
  list: () => callAll(segmentsApi.list),
  lists: () => callAll(segmentsApi.lists),
  get: (id: string) => call(segmentsApi.show, { params: { id } }),
  create: (body: { id: string; name: string; description?: string; rule: SegmentRule }) =>
    call(segmentsApi.create, { body }),
  update: (id: string, body: { name: string; description?: string; rule: SegmentRule; version: number }) =>
    call(segmentsApi.update, { params: { id }, body }),
  remove: (id: string) => call(segmentsApi.remove, { params: { id } }),
  count: (rule: SegmentRule) => call(segmentsApi.countRule, { body: { rule } }),
  explain: (rule: SegmentRule) => call(segmentsApi.explainRule, { body: { rule } }),
  preview: (rule: SegmentRule, columns: readonly string[]) =>
    call(segmentsApi.previewRule, { body: { rule, limit: 50, columns: [...columns] } }),
  versions: (id: string) => callAll(segmentsApi.versions, { params: { id } }),
  snapshots: (id: string, limit = 200) =>
    call(segmentsApi.snapshots, { params: { id }, query: { limit: String(limit) } }).then(
      (answer) => answer.items,
    ),
  snapshot: (id: string) => call(segmentsApi.snapshot, { params: { id } }),
  exportUrl: (id: string, columns: readonly string[]) =>
    `/v1/segments/${encodeURIComponent(id)}/export?columns=${encodeURIComponent(columns.join(','))}`,
};
