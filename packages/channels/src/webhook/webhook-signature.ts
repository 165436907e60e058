import { createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from '@opencvm/core';

/**
 * How a receiver knows a request came from us and was not replayed later:
 *
 *   X-CVM-Timestamp: <unix seconds when the request was signed>
 *   X-CVM-Signature: sha256=<lower-case hex HMAC-SHA256(signingSecret, "<timestamp>.<body>")>
 *
 * where `<body>` is the raw request body, byte for byte (verify before parsing the JSON). The
 * timestamp is inside the signed text, so an old request cannot be sent again with a fresh one;
 * refuse timestamps further than a few minutes from your clock. Compare in constant time.
 * Retries are signed again with their own timestamp; the `Idempotency-Key` header stays the same.
 */

export const WEBHOOK_SIGNATURE_PREFIX = 'sha256=';
const SIGNATURE_FORMAT = /^sha256=[0-9a-f]{64}$/;
const TIMESTAMP_FORMAT = /^\d{1,12}$/;

/** The `X-CVM-Signature` value for a body signed at `timestamp` (unix seconds, as sent). */
export const signWebhookBody = (params: {
  readonly secret: string;
  readonly timestamp: string;
  readonly body: string | Uint8Array;
}): string => {
  const hmac = createHmac('sha256', params.secret);
  hmac.update(`${params.timestamp}.`);
  hmac.update(params.body);
  return `${WEBHOOK_SIGNATURE_PREFIX}${hmac.digest('hex')}`;
};

export type WebhookSignatureError = {
  readonly type: 'invalid_signature';
  /** `malformed`: a header is missing or not in the format above; `stale`: outside the tolerance. */
  readonly reason: 'malformed' | 'stale' | 'mismatch';
};

export interface VerifyWebhookSignatureParams {
  readonly secret: string;
  /** The `X-CVM-Timestamp` header as received. */
  readonly timestamp: string | undefined;
  /** The raw body as received. */
  readonly body: string | Uint8Array;
  /** The `X-CVM-Signature` header as received. */
  readonly signature: string | undefined;
  /** How far the timestamp may be from `now`, either way; 300 s unless given. */
  readonly toleranceSeconds?: number | undefined;
  /** The receiver's clock; the current time unless given. */
  readonly now?: Date | undefined;
}

/** Checks a request's signature (see the scheme above) for a receiver. */
export const verifyWebhookSignature = (
  params: VerifyWebhookSignatureParams,
): Result<null, WebhookSignatureError> => {
  const { timestamp, signature } = params;
  if (
    timestamp === undefined ||
    signature === undefined ||
    !TIMESTAMP_FORMAT.test(timestamp) ||
    !SIGNATURE_FORMAT.test(signature)
  ) {
    return err({ type: 'invalid_signature', reason: 'malformed' });
  }
  const nowSeconds = Math.floor((params.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > (params.toleranceSeconds ?? 300)) {
    return err({ type: 'invalid_signature', reason: 'stale' });
  }
  const expected = Buffer.from(signWebhookBody({ secret: params.secret, timestamp, body: params.body }));
  // Both are `sha256=` and 64 hex digits here, so the lengths match as timingSafeEqual requires.
  if (!timingSafeEqual(expected, Buffer.from(signature))) {
    return err({ type: 'invalid_signature', reason: 'mismatch' });
  }
  return ok(null);
};
