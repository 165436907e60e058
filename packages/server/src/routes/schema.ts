import { workspaceApi } from '@opencvm/core';
import { type ApiRouter, endpointRoute, type RouteDeps, reply } from '../api-route.ts';

/** The workspace schema, for editors that offer its attributes, event types and relation kinds. */
export const addSchemaRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app } = deps;
  router.route(
    endpointRoute(workspaceApi.schema, {
      access: 'data.read',
      tag: 'Data',
      summary:
        'The workspace schema: customer attributes, event types, relation kinds, features (no delivery)',
      answer: 'The schema without its delivery section.',
    }),
    (c) => {
      const { delivery: _delivery, ...readable } = app.schema;
      return reply(c, workspaceApi.schema, readable);
    },
  );
};
