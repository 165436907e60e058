/**
 * A durable stream of event messages (NATS JetStream, …): what the stream import needs of it.
 * Delivery is at least once: a message is handed out again until it is acked or rejected, so a
 * consumer must tolerate repeats (events are de-duplicated by id when stored).
 */
export interface StreamMessage {
  readonly data: Uint8Array;
  /** Where the message sits in its stream (sequence number), for error reports and logs. */
  readonly id: string;
  /** Handled: never delivered again. */
  ack(): void;
  /** Cannot ever be handled (bad JSON, an invalid row): never delivered again. */
  reject(reason: string): void;
  /** Not handled this time (a store failure): delivered again, after `delayMs` when given. */
  retry(delayMs?: number): void;
}

/** Called with each batch; a message it leaves unsettled when it returns is retried. */
export type StreamBatchHandler = (batch: readonly StreamMessage[]) => Promise<void>;

export interface EventStreamSource {
  /** Where the messages come from, for logs: e.g. `nats://127.0.0.1:4222 stream EVENTS`. */
  readonly description: string;
  /**
   * Hands batches to `handler`, one at a time, until `signal` aborts (then resolves once the
   * batch in hand is handled) or the handler throws (then rejects, once the batch's unsettled
   * messages are retried). Either way the source is closed when it returns.
   */
  run(handler: StreamBatchHandler, signal: AbortSignal): Promise<void>;
  /**
   * Stops at once, without waiting for the batch in hand: what was received and not settled is
   * retried, and the connection closed.
   */
  close(): Promise<void>;
}

/** Why a source could not be opened; `setting` names the option at fault. */
export interface EventStreamError {
  readonly type: 'invalid_setting' | 'unreachable';
  readonly setting: string;
  readonly message: string;
}
