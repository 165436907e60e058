import {
  type EventStreamError,
  type EventStreamSource,
  err,
  ok,
  type Result,
  type StreamBatchHandler,
  type StreamMessage,
} from '@opencvm/core';
import {
  AckPolicy,
  type ConsumerMessages,
  connect,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  NatsError,
  nanos,
  StorageType,
} from 'nats';
import { NatsSourceOptions, type NatsSourceOptionsInput } from './nats-options.ts';

const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;
const CONNECT_TIMEOUT_MS = 5_000;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const apiCode = (error: unknown): number | undefined =>
  error instanceof NatsError ? error.api_error?.err_code : undefined;

const invalid = (setting: string, message: string): EventStreamError => ({
  type: 'invalid_setting',
  setting,
  message,
});

/** The options' first complaint, named by its path (`servers`, `stream`, …). */
const parseOptions = (input: unknown): Result<NatsSourceOptions, EventStreamError> => {
  const parsed = NatsSourceOptions.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const [issue] = parsed.error.issues;
  const setting = issue?.path.map(String).join('.') || '(options)';
  return err(invalid(setting, issue?.message ?? 'invalid options'));
};

const openConnection = async (
  options: NatsSourceOptions,
): Promise<Result<NatsConnection, EventStreamError>> => {
  try {
    // Reconnects for as long as the process lives: a consumer outlives a NATS restart.
    const connection = await connect({
      servers: options.servers,
      name: `opencvm ${options.durable}`,
      timeout: CONNECT_TIMEOUT_MS,
      maxReconnectAttempts: -1,
    });
    return ok(connection);
  } catch (error) {
    const reason =
      error instanceof NatsError && error.code === 'CONNECTION_REFUSED'
        ? 'connection refused'
        : messageOf(error);
    return err({
      type: 'unreachable',
      setting: 'servers',
      message: `cannot connect to ${options.servers.join(', ')}: ${reason}`,
    });
  }
};

/** Checks the stream (creating it when asked) and creates or updates the durable consumer. */
const prepareConsumer = async (
  manager: JetStreamManager,
  options: NatsSourceOptions,
): Promise<Result<void, EventStreamError>> => {
  const { stream, subject, durable } = options;
  try {
    await manager.streams.info(stream);
  } catch (error) {
    if (apiCode(error) !== STREAM_NOT_FOUND) throw error;
    if (!options.createStream) {
      return err(
        invalid(
          'stream',
          `stream "${stream}" does not exist on ${options.servers.join(', ')}; create it with subject ${subject}, or set createStream`,
        ),
      );
    }
    await manager.streams.add({ name: stream, subjects: [subject], storage: StorageType.File });
  }
  const config = {
    ack_policy: AckPolicy.Explicit,
    filter_subject: subject,
    ack_wait: nanos(options.ackWaitMs),
    // Two batches out at a time (one handled, one gathering): more would sit unanswered in memory
    // until their ack wait ran out.
    max_ack_pending: options.batchSize * 2,
  };
  try {
    const existing = await manager.consumers.info(stream, durable).catch((error: unknown) => {
      if (apiCode(error) === CONSUMER_NOT_FOUND) return null;
      throw error;
    });
    if (existing === null) {
      await manager.consumers.add(stream, {
        durable_name: durable,
        deliver_policy: DeliverPolicy.All,
        ...config,
      });
    } else {
      await manager.consumers.update(stream, durable, config);
    }
  } catch (error) {
    if (error instanceof NatsError && error.api_error?.code === 400) {
      const setting = /filter subject/i.test(error.message) ? 'subject' : 'durable';
      return err(invalid(setting, `stream "${stream}" refused consumer "${durable}": ${error.message}`));
    }
    throw error;
  }
  return ok(undefined);
};

/**
 * Servers before 2.10 do not read a reason after `+TERM` and take the whole answer for none: the
 * message would wait out its ack wait and come back.
 */
const termTakesReason = (version: string | undefined): boolean => {
  const [major = 0, minor = 0] = (version ?? '').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
};

/** One received message, settled at most once: the first answer wins, later ones are ignored. */
const wrap = (message: JsMsg, withReason: boolean): StreamMessage & { readonly settled: () => boolean } => {
  let settled = false;
  const settle = (answer: () => void): void => {
    if (settled) return;
    settled = true;
    answer();
  };
  return {
    data: message.data,
    id: String(message.seq),
    settled: () => settled,
    ack: () => settle(() => message.ack()),
    reject: (reason) => settle(() => (withReason ? message.term(reason) : message.term())),
    retry: (delayMs) => settle(() => message.nak(delayMs)),
  };
};

