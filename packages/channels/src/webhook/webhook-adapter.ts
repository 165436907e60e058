import {
  type ChannelAdapter,
  type DeliveryMessage,
  err,
  ok,
  type RenderedContent,
  type Result,
  type SendResult,
  type WebhookContent,
} from '@opencvm/core';
import { z } from 'zod';
import { REDACTED, resolveSecret } from '../secret.ts';
import { type WebhookConfigError, WebhookOptions, type WebhookOptionsInput } from './webhook-options.ts';
import { signWebhookBody } from './webhook-signature.ts';

/**
 * Delivers each message as one signed JSON POST (see webhook-signature.ts for the signature).
 * The receiver tells repeats apart by the `Idempotency-Key` header, which is the delivery key and
 * the same on every attempt and after a crash; it should answer a key it already processed with
 * 2xx or 409, both of which count as sent.
 *
 * Connections are kept alive by the global fetch agent, so a run reuses a few sockets.
 */

/** What the receiver gets. `content` is the rendered payload for webhook content, else its fields. */
export interface WebhookRequestBody {
  readonly key: string;
  readonly runId: string;
  readonly campaignId: string;
  readonly customerId: string;
  readonly channel: string;
  readonly purpose: string;
  readonly recipient: string;
  readonly locale: string;
  readonly content:
    | WebhookContent['payload']
    | { readonly text: string }
    | { readonly subject: string; readonly html: string; readonly text: string }
    | { readonly title: string; readonly body: string };
  readonly unsubscribeUrl?: string;
}

export interface WebhookAdapterDependencies {
  /** The clock for `X-CVM-Timestamp` and `Retry-After` dates. */
  readonly now?: (() => Date) | undefined;
}

/** Enough of an error answer to say what went wrong, not so much that a reason becomes a page. */
const EXCERPT_CHARS = 200;
/** Bodies are read at most this far: an error page, or a success answer holding an `id`. */
const BODY_READ_LIMIT = 64 * 1024;
/** A header value may not hold line breaks or characters outside Latin-1. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const KEY_HEADER_VALUE = /^[\x21-\x7e]+$/;

const ProviderAnswer = z.object({ id: z.union([z.string().min(1), z.number()]) });
const NetworkErrorCause = z.object({ code: z.string() });

const contentFields = (content: RenderedContent): WebhookRequestBody['content'] => {
  switch (content.type) {
    case 'webhook':
      return content.payload;
    case 'sms':
      return { text: content.text };
    case 'email':
      return { subject: content.subject, html: content.html, text: content.text };
    case 'push':
      return { title: content.title, body: content.body };
  }
};

export const webhookRequestBody = (message: DeliveryMessage): WebhookRequestBody => ({
  key: message.key,
  runId: message.runId,
  campaignId: message.campaignId,
  customerId: message.customerId,
  channel: message.channel,
  purpose: message.purpose,
  recipient: message.recipient,
  locale: message.content.locale,
  content: contentFields(message.content),
  ...(message.unsubscribeUrl === undefined ? {} : { unsubscribeUrl: message.unsubscribeUrl }),
});

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | null, now: Date): number | undefined => {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
};

/** Reads a body up to `limit` bytes; what was read so far when the stream fails. */
const readBody = async (response: Response, limit: number): Promise<{ text: string; complete: boolean }> => {
  const reader = response.body?.getReader();
  if (reader === undefined) return { text: '', complete: true };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = false;
  try {
    while (size < limit) {
      const chunk = await reader.read();
      if (chunk.done) {
        complete = true;
        break;
      }
      chunks.push(chunk.value);
      size += chunk.value.byteLength;
    }
    if (!complete) await reader.cancel();
  } catch {
    // A body cut short still says something; the status alone decides the result.
  }
  return { text: Buffer.concat(chunks).toString('utf8'), complete };
};

const describeIssues = (error: z.ZodError): string =>
  error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');

const networkReason = (error: unknown): string => {
  // fetch reports connection failures as TypeError('fetch failed') with the system error as cause.
  const cause = error instanceof Error ? NetworkErrorCause.safeParse(error.cause) : undefined;
  if (cause?.success) return `network error (${cause.data.code})`;
  return `network error (${error instanceof Error ? error.name : 'unknown'})`;
};

