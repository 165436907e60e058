import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';

/** The NATS server with JetStream the tests use (`nats-server -js`, no auth). */
export const NATS_TEST_URL = process.env.CVM_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * Whether the test NATS server answers. Without one the NATS tests are skipped, saying so; in CI
 * (`CI` set) a missing server fails the run instead.
 */
export const natsReachable = async (): Promise<boolean> => {
  try {
    const connection = await connect({ servers: NATS_TEST_URL, timeout: 2_000, reconnect: false });
    await connection.close();
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI) throw new Error(`NATS is not reachable at ${NATS_TEST_URL} (${reason}); CI needs it`);
    console.warn(`NATS is not reachable at ${NATS_TEST_URL} (${reason}): the NATS tests are skipped`);
    return false;
  }
};

/** A stream name of its own for one test, and a connection to publish to it and look at it. */
export interface NatsTestStream {
  readonly url: string;
  readonly stream: string;
  readonly subject: string;
  publish(payload: string | object): Promise<void>;
  /** The durable consumer's state: messages not yet delivered, and delivered but not answered. */
  consumerState(durable: string): Promise<{ readonly pending: number; readonly unanswered: number }>;
  /** Messages still in the stream. */
  stored(): Promise<number>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Deletes the stream (if a source created it) and closes the connection when disposed. */
export const openNatsTestStream = async (): Promise<NatsTestStream> => {
  const id = randomUUID().replaceAll('-', '').slice(0, 12);
  const stream = `CVM_TEST_${id}`;
  const subject = `cvm.test.${id}.events`;
  const connection: NatsConnection = await connect({ servers: NATS_TEST_URL });
  const manager = await connection.jetstreamManager();
  const jetstream = connection.jetstream();
  return {
    url: NATS_TEST_URL,
    stream,
    subject,
    publish: async (payload) => {
      await jetstream.publish(subject, typeof payload === 'string' ? payload : JSON.stringify(payload));
    },
    consumerState: async (durable) => {
      const info = await manager.consumers.info(stream, durable);
      return { pending: info.num_pending, unanswered: info.num_ack_pending };
    },
    stored: async () => (await manager.streams.info(stream)).state.messages,
    [Symbol.asyncDispose]: async () => {
      await manager.streams.delete(stream).catch(() => false);
      await connection.close();
    },
  };
};
