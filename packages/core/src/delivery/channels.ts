import { z } from 'zod';

/** Channels a customer can be reached on; consent is recorded per channel and purpose. */
export const CHANNELS = ['sms', 'email', 'push'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const PURPOSES = ['marketing', 'service'] as const;
export const Purpose = z.enum(PURPOSES);
export type Purpose = z.infer<typeof Purpose>;

/** The adapters a channel's messages can go through. */
export const ADAPTER_KINDS = ['smtp', 'smpp', 'webhook', 'file'] as const;
export const AdapterKind = z.enum(ADAPTER_KINDS);
export type AdapterKind = z.infer<typeof AdapterKind>;

/** How one campaign channel is delivered: the adapter, its options, its pace and its retries. */
export const DeliveryRoute = z.strictObject({
  adapter: AdapterKind,
  /** Messages started per second: the gateway's contract (an SMSC's TPS). */
  ratePerSecond: z.number().positive().max(100_000).default(50),
  /** Messages in flight at once. */
  concurrency: z.number().int().min(1).max(256).default(4),
  /** Tries before a temporary failure becomes a dead letter. */
  maxAttempts: z.number().int().min(1).max(50).default(6),
  /** The first retry waits about this long, each next twice as long, up to `retryMaxSeconds`. */
  retryBaseSeconds: z.number().positive().default(30),
  retryMaxSeconds: z.number().positive().default(3600),
  /** A send that takes longer is abandoned and retried. */
  sendTimeoutSeconds: z.number().positive().max(600).default(30),
  /** The adapter's own settings (host, credentials, …), checked by the adapter. */
  options: z.record(z.string(), z.unknown()).default({}),
});
export type DeliveryRoute = z.infer<typeof DeliveryRoute>;

export const DeliveryConfig = z.strictObject({
  /** The server's address as recipients reach it, for unsubscribe links; no links when absent. */
  publicUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  channels: z.partialRecord(z.enum(['sms', 'email', 'push', 'webhook']), DeliveryRoute).default({}),
});
export type DeliveryConfig = z.infer<typeof DeliveryConfig>;
