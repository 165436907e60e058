import type { EventStreamSource, StreamMessage } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { createNatsEventSource } from '../../src/nats/index.ts';
import { natsReachable, openNatsTestStream } from '../../testing/index.ts';

const reachable = await natsReachable();
const text = (message: StreamMessage): string => new TextDecoder().decode(message.data);

/** Resolves with the first `count` messages the handler has seen. */
const collector = (count: number) => {
  const seen: StreamMessage[] = [];
  const batches: number[] = [];
  let done = (): void => {};
  const arrived = new Promise<void>((resolve) => {
    done = resolve;
  });
  return {
    seen,
    batches,
    arrived,
    take: (batch: readonly StreamMessage[]): void => {
      batches.push(batch.length);
      seen.push(...batch);
      if (seen.length >= count) done();
    },
  };
};

const open = async (
  stream: { url: string; stream: string; subject: string },
  extra: { durable: string; batchSize?: number; createStream?: boolean },
): Promise<EventStreamSource> => {
  const opened = await createNatsEventSource({
    servers: stream.url,
    stream: stream.stream,
    subject: stream.subject,
    createStream: true,
    maxWaitMs: 20,
    ...extra,
  });
  if (!opened.ok) throw new Error(`${opened.error.setting}: ${opened.error.message}`);
  return opened.value;
};

describe('NATS event source: settings', () => {
  it('names the setting of a server address that is not a NATS URL', async () => {
    const opened = await createNatsEventSource({
      servers: 'http://127.0.0.1:4222',
      stream: 'EVENTS',
      subject: 'cvm.events',
      durable: 'cvm',
    });
    expect(opened).toMatchObject({ ok: false, error: { type: 'invalid_setting', setting: 'servers' } });
  });

  it('names the setting of a subject with a space', async () => {
    const opened = await createNatsEventSource({
      servers: 'nats://127.0.0.1:4222',
      stream: 'EVENTS',
      subject: 'cvm events',
      durable: 'cvm',
    });
    expect(opened).toMatchObject({ ok: false, error: { type: 'invalid_setting', setting: 'subject' } });
  });

  it('says which server it cannot reach', async () => {
    const opened = await createNatsEventSource({
      servers: 'nats://127.0.0.1:1',
      stream: 'EVENTS',
      subject: 'cvm.events',
      durable: 'cvm',
    });
    expect(opened).toMatchObject({ ok: false, error: { type: 'unreachable', setting: 'servers' } });
    expect(!opened.ok && opened.error.message).toContain('nats://127.0.0.1:1');
  });
});

describe.skipIf(!reachable)('NATS event source against a JetStream server', () => {
  it('refuses a stream that does not exist unless asked to create it', async () => {
    await using nats = await openNatsTestStream();
    const opened = await createNatsEventSource({
      servers: nats.url,
      stream: nats.stream,
      subject: nats.subject,
      durable: 'cvm',
    });
    expect(opened).toMatchObject({ ok: false, error: { type: 'invalid_setting', setting: 'stream' } });
    expect(!opened.ok && opened.error.message).toContain(`"${nats.stream}" does not exist`);
  });

  it('hands published messages over in batches, and acked ones are not delivered again', async () => {
    await using nats = await openNatsTestStream();
    const first = await open(nats, { durable: 'cvm', batchSize: 3 });
    for (const n of [1, 2, 3, 4, 5]) await nats.publish({ n });
    const got = collector(5);
    const stop = new AbortController();
    const running = first.run(async (batch) => {
      got.take(batch);
      for (const message of batch) message.ack();
    }, stop.signal);
    await got.arrived;
    stop.abort();
    await running;
    expect(got.seen.map(text)).toEqual([1, 2, 3, 4, 5].map((n) => JSON.stringify({ n })));
    expect(Math.max(...got.batches)).toBeLessThanOrEqual(3);
    expect(got.batches.length).toBeGreaterThanOrEqual(2);
    expect(await nats.consumerState('cvm')).toEqual({ pending: 0, unanswered: 0 });

    // The same durable consumer, opened again, resumes after what was acked.
    const second = await open(nats, { durable: 'cvm', batchSize: 3 });
    await nats.publish({ n: 6 });
    const again = collector(1);
    const stopAgain = new AbortController();
    const runningAgain = second.run(async (batch) => {
      again.take(batch);
      for (const message of batch) message.ack();
    }, stopAgain.signal);
    await again.arrived;
    stopAgain.abort();
    await runningAgain;
    expect(again.seen.map(text)).toEqual([JSON.stringify({ n: 6 })]);
  });

  it('delivers again to a new source what a stopped one left unanswered, but not what it rejected', async () => {
    await using nats = await openNatsTestStream();
    const first = await open(nats, { durable: 'cvm', batchSize: 10 });
    for (const n of [1, 2, 3]) await nats.publish({ n });
    const got = collector(3);
    // The handler answers two messages and then never returns: the process stops mid-batch.
    const running = first.run(async (batch) => {
      got.take(batch);
      for (const message of batch) {
        const { n } = JSON.parse(text(message));
        if (n === 1) message.ack();
        if (n === 2) message.reject('row 0: type: not an event type');
      }
      if (got.seen.length >= 3) await new Promise<never>(() => {});
    }, new AbortController().signal);
    await got.arrived;
    await first.close();
    await running;

    const second = await open(nats, { durable: 'cvm', batchSize: 10 });
    const again = collector(1);
    const stop = new AbortController();
    const runningAgain = second.run(async (batch) => {
      again.take(batch);
      for (const message of batch) message.ack();
    }, stop.signal);
    await again.arrived;
    stop.abort();
    await runningAgain;
    expect(again.seen.map(text)).toEqual([JSON.stringify({ n: 3 })]);
    // Nothing left to deliver or waiting for an answer: the rejected one is gone for good.
    expect(await nats.consumerState('cvm')).toEqual({ pending: 0, unanswered: 0 });
  });

  it('delivers again what the handler asked to retry', async () => {
    await using nats = await openNatsTestStream();
    const source = await open(nats, { durable: 'cvm' });
    await nats.publish({ n: 1 });
    const got = collector(2);
    const stop = new AbortController();
    const running = source.run(async (batch) => {
      got.take(batch);
      for (const message of batch) {
        if (got.seen.length === 1) message.retry();
        else message.ack();
      }
    }, stop.signal);
    await got.arrived;
    stop.abort();
    await running;
    expect(got.seen.map(text)).toEqual([JSON.stringify({ n: 1 }), JSON.stringify({ n: 1 })]);
    expect(await nats.consumerState('cvm')).toEqual({ pending: 0, unanswered: 0 });
  });
});
