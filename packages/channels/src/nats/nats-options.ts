import { z } from 'zod';

/** What JetStream accepts as a stream or consumer name: no spaces, dots, wildcards or slashes. */
const NAME = /^[^\s.*>/\\]{1,255}$/;
/** A subject: dot-separated tokens, `*` for one token, a final `>` for the rest. */
const SUBJECT = /^(?:[^\s.*>]+|\*)(?:\.(?:[^\s.*>]+|\*))*(?:\.>)?$|^>$/;

const ServerUrl = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'nats:' || url.protocol === 'tls:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { error: 'must be a nats:// or tls:// URL such as nats://127.0.0.1:4222' },
);

/** A durable pull consumer on a JetStream stream of event messages. */
export const NatsSourceOptions = z.strictObject({
  /** One server URL, or several of the same cluster. */
  servers: z
    .union([ServerUrl, z.array(ServerUrl).min(1, { error: 'must name at least one server' })])
    .transform((servers) => (typeof servers === 'string' ? [servers] : servers)),
  stream: z.string().regex(NAME, { error: 'must be a stream name without spaces, dots, *, > or slashes' }),
  /** The subject (wildcards allowed, e.g. `cvm.events.>`) the consumer takes from the stream. */
  subject: z.string().regex(SUBJECT, { error: 'must be a NATS subject such as cvm.events or cvm.events.>' }),
  /** The consumer's durable name: a source opened again with it resumes where the last one left off. */
  durable: z.string().regex(NAME, { error: 'must be a consumer name without spaces, dots, *, > or slashes' }),
  /** Create the stream (file storage, the subject above) when it does not exist. */
  createStream: z.boolean().default(false),
  /** Most messages per batch handed to the handler. */
  batchSize: z.number().int().min(1).max(10_000).default(500),
  /** How long a batch waits for more messages once its first has arrived. */
  maxWaitMs: z.number().int().min(0).max(10_000).default(2),
  /** A message held this long without an answer (the process died) is delivered again. */
  ackWaitMs: z.number().int().min(1_000).max(3_600_000).default(30_000),
});
export type NatsSourceOptions = z.infer<typeof NatsSourceOptions>;
/** The options as written in the config: defaults may be left out. */
export type NatsSourceOptionsInput = z.input<typeof NatsSourceOptions>;
