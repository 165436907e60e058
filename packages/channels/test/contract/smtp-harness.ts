import { createSmtpAdapter, parseSmtpOptions } from '../../src/smtp/index.ts';
import { startSmtpPeer } from '../../testing/smtp-peer.ts';
import { type AdapterHarness, adapterPool, baseMessage, GREETING } from './harness.ts';

/** E-mail to a local SMTP server that drops a Message-ID it already accepted. */
export const smtpHarness: AdapterHarness = {
  kind: 'smtp',
  async start() {
    const peer = await startSmtpPeer();
    const options = parseSmtpOptions({
      host: '127.0.0.1',
      port: peer.port,
      from: { address: 'offers@bank.example', name: 'Bank Offers' },
    });
    if (!options.ok) throw new Error(options.error.message);
    const { value } = options;
    const adapters = adapterPool(() => {
      const created = createSmtpAdapter(value, {});
      if (!created.ok) throw new Error(created.error.message);
      return created.value;
    });
    return {
      adapter: adapters.start,
      message: (customerId) =>
        baseMessage(customerId, {
          channel: 'email',
          recipient: `${customerId}@example.com`,
          content: {
            type: 'email',
            locale: 'ru',
            subject: 'Ваше предложение',
            html: `<p>${GREETING}</p>`,
            text: GREETING,
          },
        }),
      addressOf: (message) => message.recipient,
      deliveries: () =>
        Promise.all(
          peer.messages.map(async (received) => ({
            key: received.key,
            to: received.to.join(', '),
            text: (await received.content()).text,
            providerId: received.queueId,
          })),
        ),
      repeatsDroppedBy: 'peer',
      repeats: () => peer.duplicates(),
      receipts: false,
      transientFailures: [
        { name: '451 after DATA', inject: async () => peer.setFailNext(1), reason: /\b451\b/ },
      ],
      permanentFailures: [
        {
          name: '550 5.1.1 at RCPT TO',
          inject: async (message) => peer.rejectRecipient(message.recipient),
          reason: /\b550 5\.1\.1\b/,
          bounced: true,
        },
      ],
      inbound: {
        absent:
          'SMTP carries mail one way; replies and bounces come back later as mail, not on this connection',
      },
      holdNextAnswer: () => peer.holdNext(),
      async [Symbol.asyncDispose]() {
        await adapters.closeAll();
        await peer.close();
      },
    };
  },
};
