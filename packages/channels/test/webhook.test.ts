import { type ChannelAdapter, type DeliveryMessage, smsEncoding } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import {
  createWebhookAdapter,
  parseRetryAfter,
  signWebhookBody,
  verifyWebhookSignature,
  type WebhookOptionsInput,
} from '../src/webhook/index.ts';
import { startWebhookPeer } from '../testing/webhook-peer.ts';

const message = (overrides: Partial<DeliveryMessage> = {}): DeliveryMessage => ({
  key: 'run-1:c-1:main',
  runId: 'run-1',
  campaignId: 'welcome',
  customerId: 'c-1',
  step: 'main',
  channel: 'push',
  purpose: 'marketing',
  recipient: 'push-token-1',
  content: { type: 'push', locale: 'ru', title: 'Привет', body: 'Бонус 100 ₽' },
  attempt: 1,
  ...overrides,
});

const adapterFor = (
  options: WebhookOptionsInput,
  env: Record<string, string> = {},
  now?: () => Date,
): ChannelAdapter => {
  const created = createWebhookAdapter(options, env, { now });
  if (!created.ok) throw new Error(created.error.message);
  return created.value;
};

const send = (adapter: ChannelAdapter, overrides: Partial<DeliveryMessage> = {}) =>
  adapter.send(message(overrides), new AbortController().signal);

