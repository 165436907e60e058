import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CHANNELS, type ClaimedMessage, err, ok, type Result, type Store } from '@opencvm/core';
import { z } from 'zod';

/**
 * Unsubscribe links: `<publicUrl>/unsubscribe/<token>`, the token a base64url JSON claim (who,
 * which channel and purpose, from which run) and its HMAC-SHA256 under a workspace key created
 * on first use. Nobody can make a link for another customer, and the link needs no login.
 */

const SETTING = 'unsubscribe_key';

const Claim = z.strictObject({
  c: z.string().min(1),
  ch: z.string().min(1),
  p: z.string().min(1),
  r: z.string(),
});

export interface UnsubscribeClaim {
  readonly customerId: string;
  readonly channel: string;
  readonly purpose: string;
  readonly runId: string;
}

export type UnsubscribeError = { readonly type: 'invalid_link'; readonly message: string };

const sign = (key: string, body: string): Buffer => createHmac('sha256', key).update(body).digest();

export const unsubscribeToken = (key: string, claim: UnsubscribeClaim): string => {
  const body = Buffer.from(
    JSON.stringify({ c: claim.customerId, ch: claim.channel, p: claim.purpose, r: claim.runId }),
  ).toString('base64url');
  return `${body}.${sign(key, body).toString('base64url')}`;
};

export const readUnsubscribeToken = (
  key: string,
  token: string,
): Result<UnsubscribeClaim, UnsubscribeError> => {
  const invalid = err({ type: 'invalid_link' as const, message: 'this unsubscribe link is not valid' });
  const [body, signature, extra] = token.split('.');
  if (body === undefined || signature === undefined || extra !== undefined) return invalid;
  const expected = sign(key, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return invalid;
  }
  const claim = Claim.safeParse(json);
  if (!claim.success) return invalid;
  return ok({ customerId: claim.data.c, channel: claim.data.ch, purpose: claim.data.p, runId: claim.data.r });
};

/** The workspace's signing key, created on first use and kept in the store. */
export const unsubscribeKey = (store: Store): Promise<string> =>
  store.delivery.setting(SETTING, () => randomBytes(32).toString('base64url'));

/** The link for a claimed message, under the server's public address; none where no consent is kept. */
export const unsubscribeLink =
  (options: { readonly publicUrl: string; readonly key: string }) =>
  (message: ClaimedMessage): string | undefined =>
    !CHANNELS.some((channel) => channel === message.channel)
      ? undefined
      : `${options.publicUrl.replace(/\/+$/, '')}/unsubscribe/${unsubscribeToken(options.key, {
          customerId: message.customerId,
          channel: message.channel,
          purpose: message.purpose,
          runId: message.runId,
        })}`;

/** Withdraws the consent a valid link names; the pending messages it stops are cancelled. */
export const unsubscribe = async (
  deps: { readonly store: Store; readonly clock: () => Date },
  options: { readonly token: string; readonly source: string },
): Promise<
  Result<UnsubscribeClaim & { readonly customers: number; readonly cancelled: number }, UnsubscribeError>
> => {
  const claim = readUnsubscribeToken(await unsubscribeKey(deps.store), options.token);
  if (!claim.ok) return claim;
  const { channel, purpose, customerId, runId } = claim.value;
  const changed = await deps.store.delivery.changeConsent(
    { customerId },
    { channel, purpose, consent: false, source: options.source, detail: `run ${runId}`, at: deps.clock() },
  );
  return ok({ ...claim.value, ...changed });
};
