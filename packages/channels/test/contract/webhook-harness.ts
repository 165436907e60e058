import { z } from 'zod';
import { createWebhookAdapter } from '../../src/webhook/index.ts';
import { startWebhookPeer } from '../../testing/webhook-peer.ts';
import { type AdapterHarness, adapterPool, baseMessage, GREETING } from './harness.ts';

/** What the contract reads of a delivered body. */
const DeliveredBody = z.object({ recipient: z.string(), content: z.json() });

/** Signed JSON POSTs to a local receiver that records each `Idempotency-Key` once. */
export const webhookHarness: AdapterHarness = {
  kind: 'webhook',
  async start() {
    const peer = await startWebhookPeer();
    const adapters = adapterPool(() => {
      const created = createWebhookAdapter({ url: peer.url, signingSecret: peer.secret }, {});
      if (!created.ok) throw new Error(created.error.message);
      return created.value;
    });
    return {
      adapter: adapters.start,
      message: (customerId) =>
        baseMessage(customerId, {
          channel: 'webhook',
          recipient: customerId,
          content: { type: 'webhook', locale: 'ru', payload: { text: GREETING, offer: 'BONUS' } },
        }),
      addressOf: (message) => message.recipient,
      deliveries: async () =>
        peer.deliveries.map((delivery, index) => {
          const body = DeliveredBody.parse(delivery.body);
          // The peer answers the n-th delivery (from 0) with `{"id":"peer-<n>"}`.
          return {
            key: delivery.key,
            to: body.recipient,
            text: JSON.stringify(body.content),
            providerId: `peer-${index}`,
          };
        }),
      repeatsDroppedBy: 'peer',
      repeats: () => peer.duplicates(),
      receipts: false,
      transientFailures: [
        {
          name: '503 with Retry-After: 2',
          inject: async () => peer.failNext({ status: 503, retryAfter: '2', count: 1 }),
          reason: /^HTTP 503: \{"error":"failing on purpose"\}$/,
          retryAfterMs: 2000,
        },
        {
          name: '429',
          inject: async () => peer.failNext({ status: 429, count: 1 }),
          reason: /^HTTP 429: /,
        },
      ],
      permanentFailures: [
        {
          name: '422',
          inject: async () => peer.failNext({ status: 422, count: 1 }),
          reason: /^HTTP 422: /,
          bounced: false,
        },
      ],
      inbound: {
        absent: 'a webhook is one way: the receiver answers each POST and sends nothing back on its own',
      },
      holdNextAnswer: () => peer.holdNext(),
      async [Symbol.asyncDispose]() {
        await adapters.closeAll();
        await peer.close();
      },
    };
  },
};
