import { consumeEventStream } from '@opencvm/app';
import { createNatsEventSource } from '@opencvm/channels';
import type { NormalizedRow } from '@opencvm/core';
import { EXIT, fail } from '../errors.ts';
import { natsEnvKey } from './config.ts';
import type { Workspace } from './open-app.ts';

/** What may act on events as soon as they are stored (a real-time evaluator); none by default. */
export type OnEventsAccepted = (rows: readonly NormalizedRow[]) => Promise<void>;

export interface RunningEventStream {
  /** Stops taking messages, waits for the batch in hand, and closes the connection. */
  stop(): Promise<void>;
}

/**
 * Starts importing events from the NATS JetStream stream the config names, or returns null when
 * none is configured. A setting the server refuses (a stream that does not exist, a subject
 * outside it) or a server that cannot be reached stops the command, naming the variable.
 */
export const startEventStream = async (
  workspace: Workspace,
  options: {
    readonly clock: () => Date;
    readonly log: (line: string) => void;
    readonly onAccepted?: OnEventsAccepted;
  },
): Promise<RunningEventStream | null> => {
  const config = workspace.config.events.nats;
  if (config === null) return null;
  const opened = await createNatsEventSource(config);
  if (!opened.ok) return fail(`${natsEnvKey(opened.error.setting)}: ${opened.error.message}`, EXIT.usage);
  const source = opened.value;
  const { log } = options;
  const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
  const stop = new AbortController();
  const consuming = consumeEventStream(
    { store: workspace.store, schema: workspace.app.schema, clock: options.clock },
    source,
    {
      signal: stop.signal,
      ...(options.onAccepted ? { onAccepted: options.onAccepted } : {}),
      onRejected: (rejection) => log(`events: message ${rejection.messageId} rejected: ${rejection.reason}`),
      onError: (error) => log(`events: a batch will be delivered again: ${describe(error)}`),
    },
  ).then(
    (totals) =>
      log(
        `events: stopped after ${totals.messages} messages (${totals.rows} rows stored, ${totals.rejected} messages rejected)`,
      ),
    (error: unknown) => log(`events: the stream consumer stopped: ${describe(error)}`),
  );
  log(`events: importing from ${source.description}`);
  return {
    stop: async () => {
      stop.abort();
      await consuming;
    },
  };
};