/**
 * Event messages from a JetStream stream through a durable pull consumer with explicit acks.
 * Messages are pushed to the client as they are published (`consume`), gathered into batches of
 * up to `batchSize` for at most `maxWaitMs`, and answered one by one as the handler says.
 */
export const createNatsEventSource = async (
  input: NatsSourceOptionsInput,
): Promise<Result<EventStreamSource, EventStreamError>> => {
  const parsed = parseOptions(input);
  if (!parsed.ok) return parsed;
  const options = parsed.value;
  const opened = await openConnection(options);
  if (!opened.ok) return opened;
  const connection = opened.value;
  try {
    const manager = await connection.jetstreamManager();
    const prepared = await prepareConsumer(manager, options);
    if (!prepared.ok) {
      await connection.close();
      return prepared;
    }
  } catch (error) {
    await connection.close();
    return err({
      type: 'unreachable',
      setting: 'servers',
      message: `JetStream on ${options.servers.join(', ')} did not answer: ${messageOf(error)}`,
    });
  }
  return ok(natsSource(connection, options));
};

const natsSource = (connection: NatsConnection, options: NatsSourceOptions): EventStreamSource => {
  const buffer: JsMsg[] = [];
  let inFlight: readonly ReturnType<typeof wrap>[] = [];
  const withReason = termTakesReason(connection.info?.version);
  let messages: ConsumerMessages | null = null;
  let wake: (() => void) | null = null;
  let closing: Promise<void> | null = null;
  /** Stop taking messages: on the caller's signal (the batch in hand is finished) or on close. */
  const stop = new AbortController();
  /** Closed: the batch in hand is not waited for. */
  const forced = new AbortController();

  /**
   * `work` or the abort of `signal`, whichever comes first. The listener is removed afterwards:
   * racing a promise that lives as long as the source would keep one reaction per batch.
   */
  const unlessAborted = async (work: Promise<void>, signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return;
    let onAbort = (): void => {};
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
    });
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([work, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
  /** Resolves once `ready()` holds, on stop, or after `ms` (when given). One waiter at a time. */
  const waitFor = async (ready: () => boolean, ms?: number): Promise<void> => {
    if (ready()) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arrived = new Promise<void>((resolve) => {
      const check = (): void => {
        if (ready()) resolve();
        else wake = check;
      };
      wake = check;
      if (ms !== undefined) timer = setTimeout(resolve, ms);
    });
    await unlessAborted(arrived, stop.signal);
    clearTimeout(timer);
    wake = null;
  };
  const retryInFlight = (): void => {
    for (const message of inFlight) if (!message.settled()) message.retry();
    inFlight = [];
  };

  const close = (): Promise<void> => {
    closing ??= (async () => {
      forced.abort();
      stop.abort();
      await messages?.close();
      if (connection.isClosed()) return;
      // Given back now rather than after the ack wait, so the next consumer gets them at once.
      retryInFlight();
      for (const message of buffer.splice(0)) message.nak();
      // Drain flushes the acks and naks written so far before the connection closes.
      await connection.drain();
    })();
    return closing;
  };

  const run = async (handler: StreamBatchHandler, signal: AbortSignal): Promise<void> => {
    const onAbort = (): void => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) stop.abort();
    let failure: unknown = null;
    try {
      const consumer = await connection.jetstream().consumers.get(options.stream, options.durable);
      const consuming = await consumer.consume({
        max_messages: options.batchSize,
        callback: (message) => {
          buffer.push(message);
          wake?.();
        },
      });
      messages = consuming;
      consuming.closed().then(
        () => stop.abort(),
        (error: unknown) => {
          failure = error;
          stop.abort();
        },
      );
      while (!stop.signal.aborted) {
        await waitFor(() => buffer.length > 0);
        if (buffer.length < options.batchSize && options.maxWaitMs > 0)
          await waitFor(() => buffer.length >= options.batchSize, options.maxWaitMs);
        if (stop.signal.aborted) break;
        const batch = buffer.splice(0, options.batchSize).map((message) => wrap(message, withReason));
        inFlight = batch;
        try {
          // A stop on the signal lets the batch finish; a close does not wait for a stuck handler.
          const handling = handler(batch);
          // Its failure after a close has nobody to go to.
          handling.catch(() => undefined);
          await unlessAborted(handling, forced.signal);
        } finally {
          if (!forced.signal.aborted) retryInFlight();
        }
      }
      if (failure !== null)
        throw new Error(`the NATS consumer ${options.durable} stopped: ${messageOf(failure)}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
      await close();
    }
  };

  return {
    description: `${options.servers.join(', ')} stream ${options.stream} consumer ${options.durable}`,
    run,
    close,
  };
};
