import {
  type ChannelAdapter,
  type DeliveryMessage,
  deliveryKey,
  type RenderedContent,
  smsEncoding,
} from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import {
  createSmtpAdapter,
  messageIdOf,
  parseSmtpOptions,
  type SmtpOptionsInput,
} from '../src/smtp/index.ts';
import { classifySendError, queueIdOf } from '../src/smtp/smtp-errors.ts';
import { type SmtpPeer, type SmtpPeerOptions, startSmtpPeer } from '../testing/smtp-peer.ts';

/** The SMTP adapter against a real SMTP server on a local port. */

const EMAIL: RenderedContent = {
  type: 'email',
  locale: 'en',
  subject: 'Your offer is waiting',
  html: '<p>Hello <b>Anna</b></p>',
  text: 'Hello Anna',
};

const messageFor = (overrides: Partial<DeliveryMessage> = {}): DeliveryMessage => {
  const row = { runId: 'run-1', customerId: 'cust-42', step: 'welcome' };
  return {
    key: deliveryKey(row),
    ...row,
    campaignId: 'summer',
    channel: 'email',
    purpose: 'marketing',
    recipient: 'anna@example.com',
    content: EMAIL,
    attempt: 1,
    ...overrides,
  };
};

const never = (): AbortSignal => new AbortController().signal;

interface Setup extends AsyncDisposable {
  readonly peer: SmtpPeer;
  readonly adapter: ChannelAdapter;
}

/** A peer and an adapter sending to it; both closed at the end of the test. */
const setUp = async (
  peerOptions: SmtpPeerOptions = {},
  config: { options?: Partial<SmtpOptionsInput>; env?: Record<string, string> } = {},
): Promise<Setup> => {
  const peer = await startSmtpPeer(peerOptions);
  const options = parseSmtpOptions({
    host: '127.0.0.1',
    port: peer.port,
    from: { address: 'offers@bank.example', name: 'Bank Offers' },
    ...config.options,
  });
  if (!options.ok) throw new Error(options.error.message);
  const adapter = createSmtpAdapter(options.value, config.env ?? {});
  if (!adapter.ok) throw new Error(adapter.error.message);
  await adapter.value.start(() => {});
  return {
    peer,
    adapter: adapter.value,
    [Symbol.asyncDispose]: async () => {
      await adapter.value.close();
      await peer.close();
    },
  };
};

