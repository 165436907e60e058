import { z } from 'zod';
import type { RenderedContent } from '../content/render-template.ts';
import { smsEncoding } from '../content/sms-encoding.ts';
import { UNSUBSCRIBE_URL_PLACEHOLDER } from '../content/template-variables.ts';

/**
 * The delivery port: what the dispatcher hands a channel adapter and what it gets back.
 * Adapters (packages/channels: smtp, smpp, webhook, file) implement it; the dispatcher owns
 * claiming, rate limits, concurrency, retries and status, so an adapter only speaks its protocol.
 *
 * Exactly once over a crash: the dispatcher records a message as `sending` before it calls
 * `send`, so after a crash the message is sent again with the same `key`. Every adapter puts the
 * key on the wire where the receiving side uses it to recognise a repeat (SMTP `Message-ID`, the
 * webhook `Idempotency-Key` header, an SMPP optional parameter, a column of the file) and treats a
 * repeat the peer reports as already received as sent.
 */

/** The idempotency key of an outbox row: `runId:customerId:step`. */
export const deliveryKey = (row: {
  readonly runId: string;
  readonly customerId: string;
  readonly step: string;
}): string => `${row.runId}:${row.customerId}:${row.step}`;

export interface DeliveryMessage {
  /** `deliveryKey` of the outbox row; the same on every attempt. */
  readonly key: string;
  readonly runId: string;
  readonly campaignId: string;
  readonly customerId: string;
  readonly step: string;
  /** The campaign's channel (`sms`, `email`, `push`, `webhook`). */
  readonly channel: string;
  readonly purpose: string;
  /** msisdn, e-mail address, push token or, for webhooks, the customer id. */
  readonly recipient: string;
  readonly content: RenderedContent;
  /** 1 on the first try. */
  readonly attempt: number;
  /**
   * A signed link that withdraws the customer's consent for this channel and purpose; present
   * for marketing messages when the server's public address is configured.
   */
  readonly unsubscribeUrl?: string | undefined;
}

export type SendResult =
  /** Accepted by the gateway; `providerId` is its message id (delivery receipts name it). */
  | { readonly type: 'sent'; readonly providerId: string | null }
  /** A temporary failure (timeout, throttling, a 4xx/5xx the gateway marks temporary). */
  | { readonly type: 'retry'; readonly reason: string; readonly retryAfterMs?: number | undefined }
  /** A permanent failure: retrying cannot help. `bounced`: the recipient does not exist. */
  | { readonly type: 'failed'; readonly reason: string; readonly bounced?: boolean | undefined };

/** What a gateway reports later, on its own. */
export type DeliveryReport =
  /** A delivery receipt for a message the gateway accepted (`providerId` from `sent`). */
  | {
      readonly type: 'receipt';
      readonly providerId: string;
      readonly status: 'delivered' | 'failed';
      readonly reason?: string | undefined;
      readonly at: Date;
    }
  /** An inbound opt-out ("STOP", "СТОП") from a recipient. */
  | {
      readonly type: 'opt_out';
      readonly channel: string;
      readonly recipient: string;
      readonly text: string;
      readonly at: Date;
    };

export interface ChannelAdapter {
  /** The adapter kind: `smtp`, `smpp`, `webhook`, `file`. */
  readonly kind: string;
  /** Connects (binds, opens) and starts passing reports to `onReport`; called once before `send`. */
  start(onReport: (report: DeliveryReport) => void): Promise<void>;
  /**
   * Sends one message. Never throws for a gateway's answer or a network error: those are
   * `retry` or `failed`. `signal` aborts a send that outlives the dispatcher's timeout.
   */
  send(message: DeliveryMessage, signal: AbortSignal): Promise<SendResult>;
  /** Called when a run's messages are all sent (the file adapter closes the run's file). */
  finishRun?(runId: string): Promise<void>;
  /** Waits for sends in progress and disconnects. */
  close(): Promise<void>;
}

const StoredContent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sms'), locale: z.string(), text: z.string() }),
  z.object({
    type: z.literal('email'),
    locale: z.string(),
    subject: z.string(),
    html: z.string(),
    text: z.string(),
  }),
  z.object({ type: z.literal('push'), locale: z.string(), title: z.string(), body: z.string() }),
  z.object({ type: z.literal('webhook'), locale: z.string(), payload: z.json() }),
]);

/**
 * Content read back from the outbox as the renderer wrote it; null when it is not (a row written
 * by hand, a damaged one): such a message fails rather than going out half-formed.
 */
export const parseStoredContent = (value: unknown): RenderedContent | null => {
  const parsed = StoredContent.safeParse(value);
  if (!parsed.success) return null;
  const content = parsed.data;
  // The SMS encoding is recomputed from the text, never trusted from storage.
  return content.type === 'sms' ? { ...content, sms: smsEncoding(content.text), warnings: [] } : content;
};

const replaceLink = (value: unknown, url: string): unknown => {
  if (typeof value === 'string') return value.replaceAll(UNSUBSCRIBE_URL_PLACEHOLDER, url);
  if (Array.isArray(value)) return value.map((item) => replaceLink(item, url));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceLink(item, url)]));
  }
  return value;
};

/**
 * The message with the customer's unsubscribe link where its template named
 * `message.unsubscribe_url` (nothing there when no link can be made: no public address is set).
 */
export const withUnsubscribeUrl = (content: RenderedContent, url: string | undefined): RenderedContent => {
  const link = url ?? '';
  switch (content.type) {
    case 'sms': {
      const text = content.text.replaceAll(UNSUBSCRIBE_URL_PLACEHOLDER, link);
      return { ...content, text, sms: smsEncoding(text) };
    }
    case 'email':
      return {
        ...content,
        subject: content.subject.replaceAll(UNSUBSCRIBE_URL_PLACEHOLDER, link),
        // The link is plain URL characters except `&`, which a base64url token never holds.
        html: content.html.replaceAll(UNSUBSCRIBE_URL_PLACEHOLDER, link),
        text: content.text.replaceAll(UNSUBSCRIBE_URL_PLACEHOLDER, link),
      };
    case 'push':
      return {
        ...content,
        title: content.title.replaceAll(UNSUBSCRIBE_URL_PLACEHOLDER, link),
        body: content.body.replaceAll(UNSUBSCRIBE_URL_PLACEHOLDER, link),
      };
    case 'webhook':
      return { ...content, payload: z.json().parse(replaceLink(content.payload, link)) };
  }
};
