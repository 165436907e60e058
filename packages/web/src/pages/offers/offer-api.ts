import { offersApi, segmentsApi, settingsApi, workspaceApi } from '@opencvm/core';
import type { z } from 'zod';
import { call, callAll } from '../../api/client.ts';
import { issuesOf } from '../../components/error-text.ts';

/** The answers the Offers and content area reads: the shared contract's schemas (core/src/api). */

export const StoredOffer = offersApi.show.response;
export type StoredOffer = z.infer<typeof StoredOffer>;

export const ContentPreview = settingsApi.previewContent.response;
export type ContentPreview = z.infer<typeof ContentPreview>;

export const offerApi = {
  list: () => callAll(offersApi.list),
  get: (id: string) => call(offersApi.show, { params: { id } }),
  create: (body: unknown) => call(offersApi.create, { body }),
  update: (id: string, body: unknown) => call(offersApi.update, { params: { id }, body }),
  remove: (id: string) => call(offersApi.remove, { params: { id } }),
  segments: () => callAll(segmentsApi.list),
  workspace: () => call(workspaceApi.schema),
  preview: (body: unknown) => call(settingsApi.previewContent, { body }),
};

export { issuesOf };
