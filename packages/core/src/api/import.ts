import { z } from 'zod';
import { endpoint, named } from './endpoint.ts';

/** What the store holds and how fresh it is. */

export const Summary = named(
  z.object({
    customers: z.number().int(),
    events: z.number().int(),
    relations: z.number().int(),
    lastEventAt: z.string().nullable(),
    lastImportAt: z.string().nullable(),
  }),
  'Summary',
);

export const importApi = {
  summary: endpoint({ method: 'get', path: '/v1/summary', response: Summary }),
};
