import { ADAPTER_KINDS, type DeliveryMessage, type DeliveryReport } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { type RunningHarness, readableText } from './harness.ts';
import { HARNESSES } from './harnesses.ts';

/**
 * The channel adapter contract (core's `ChannelAdapter`), specified once and run against every
 * adapter and its real peer: what the dispatcher relies on when it sends, retries after a
 * temporary failure, gives up after a permanent one, sends again after a crash, aborts a slow
 * send, and listens for receipts and opt-outs.
 */

const live = (): AbortSignal => new AbortController().signal;

const aborted = (): AbortSignal => {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
};

const deliveriesOf = async (harness: RunningHarness, message: DeliveryMessage) =>
  (await harness.deliveries()).filter((delivery) => delivery.key === message.key);

const optOuts = (reports: readonly DeliveryReport[]) => reports.filter((report) => report.type === 'opt_out');

it('runs on every adapter kind', () => {
  expect(HARNESSES.map((harness) => harness.kind).sort()).toEqual([...ADAPTER_KINDS].sort());
});

for (const harness of HARNESSES) {
  describe(`${harness.kind} adapter contract`, () => {
    it('sends a message that reaches its recipient once, with its content, and answers sent', async () => {
      await using peer = await harness.start();
      const { adapter } = await peer.adapter();
      const message = peer.message('c-1');

      const result = await adapter.send(message, live());

      const deliveries = await peer.deliveries();
      expect(deliveries).toEqual([
        {
          key: message.key,
          to: peer.addressOf(message),
          text: readableText(message.content),
          providerId: expect.toBeOneOf([expect.any(String), null]),
        },
      ]);
      // The peer's own id for the message where it gives one: receipts name it.
      expect(result).toEqual({ type: 'sent', providerId: deliveries[0]?.providerId });
    });

    it('passes the receipt of a sent message to onReport where the channel has receipts', async () => {
      await using peer = await harness.start();
      const { adapter, reports } = await peer.adapter();
      const result = await adapter.send(peer.message('c-1'), live());
      if (result.type !== 'sent') throw new Error(`not sent: ${result.reason}`);

      if (peer.receipts) {
        expect(result.providerId).not.toBeNull();
        const receipt = await reports.waitFor((report) => report.type === 'receipt');
        expect(receipt).toEqual({
          type: 'receipt',
          providerId: result.providerId,
          status: 'delivered',
          at: expect.any(Date),
        });
      } else {
        expect(reports.all).toEqual([]);
      }
    });

    it('answers retry, never throwing, for a temporary failure, and sends the message once the peer recovers', async () => {
      await using peer = await harness.start();
      const { adapter } = await peer.adapter();
      expect(peer.transientFailures.length).toBeGreaterThan(0);
      for (const [index, failure] of peer.transientFailures.entries()) {
        const message = peer.message(`c-${index}`);
        await failure.inject(message);

        const first = await adapter.send(message, live());
        expect(first, failure.name).toEqual({
          type: 'retry',
          reason: expect.stringMatching(failure.reason),
          ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
        });
        expect(await deliveriesOf(peer, message), failure.name).toEqual([]);

        const again = await adapter.send({ ...message, attempt: 2 }, live());
        const delivered = await deliveriesOf(peer, message);
        expect(delivered, failure.name).toHaveLength(1);
        expect(again, failure.name).toEqual({ type: 'sent', providerId: delivered[0]?.providerId });
      }
    });

    it('answers failed with the reason for a permanent failure, and nothing reaches the recipient', async () => {
      await using peer = await harness.start();
      const { adapter } = await peer.adapter();
      expect(peer.permanentFailures.length).toBeGreaterThan(0);
      for (const [index, failure] of peer.permanentFailures.entries()) {
        const message = peer.message(`c-${index}`);
        await failure.inject(message);

        const result = await adapter.send(message, live());
        expect(result, failure.name).toEqual({
          type: 'failed',
          reason: expect.stringMatching(failure.reason),
          ...(failure.bounced ? { bounced: true } : {}),
        });
        expect(await deliveriesOf(peer, message), failure.name).toEqual([]);
      }
    });

    it('does not reach the recipient twice when a new adapter sends the same key again, as after a crash', async () => {
      await using peer = await harness.start();
      const before = await peer.adapter();
      const message = peer.message('c-1');
      const first = await before.adapter.send(message, live());
      expect(first.type).toBe('sent');

      // The first instance is never closed: the process that held it is gone.
      const after = await peer.adapter();
      const again = await after.adapter.send({ ...message, attempt: 2 }, live());

      expect(again).toEqual(first);
      expect(await deliveriesOf(peer, message)).toHaveLength(1);
      // A peer that drops repeats must have seen the copy and known it by its key.
      expect(peer.repeats()).toBe(peer.repeatsDroppedBy === 'peer' ? 1 : 0);
    });

    it('passes an inbound STOP to onReport as an opt-out where the channel has inbound messages, and otherwise reports none', async () => {
      await using peer = await harness.start();
      const { adapter, reports } = await peer.adapter();
      const message = peer.message('c-1');
      expect((await adapter.send(message, live())).type).toBe('sent');

      if ('absent' in peer.inbound) {
        expect(peer.inbound.absent).not.toBe('');
        expect(optOuts(reports.all)).toEqual([]);
        return;
      }
      await peer.inbound.reply(message, 'STOP');
      const optOut = await reports.waitFor((report) => report.type === 'opt_out');
      // Named as the outbox names the recipient, so the consent withdrawn is this customer's.
      expect(optOut).toEqual({
        type: 'opt_out',
        channel: message.channel,
        recipient: message.recipient,
        text: 'STOP',
        at: expect.any(Date),
      });
      expect(optOuts(reports.all)).toHaveLength(1);
    });

    it('answers retry for a send whose signal aborted before it started, and sends nothing', async () => {
      await using peer = await harness.start();
      const { adapter } = await peer.adapter();
      const message = peer.message('c-1');

      expect(await adapter.send(message, aborted())).toEqual({ type: 'retry', reason: expect.any(String) });
      expect(await peer.deliveries()).toEqual([]);

      expect((await adapter.send({ ...message, attempt: 2 }, live())).type).toBe('sent');
      expect(await deliveriesOf(peer, message)).toHaveLength(1);
    });

    it('answers retry for a send aborted while the peer holds its answer; sent again, it reaches the recipient once', async () => {
      await using peer = await harness.start();
      if ('absent' in peer.holdNextAnswer) {
        expect(peer.holdNextAnswer.absent).not.toBe('');
        return;
      }
      const { adapter } = await peer.adapter();
      const message = peer.message('c-1');
      const hold = peer.holdNextAnswer();
      const controller = new AbortController();

      const sending = adapter.send(message, controller.signal);
      await hold.arrived;
      controller.abort();
      // Answered while the peer still holds its answer: the adapter does not wait for it.
      expect(await sending).toEqual({ type: 'retry', reason: expect.any(String) });

      // The peer may have taken the message before the send was abandoned; its key tells.
      hold.release();
      const again = await adapter.send({ ...message, attempt: 2 }, live());
      const delivered = await deliveriesOf(peer, message);
      expect(delivered).toHaveLength(1);
      expect(again).toEqual({ type: 'sent', providerId: delivered[0]?.providerId });
    });

    it('finishes a send in progress when closed, then answers retry and sends nothing', async () => {
      await using peer = await harness.start();
      const { adapter } = await peer.adapter();
      const message = peer.message('c-1');
      if ('absent' in peer.holdNextAnswer) {
        expect((await adapter.send(message, live())).type).toBe('sent');
        await adapter.close();
      } else {
        const hold = peer.holdNextAnswer();
        const sending = adapter.send(message, live());
        await hold.arrived;
        const closing = adapter.close();
        hold.release();
        expect(await sending).toMatchObject({ type: 'sent' });
        await closing;
      }

      expect(await adapter.send(peer.message('c-2'), live())).toEqual({
        type: 'retry',
        reason: expect.any(String),
      });
      expect((await peer.deliveries()).map((delivery) => delivery.key)).toEqual([message.key]);
    });
  });
}
