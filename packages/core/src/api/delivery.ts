import { z } from 'zod';
import { endpoint, named } from './endpoint.ts';

/** What delivery shows of a run over HTTP. */

export const RunDelivery = named(
  z.object({
    runId: z.string(),
    statuses: z.record(z.string(), z.number()).describe('Outbox rows of the run by status.'),
    failures: z.array(z.object({ reason: z.string(), count: z.number() })),
    unsubscribed: z.number(),
    channels: z.array(
      z.object({
        channel: z.string(),
        sent: z.number(),
        firstSentAt: z.string().nullable(),
        lastSentAt: z.string().nullable(),
        perSecond: z.number().nullable(),
      }),
    ),
  }),
  'RunDelivery',
);

export const deliveryApi = {
  run: endpoint({ method: 'get', path: '/v1/runs/:runId/delivery', response: RunDelivery }),
};