describe('SMTP adapter', () => {
  it('delivers subject, text and HTML with a Message-ID made from the key', async () => {
    await using env = await setUp();
    const message = messageFor();
    const result = await env.adapter.send(message, never());

    const [received] = env.peer.messages;
    if (received === undefined) throw new Error('nothing arrived');
    expect(result).toEqual({ type: 'sent', providerId: received.queueId });
    expect(received.to).toEqual(['anna@example.com']);
    expect(received.from).toBe('offers@bank.example');
    expect(received.subject).toBe('Your offer is waiting');
    expect(received.key).toBe('run-1:cust-42:welcome');
    expect(received.messageId).toBe('<run-1%3Acust-42%3Awelcome@bank.example>');
    expect(received.headers.get('from')).toBe('Bank Offers <offers@bank.example>');
    expect(received.headers.has('list-unsubscribe')).toBe(false);
    expect(await received.content()).toEqual({ text: 'Hello Anna', html: '<p>Hello <b>Anna</b></p>' });
  });

  it('adds one-click unsubscribe headers (RFC 8058) when the message has an unsubscribe link', async () => {
    await using env = await setUp();
    const unsubscribeUrl = 'https://cvm.bank.example/u/abc.def?t=1';
    expect(await env.adapter.send(messageFor({ unsubscribeUrl }), never())).toMatchObject({ type: 'sent' });

    const headers = env.peer.messages[0]?.headers;
    expect(headers?.get('list-unsubscribe')).toBe(`<${unsubscribeUrl}>`);
    expect(headers?.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  });

  it('keeps Cyrillic subjects and bodies intact', async () => {
    await using env = await setUp();
    const content: RenderedContent = {
      type: 'email',
      locale: 'ru',
      subject: 'Анна, ваше персональное предложение: кэшбэк 5% на всё — до 31 июля',
      html: '<p>Здравствуйте, Анна! Ваш лимит — 150 000 ₽</p>',
      text: 'Здравствуйте, Анна!\nВаш лимит — 150 000 ₽',
    };
    expect(await env.adapter.send(messageFor({ content }), never())).toMatchObject({ type: 'sent' });

    const received = env.peer.messages[0];
    expect(received?.subject).toBe(content.subject);
    expect(await received?.content()).toEqual({ text: content.text, html: content.html });
  });

  it('sends a repeat of a key with the same Message-ID, so the receiving side keeps one copy', async () => {
    await using env = await setUp();
    const first = await env.adapter.send(messageFor(), never());
    const again = await env.adapter.send(messageFor({ attempt: 2 }), never());

    expect(first).toMatchObject({ type: 'sent' });
    expect(again).toEqual(first);
    expect(env.peer.messages.map((message) => message.key)).toEqual(['run-1:cust-42:welcome']);
    expect(env.peer.received()).toBe(2);
    expect(env.peer.duplicates()).toBe(1);
  });

  it('logs in with a password from the environment', async () => {
    await using env = await setUp(
      { user: 'cvm', password: 'correct horse' },
      {
        options: { auth: { user: 'cvm', password: { env: 'SMTP_PASSWORD' } } },
        env: { SMTP_PASSWORD: 'correct horse' },
      },
    );
    expect(await env.adapter.send(messageFor(), never())).toMatchObject({ type: 'sent' });
    expect(env.peer.messages).toHaveLength(1);
  });

  it('fails a send when the server refuses the password (535 is permanent), without showing the password', async () => {
    await using env = await setUp(
      { user: 'cvm', password: 'correct horse' },
      {
        options: { auth: { user: 'cvm', password: { env: 'SMTP_PASSWORD' } } },
        env: { SMTP_PASSWORD: 'wrong battery' },
      },
    );
    const result = await env.adapter.send(messageFor(), never());

    expect(result).toMatchObject({ type: 'failed', reason: expect.stringContaining('535') });
    expect(JSON.stringify(result)).not.toContain('wrong battery');
    expect(env.peer.messages).toHaveLength(0);
  });

  it('refuses to start without the password it names', () => {
    const options = parseSmtpOptions({
      host: '127.0.0.1',
      port: 25,
      from: { address: 'offers@bank.example' },
      auth: { user: 'cvm', password: { env: 'SMTP_PASSWORD' } },
    });
    if (!options.ok) throw new Error(options.error.message);
    const adapter = createSmtpAdapter(options.value, {});
    expect(adapter).toEqual({
      ok: false,
      error: { type: 'invalid_config', message: expect.stringMatching(/auth\.password.*SMTP_PASSWORD/) },
    });
  });

  it('fails a message to an unknown recipient as bounced', async () => {
    await using env = await setUp({ rejectRecipients: new Set(['gone@example.com']) });
    const result = await env.adapter.send(messageFor({ recipient: 'Gone@example.com' }), never());

    expect(result).toEqual({ type: 'failed', reason: expect.stringContaining('550 5.1.1'), bounced: true });
    expect(env.peer.received()).toBe(0);
  });

  it('retries when the server is down and does not fail to start', async () => {
    const gone = await startSmtpPeer();
    const port = gone.port;
    await gone.close();
    const options = parseSmtpOptions({ host: '127.0.0.1', port, from: { address: 'offers@bank.example' } });
    if (!options.ok) throw new Error(options.error.message);
    const adapter = createSmtpAdapter(options.value, {});
    if (!adapter.ok) throw new Error(adapter.error.message);
    try {
      await adapter.value.start(() => {});
      const result = await adapter.value.send(messageFor(), never());
      expect(result).toEqual({ type: 'retry', reason: expect.stringContaining('ECONNREFUSED') });
    } finally {
      await adapter.value.close();
    }
  });

  it('gives up on a send when the signal aborts and asks for a retry', async () => {
    await using env = await setUp({ delayMs: 5_000 });
    const started = Date.now();
    const result = await env.adapter.send(messageFor(), AbortSignal.timeout(100));

    expect(result).toEqual({ type: 'retry', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails content that is not e-mail and recipients that are not one address', async () => {
    await using env = await setUp();
    const sms: RenderedContent = {
      type: 'sms',
      locale: 'en',
      text: 'Hi',
      sms: smsEncoding('Hi'),
      warnings: [],
    };
    expect(await env.adapter.send(messageFor({ content: sms }), never())).toEqual({
      type: 'failed',
      reason: expect.stringContaining('sms'),
    });
    expect(
      await env.adapter.send(messageFor({ recipient: 'anna@example.com, eve@evil.example' }), never()),
    ).toEqual({
      type: 'failed',
      reason: expect.stringContaining('not an e-mail address'),
    });
    expect(env.peer.received()).toBe(0);
  });

  it('uses the configured Message-ID domain', async () => {
    await using env = await setUp({}, { options: { messageIdDomain: 'mail.bank.example' } });
    await env.adapter.send(messageFor(), never());
    expect(env.peer.messages[0]?.messageId).toBe('<run-1%3Acust-42%3Awelcome@mail.bank.example>');
  });

  it('carries any key: the raw key in X-CVM-Key and a valid, distinct Message-ID', async () => {
    await using env = await setUp();
    const key = deliveryKey({ runId: 'run 1', customerId: 'клиент <7>@x.y', step: 'a.b' });
    expect(await env.adapter.send(messageFor({ key }), never())).toMatchObject({ type: 'sent' });

    const received = env.peer.messages[0];
    expect(received?.key).toBe(key);
    // RFC 5322 msg-id: dot-atom-text "@" domain, here without dots on the left.
    expect(received?.messageId).toMatch(/^<[A-Za-z0-9%_-]+@bank\.example>$/);
    expect(messageIdOf('a:b', 'x.y')).not.toBe(messageIdOf('a%3Ab', 'x.y'));
  });
});

describe('SMTP options', () => {
  const valid = { host: 'smtp.bank.example', port: 587, from: { address: 'offers@bank.example' } };

  it('fills in the defaults', () => {
    expect(parseSmtpOptions(valid)).toEqual({
      ok: true,
      value: {
        ...valid,
        secure: false,
        requireTls: false,
        ignoreTls: false,
        connectionTimeoutMs: 10_000,
        poolSize: 4,
        messagesPerConnection: 100,
      },
    });
  });

  it.each([
    [{ ...valid, port: 0 }, /^invalid SMTP options: port: /],
    [{ ...valid, from: { address: 'not-an-address' } }, /from\.address: must be an e-mail address/],
    [
      { ...valid, from: { address: 'offers@bank.example', name: 'Bank\r\nBcc: x@y.z' } },
      /from\.name: must be one line/,
    ],
    [{ ...valid, replyTo: 'nope' }, /replyTo: must be an e-mail address/],
    [{ ...valid, messageIdDomain: 'not a domain' }, /messageIdDomain: must be a domain name/],
    [{ ...valid, poolSize: 0 }, /poolSize: /],
    [{ ...valid, requireTls: true, ignoreTls: true }, /ignoreTls: cannot be set together with requireTls/],
    [{ ...valid, auth: { user: 'cvm' } }, /auth\.password: /],
    [{ ...valid, hots: 'typo' }, /hots: is not an option/],
    [{ port: 25, from: valid.from }, /host: /],
  ])('names the key that is wrong: %j', (input, message) => {
    const parsed = parseSmtpOptions(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toMatch(message);
  });
});

describe('SMTP error translation', () => {
  it.each([
    ['a policy refusal of a mailbox that exists', '550 5.7.1 Message rejected as spam', 'RCPT TO', false],
    ['a recipient refusal without an enhanced code', '553 sorry, no such user here', 'RCPT TO', true],
    ['an unknown mailbox refused after DATA', '550 5.1.1 <anna@example.com>: user unknown', 'DATA', true],
    ['a refused sender', '553 5.1.7 Sender address rejected', 'MAIL FROM', false],
  ])('marks only a missing recipient as bounced: %s', (_, response, command, bounced) => {
    const error = Object.assign(new Error(`Message failed: ${response}`), {
      code: 'EENVELOPE',
      responseCode: Number(response.slice(0, 3)),
      response,
      command,
    });
    const result = classifySendError(error);
    expect(result).toMatchObject({ type: 'failed', reason: expect.stringContaining(response) });
    expect(result.type === 'failed' && result.bounced === true).toBe(bounced);
  });

  it('retries 503 and errors without a reply', () => {
    const badSequence = Object.assign(new Error('x'), {
      code: 'EPROTOCOL',
      responseCode: 503,
      response: '503 5.5.1 Bad sequence',
    });
    expect(classifySendError(badSequence)).toMatchObject({ type: 'retry' });
    const greeting = Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' });
    expect(classifySendError(greeting)).toMatchObject({
      type: 'retry',
      reason: expect.stringContaining('Greeting'),
    });
    expect(classifySendError('something odd')).toMatchObject({ type: 'retry' });
  });

  it.each([
    ['250 2.0.0 Ok: queued as 4Z8xJ01mQz', '4Z8xJ01mQz'],
    ['250 OK id=1q2w3e-0004Xy-AB', '1q2w3e-0004Xy-AB'],
    ['250 2.6.0 OK: message queued', null],
    [undefined, null],
  ])('reads the queue id from %j', (response, queueId) => {
    expect(queueIdOf(response)).toBe(queueId);
  });
});
