import type { App } from '@opencvm/app';
import { z } from 'zod';
import type { ApiRouter } from '../api-route.ts';
import { named } from '../openapi.ts';

const Health = named(
  z.object({
    status: z.literal('ok'),
    engine: z.string(),
    version: z.string(),
  }),
  'Health',
);

/** Whether the server is up: public, for load balancers and probes. */
export const addHealthRoutes = (
  router: ApiRouter,
  deps: { readonly app: App; readonly version: string },
): void => {
  router.route(
    {
      method: 'get',
      path: '/health',
      access: 'public',
      tag: 'Meta',
      summary: 'Whether the server is up, its store engine and version',
      responses: { 200: { description: 'The server answers.', schema: Health } },
    },
    async (c) => c.json({ status: 'ok', engine: deps.app.engine, version: deps.version }),
  );
};