describe('webhook adapter', () => {
  it('posts the message as signed JSON with its idempotency key and configured headers', async () => {
    await using peer = await startWebhookPeer();
    const adapter = adapterFor(
      {
        url: peer.url,
        signingSecret: peer.secret,
        headers: { Authorization: { env: 'CRM_TOKEN' }, 'X-Tenant': 'acme' },
      },
      { CRM_TOKEN: 'Bearer crm-token-123' },
    );
    const payload = { msisdn: '+79161234567', offer: { code: 'BONUS', tags: ['a', 'b'] } };
    const result = await send(adapter, {
      channel: 'webhook',
      recipient: 'c-1',
      content: { type: 'webhook', locale: 'en', payload },
      unsubscribeUrl: 'https://cvm.example/u/abc',
    });
    expect(result).toEqual({ type: 'sent', providerId: 'peer-0' });
    expect(peer.deliveries).toHaveLength(1);
    const [delivery] = peer.deliveries;
    expect(delivery?.body).toEqual({
      key: 'run-1:c-1:main',
      runId: 'run-1',
      campaignId: 'welcome',
      customerId: 'c-1',
      channel: 'webhook',
      purpose: 'marketing',
      recipient: 'c-1',
      locale: 'en',
      content: payload,
      unsubscribeUrl: 'https://cvm.example/u/abc',
    });
    expect(delivery?.headers['content-type']).toBe('application/json');
    expect(delivery?.headers['idempotency-key']).toBe('run-1:c-1:main');
    expect(delivery?.headers.authorization).toBe('Bearer crm-token-123');
    expect(delivery?.headers['x-tenant']).toBe('acme');
    expect(delivery?.headers['x-cvm-timestamp']).toMatch(/^\d+$/);
    expect(delivery?.headers['x-cvm-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    await adapter.close();
  });

  it('sends the rendered fields of sms, email and push content', async () => {
    await using peer = await startWebhookPeer();
    const adapter = adapterFor({ url: peer.url, signingSecret: peer.secret });
    await send(adapter, {
      key: 'k-sms',
      content: { type: 'sms', locale: 'ru', text: 'Привет', sms: smsEncoding('Привет'), warnings: [] },
    });
    await send(adapter, {
      key: 'k-email',
      content: { type: 'email', locale: 'en', subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' },
    });
    await send(adapter, { key: 'k-push' });
    expect(peer.deliveries.map((delivery) => delivery.body)).toMatchObject([
      { content: { text: 'Привет' }, locale: 'ru' },
      { content: { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' }, locale: 'en' },
      { content: { title: 'Привет', body: 'Бонус 100 ₽' } },
    ]);
  });

  it('signs "<timestamp>.<body>" so a receiver can verify it, and a tampered body fails', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const timestamp = String(now.getTime() / 1000);
    const body = JSON.stringify({ key: 'k', content: { text: 'Привет' } });
    const signature = signWebhookBody({ secret: 's3cret', timestamp, body });
    expect(verifyWebhookSignature({ secret: 's3cret', timestamp, body, signature, now })).toEqual({
      ok: true,
      value: null,
    });
    const failure = (params: { body?: string; secret?: string; timestamp?: string; at?: Date }) => {
      const checked = verifyWebhookSignature({
        secret: params.secret ?? 's3cret',
        timestamp: params.timestamp ?? timestamp,
        body: params.body ?? body,
        signature,
        now: params.at ?? now,
      });
      return checked.ok ? null : checked.error.reason;
    };
    expect(failure({ body: body.replace('Привет', 'Пока') })).toBe('mismatch');
    expect(failure({ secret: 'other' })).toBe('mismatch');
    expect(failure({ timestamp: String(Number(timestamp) + 1), at: now })).toBe('mismatch');
    expect(failure({ at: new Date(now.getTime() + 301_000) })).toBe('stale');
    expect(failure({ timestamp: 'yesterday' })).toBe('malformed');
    expect(
      verifyWebhookSignature({ secret: 's3cret', timestamp, body, signature: 'sha256=00', now }),
    ).toEqual({ ok: false, error: { type: 'invalid_signature', reason: 'malformed' } });
  });

  it('takes the signing secret from the environment and says which variable is missing', async () => {
    await using peer = await startWebhookPeer({ secret: 'from-env-secret' });
    const adapter = adapterFor(
      { url: peer.url, signingSecret: { env: 'CVM_WEBHOOK_SECRET' } },
      { CVM_WEBHOOK_SECRET: 'from-env-secret' },
    );
    expect(await send(adapter)).toEqual({ type: 'sent', providerId: 'peer-0' });

    const missing = createWebhookAdapter({ url: peer.url, signingSecret: { env: 'CVM_WEBHOOK_SECRET' } }, {});
    expect(missing.ok ? null : missing.error).toEqual({
      type: 'invalid_config',
      message: 'signingSecret: environment variable CVM_WEBHOOK_SECRET is not set',
    });
  });

  it('fails a request the receiver refuses to verify, without the secret in the reason', async () => {
    await using peer = await startWebhookPeer({ secret: 'the-receivers-secret' });
    const adapter = adapterFor({ url: peer.url, signingSecret: 'a-different-secret' });
    const result = await send(adapter);
    expect(result).toEqual({ type: 'failed', reason: 'HTTP 401: {"error":"mismatch"}' });
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('refuses configs it cannot use', () => {
    const reasons = [
      { url: 'ftp://example.com/hook', signingSecret: 's' },
      { url: 'http://example.com/hook', signingSecret: '' },
      { url: 'http://example.com/hook', signingSecret: 's', headers: { 'Idempotency-Key': 'x' } },
      { url: 'http://example.com/hook', signingSecret: 's', headers: { 'bad header': 'x' } },
      { url: 'http://example.com/hook', signingSecret: 's', headers: { 'X-Token': { env: 'TOKEN' } } },
    ].map((options) => {
      const created = createWebhookAdapter(options, { TOKEN: 'line\r\nbreak' });
      return created.ok ? null : created.error.message;
    });
    expect(reasons).toEqual([
      'url: must be an http or https URL',
      'signingSecret: must not be empty',
      'headers.Idempotency-Key: is set by the adapter and cannot be configured',
      'headers.bad header: must be an HTTP header name',
      'headers.X-Token: holds a line break or a character an HTTP header cannot carry',
    ]);
  });

  it('reads an HTTP-date Retry-After of a 429 against its clock and caps it', async () => {
    const now = new Date('2026-11-23T12:00:00Z');
    await using peer = await startWebhookPeer();
    const adapter = adapterFor(
      { url: peer.url, signingSecret: peer.secret, maxRetryAfterMs: 60_000 },
      {},
      () => now,
    );
    peer.failNext({ status: 429, retryAfter: new Date(now.getTime() + 30_000).toUTCString(), count: 1 });
    expect(await send(adapter)).toMatchObject({ type: 'retry', retryAfterMs: 30_000 });
    peer.failNext({ status: 429, retryAfter: '3600', count: 1 });
    expect(await send(adapter)).toMatchObject({ type: 'retry', retryAfterMs: 60_000 });
    peer.failNext({ status: 502, count: 1 });
    expect(await send(adapter)).toEqual({
      type: 'retry',
      reason: 'HTTP 502: {"error":"failing on purpose"}',
    });
    peer.failNext({ status: 408, count: 1 });
    expect(await send(adapter)).toMatchObject({ type: 'retry' });
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', new Date('2015-10-21T07:27:00Z'))).toBe(60_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', new Date('2016-01-01T00:00:00Z'))).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('fails a 400 with the status and an excerpt of the answer, and counts a 409 as sent', async () => {
    await using peer = await startWebhookPeer({ failNext: { status: 400, count: 1 } });
    const adapter = adapterFor({ url: peer.url, signingSecret: peer.secret });
    expect(await send(adapter)).toEqual({
      type: 'failed',
      reason: 'HTTP 400: {"error":"failing on purpose"}',
    });
    peer.failNext({ status: 409, count: 1 });
    expect(await send(adapter)).toEqual({ type: 'sent', providerId: null });
  });

  it('retries when the receiver does not answer in time or the dispatcher aborts', async () => {
    await using peer = await startWebhookPeer({ delayMs: 2000 });
    const adapter = adapterFor({ url: peer.url, signingSecret: peer.secret, timeoutMs: 100 });
    expect(await send(adapter)).toEqual({ type: 'retry', reason: 'no answer within 100 ms' });

    const patient = adapterFor({ url: peer.url, signingSecret: peer.secret });
    const result = await patient.send(message({ key: 'k-abort' }), AbortSignal.timeout(100));
    expect(result).toEqual({ type: 'retry', reason: 'aborted by the dispatcher' });
  });

  it('retries when the connection is refused', async () => {
    const peer = await startWebhookPeer();
    await peer.close();
    const adapter = adapterFor({ url: peer.url, signingSecret: peer.secret });
    expect(await send(adapter)).toEqual({ type: 'retry', reason: 'network error (ECONNREFUSED)' });
  });

  it('lets the receiver record a repeated key once', async () => {
    await using peer = await startWebhookPeer();
    const adapter = adapterFor({ url: peer.url, signingSecret: peer.secret });
    const results = await Promise.all([
      send(adapter),
      send(adapter),
      send(adapter, { key: 'run-1:c-2:main' }),
    ]);
    expect(results.map((result) => result.type)).toEqual(['sent', 'sent', 'sent']);
    expect(peer.deliveries.map((delivery) => delivery.key).sort()).toEqual([
      'run-1:c-1:main',
      'run-1:c-2:main',
    ]);
    expect(peer.requests()).toBe(3);
    expect(peer.duplicates()).toBe(1);
    await adapter.close();
    expect(await send(adapter)).toMatchObject({ type: 'retry' });
  });
});
