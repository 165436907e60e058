import { WorkspaceSchema } from '@opencvm/core';
import type { ApiRouter, RouteDeps } from '../api-route.ts';
import { named } from '../openapi.ts';

/** The schema as readers see it: delivery routes hold hosts and credentials, so they stay out. */
const WorkspaceSchemaView = named(WorkspaceSchema.omit({ delivery: true }), 'WorkspaceSchemaView');

/** The workspace schema, for editors that offer its attributes, event types and relation kinds. */
export const addSchemaRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app } = deps;
  router.route(
    {
      method: 'get',
      path: '/v1/workspace-schema',
      access: 'data.read',
      tag: 'Data',
      summary:
        'The workspace schema: customer attributes, event types, relation kinds, features (no delivery)',
      responses: {
        200: { description: 'The schema without its delivery section.', schema: WorkspaceSchemaView },
      },
    },
    (c) => {
      const { delivery: _delivery, ...readable } = app.schema;
      return c.json(readable);
    },
  );
};
