import { smsEncoding } from '@opencvm/core';
import { createSmppAdapter } from '../../src/smpp/index.ts';
import { ESME_RINVDSTADR, ESME_RTHROTTLED, THROTTLED_BACKOFF_MS } from '../../src/smpp/smpp-status.ts';
import { startSmppPeer } from '../../testing/smpp-peer.ts';
import { type AdapterHarness, adapterPool, baseMessage, GREETING } from './harness.ts';

const PASSWORD = 'pa55word';
/** The SMSC's "temporary application error". */
const ESME_RX_T_APPN = 0x64;
/** The sender id is not valid: nothing about the recipient. */
const ESME_RINVSRCADR = 0x0a;

/** SMS to a local SMSC that keeps one copy per key and sends a receipt for every message. */
export const smppHarness: AdapterHarness = {
  kind: 'smpp',
  async start() {
    const peer = await startSmppPeer({ password: PASSWORD, receipts: true });
    const adapters = adapterPool(() => {
      const created = createSmppAdapter(
        {
          host: '127.0.0.1',
          port: peer.port,
          systemId: 'opencvm',
          password: { env: 'SMPP_PASSWORD' },
          sourceAddr: 'OpenCVM',
          tps: 1000,
          bindTimeoutMs: 2000,
          responseTimeoutMs: 2000,
          reconnectMinDelayMs: 50,
          reconnectMaxDelayMs: 200,
        },
        { SMPP_PASSWORD: PASSWORD },
      );
      if (!created.ok) throw new Error(created.error.message);
      return created.value;
    });
    const failWith = (status: number) => async () => peer.failNext({ status, count: 1 });
    return {
      adapter: adapters.start,
      message: (customerId) =>
        baseMessage(customerId, {
          channel: 'sms',
          recipient: '+79161234567',
          content: {
            type: 'sms',
            locale: 'ru',
            text: GREETING,
            sms: smsEncoding(GREETING),
            warnings: [],
          },
        }),
      // International numbers go without their `+`.
      addressOf: (message) => message.recipient.replace(/^\+/u, ''),
      deliveries: async () =>
        peer.messages.map((received) => ({
          key: received.key ?? '',
          to: received.to,
          text: received.text,
          providerId: received.messageIds.at(-1) ?? null,
        })),
      repeatsDroppedBy: 'peer',
      repeats: () => peer.duplicates(),
      receipts: true,
      transientFailures: [
        {
          name: 'ESME_RTHROTTLED',
          inject: failWith(ESME_RTHROTTLED),
          reason: /ESME_RTHROTTLED/,
          retryAfterMs: THROTTLED_BACKOFF_MS,
        },
        { name: 'ESME_RX_T_APPN', inject: failWith(ESME_RX_T_APPN), reason: /ESME_RX_T_APPN/ },
      ],
      permanentFailures: [
        {
          name: 'ESME_RINVDSTADR',
          inject: failWith(ESME_RINVDSTADR),
          reason: /ESME_RINVDSTADR/,
          bounced: true,
        },
        {
          name: 'ESME_RINVSRCADR',
          inject: failWith(ESME_RINVSRCADR),
          reason: /ESME_RINVSRCADR/,
          bounced: false,
        },
      ],
      inbound: { reply: (message, text) => peer.sendMo(message.recipient, text) },
      holdNextAnswer: () => peer.holdNext(),
      async [Symbol.asyncDispose]() {
        await adapters.closeAll();
        await peer.close();
      },
    };
  },
};
