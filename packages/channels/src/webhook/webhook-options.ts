import { z } from 'zod';
import { Secret } from '../secret.ts';

/** Headers the adapter sets itself: a configured header must not replace them. */
export const WEBHOOK_RESERVED_HEADERS: readonly string[] = [
  'content-type',
  'content-length',
  'host',
  'idempotency-key',
  'x-cvm-timestamp',
  'x-cvm-signature',
];

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A webhook target: push providers, a CRM, in-app messages. Header values are secrets so that an
 * `Authorization: Bearer …` token can come from the environment (`{ env: CRM_TOKEN }`).
 */
export const WebhookOptions = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }),
  headers: z
    .record(z.string(), Secret)
    .superRefine((headers, ctx) => {
      // Checked here rather than on the record's key, whose own message would hide these.
      for (const name of Object.keys(headers)) {
        if (!HEADER_NAME.test(name)) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'must be an HTTP header name' });
        } else if (WEBHOOK_RESERVED_HEADERS.includes(name.toLowerCase())) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is set by the adapter and cannot be configured',
          });
        }
      }
    })
    .optional(),
  /** The HMAC key of `X-CVM-Signature`; the receiver holds the same one to verify requests. */
  signingSecret: Secret,
  timeoutMs: z.number().int().min(1).max(300_000).default(10_000),
  /** A receiver's `Retry-After` longer than this is cut to it, so one answer cannot park a run. */
  maxRetryAfterMs: z
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
});
export type WebhookOptions = z.infer<typeof WebhookOptions>;
/** The options as written in the config: defaults may be left out. */
export type WebhookOptionsInput = z.input<typeof WebhookOptions>;

export type WebhookConfigError = { readonly type: 'invalid_config'; readonly message: string };