export const createWebhookAdapter = (
  input: WebhookOptionsInput,
  env: Readonly<Record<string, string | undefined>>,
  dependencies: WebhookAdapterDependencies = {},
): Result<ChannelAdapter, WebhookConfigError> => {
  const parsed = WebhookOptions.safeParse(input);
  if (!parsed.success) return err({ type: 'invalid_config', message: describeIssues(parsed.error) });
  const options = parsed.data;
  const now = dependencies.now ?? (() => new Date());

  const signingSecret = resolveSecret(options.signingSecret, env);
  if (!signingSecret.ok) {
    return err({ type: 'invalid_config', message: `signingSecret: ${signingSecret.error.message}` });
  }
  const extraHeaders: [string, string][] = [];
  for (const [name, secret] of Object.entries(options.headers ?? {})) {
    const value = resolveSecret(secret, env);
    if (!value.ok) return err({ type: 'invalid_config', message: `headers.${name}: ${value.error.message}` });
    if (!HEADER_VALUE.test(value.value)) {
      return err({
        type: 'invalid_config',
        message: `headers.${name}: holds a line break or a character an HTTP header cannot carry`,
      });
    }
    extraHeaders.push([name, value.value]);
  }
  // Receivers sometimes echo request headers in error pages; their excerpts must not carry them.
  const secrets = [signingSecret.value, ...extraHeaders.map(([, value]) => value)].filter(
    (value) => value.length >= 4,
  );
  const excerpt = (text: string): string => {
    let redacted = text;
    for (const secret of secrets) redacted = redacted.split(secret).join(REDACTED);
    const oneLine = redacted.replace(/\s+/g, ' ').trim();
    return oneLine.length > EXCERPT_CHARS ? `${oneLine.slice(0, EXCERPT_CHARS)}…` : oneLine;
  };
  const statusReason = async (response: Response): Promise<string> => {
    const { text } = await readBody(response, BODY_READ_LIMIT);
    const shown = excerpt(text);
    return shown === '' ? `HTTP ${response.status}` : `HTTP ${response.status}: ${shown}`;
  };
  const providerIdOf = async (response: Response): Promise<string | null> => {
    const { text, complete } = await readBody(response, BODY_READ_LIMIT);
    if (!complete || text === '') return null;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return null;
    }
    const answer = ProviderAnswer.safeParse(json);
    return answer.success ? String(answer.data.id) : null;
  };

  const resultOf = async (response: Response): Promise<SendResult> => {
    const status = response.status;
    // 409 to a request carrying an Idempotency-Key: the receiver already has this message.
    if ((status >= 200 && status < 300) || status === 409) {
      return { type: 'sent', providerId: await providerIdOf(response) };
    }
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now());
      const reason = await statusReason(response);
      return retryAfter === undefined
        ? { type: 'retry', reason }
        : { type: 'retry', reason, retryAfterMs: Math.min(retryAfter, options.maxRetryAfterMs) };
    }
    if (status >= 300 && status < 400) {
      await readBody(response, BODY_READ_LIMIT);
      // A redirected POST turns into a GET on most clients; the configured URL should be the final one.
      return {
        type: 'failed',
        reason: `HTTP ${status}: redirects are not followed; configure the final URL`,
      };
    }
    return { type: 'failed', reason: await statusReason(response) };
  };

  const deliver = async (message: DeliveryMessage, signal: AbortSignal): Promise<SendResult> => {
    if (!KEY_HEADER_VALUE.test(message.key)) {
      return { type: 'failed', reason: 'the delivery key cannot be sent as an Idempotency-Key header' };
    }
    const body = JSON.stringify(webhookRequestBody(message));
    const timestamp = String(Math.floor(now().getTime() / 1000));
    const headers = new Headers(extraHeaders);
    headers.set('content-type', 'application/json');
    headers.set('idempotency-key', message.key);
    headers.set('x-cvm-timestamp', timestamp);
    headers.set('x-cvm-signature', signWebhookBody({ secret: signingSecret.value, timestamp, body }));
    if (signal.aborted) return { type: 'retry', reason: 'aborted by the dispatcher' };
    // One controller for both reasons to stop, and no listener left behind on the dispatcher's
    // signal, which may outlive many sends.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    const abort = (): void => controller.abort();
    signal.addEventListener('abort', abort, { once: true });
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: controller.signal,
      });
      return await resultOf(response);
    } catch (error) {
      if (timedOut) return { type: 'retry', reason: `no answer within ${options.timeoutMs} ms` };
      if (signal.aborted) return { type: 'retry', reason: 'aborted by the dispatcher' };
      return { type: 'retry', reason: networkReason(error) };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
    }
  };

  const inFlight = new Set<Promise<SendResult>>();
  let closed = false;

  return ok({
    kind: 'webhook',
    async start() {
      // Nothing to open: fetch connects on the first request and keeps the connection.
    },
    async send(message, signal) {
      if (closed) return { type: 'retry', reason: 'the webhook adapter is closed' };
      const sending = deliver(message, signal);
      inFlight.add(sending);
      try {
        return await sending;
      } finally {
        inFlight.delete(sending);
      }
    },
    async close() {
      closed = true;
      await Promise.allSettled(inFlight);
    },
  });
};
