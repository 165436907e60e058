import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { type ChannelAdapter, type DeliveryMessage, type DeliveryReport, smsEncoding } from '@opencvm/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmppAdapter, type SmppOptionsInput } from '../src/smpp/index.ts';
import { type SmppPeer, startSmppPeer } from '../testing/smpp-peer.ts';

const PASSWORD = 'pa55word';

const message = (text: string, overrides: Partial<DeliveryMessage> = {}): DeliveryMessage => ({
  key: 'run-1:c-1:main',
  runId: 'run-1',
  campaignId: 'welcome',
  customerId: 'c-1',
  step: 'main',
  channel: 'sms',
  purpose: 'marketing',
  recipient: '+79161234567',
  content: { type: 'sms', locale: 'en', text, sms: smsEncoding(text), warnings: [] },
  attempt: 1,
  ...overrides,
});

const adapters: ChannelAdapter[] = [];
const peers: SmppPeer[] = [];

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((adapter) => adapter.close()));
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

const peerWith = async (options: Parameters<typeof startSmppPeer>[0] = {}): Promise<SmppPeer> => {
  const peer = await startSmppPeer({ password: PASSWORD, ...options });
  peers.push(peer);
  return peer;
};

const adapterFor = (port: number, overrides: Partial<SmppOptionsInput> = {}): ChannelAdapter => {
  const created = createSmppAdapter(
    {
      host: '127.0.0.1',
      port,
      systemId: 'opencvm',
      password: { env: 'SMPP_TEST_PASSWORD' },
      sourceAddr: 'OpenCVM',
      tps: 1000,
      bindTimeoutMs: 2000,
      responseTimeoutMs: 2000,
      reconnectMinDelayMs: 50,
      reconnectMaxDelayMs: 200,
      ...overrides,
    },
    { SMPP_TEST_PASSWORD: PASSWORD },
  );
  if (!created.ok) throw new Error(created.error.message);
  adapters.push(created.value);
  return created.value;
};

/** A started adapter and the reports it passed on. */
const startedAdapter = async (
  port: number,
  overrides: Partial<SmppOptionsInput> = {},
): Promise<{ adapter: ChannelAdapter; reports: DeliveryReport[] }> => {
  const adapter = adapterFor(port, overrides);
  const reports: DeliveryReport[] = [];
  await adapter.start((report) => reports.push(report));
  return { adapter, reports };
};

const send = (adapter: ChannelAdapter, text: string, overrides: Partial<DeliveryMessage> = {}) =>
  adapter.send(message(text, overrides), new AbortController().signal);

const eventually = async (check: () => unknown, timeoutMs = 3000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
};

/** A port nothing listens on: taken from the system, then let go. */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
};

describe('SMPP adapter', () => {
  it('binds with an inline password and does not show it', async () => {
    const peer = await peerWith();
    const { adapter } = await startedAdapter(peer.port, { password: PASSWORD });
    expect(peer.boundSessions()).toBe(1);
    expect(inspect(adapter, { depth: 1 })).not.toContain(PASSWORD);
  });

  it('binds with the password from the environment', async () => {
    const peer = await peerWith();
    await startedAdapter(peer.port);
    expect(peer.boundSessions()).toBe(1);
  });

  it('refuses a config whose password variable is unset, naming it', () => {
    const created = createSmppAdapter(
      { host: 'smsc', systemId: 'opencvm', password: { env: 'SMPP_UNSET' }, sourceAddr: 'OpenCVM' },
      {},
    );
    expect(created.ok).toBe(false);
    if (!created.ok) expect(created.error.message).toMatch(/smpp\.password: .*SMPP_UNSET/);
  });

  it('names the wrong keys of a config', () => {
    const created = createSmppAdapter(
      { host: 'smsc', port: 0, systemId: 'opencvm', password: 'x', sourceAddr: 'ThisIsTooLongAnId' },
      {},
    );
    expect(created.ok).toBe(false);
    if (!created.ok) {
      expect(created.error.message).toContain('smpp.port');
      expect(created.error.message).toContain('smpp.sourceAddr');
    }
  });

  it('rejects start with the SMSC and the status when the password is wrong', async () => {
    const peer = await peerWith({ password: 'other' });
    const adapter = adapterFor(peer.port);
    const start = adapter.start(() => undefined);
    await expect(start).rejects.toThrow(`127.0.0.1:${peer.port}`);
    await expect(start).rejects.toThrow(/ESME_RINVPASWD/);
    await expect(start).rejects.not.toThrow(PASSWORD);
  });

  it('sends GSM-7 text with data_coding 0, every character of the default alphabet and its extension intact', async () => {
    const peer = await peerWith();
    const { adapter } = await startedAdapter(peer.port);
    const text = 'Hi @Anna: 5€ off {today} [only] ~ \\ | ^ £¥ èé_Δ!';
    expect(await send(adapter, text)).toEqual({ type: 'sent', providerId: expect.any(String) });
    expect(peer.messages).toHaveLength(1);
    expect(peer.messages[0]).toMatchObject({
      text,
      dataCoding: 0,
      parts: 1,
      to: '79161234567',
      from: 'OpenCVM',
    });
    expect(peer.messages[0]?.key).toBe('run-1:c-1:main');
  });

  it('sends Cyrillic as UCS-2', async () => {
    const peer = await peerWith();
    const { adapter } = await startedAdapter(peer.port);
    const text = 'Привет! Ваш бонус 100 ₽ 🎁';
    expect((await send(adapter, text)).type).toBe('sent');
    expect(peer.messages[0]).toMatchObject({ text, dataCoding: 8, parts: 1 });
  });

  it('splits a long Cyrillic text into concatenated parts the peer joins exactly', async () => {
    const peer = await peerWith();
    const { adapter } = await startedAdapter(peer.port);
    const text = 'Абвгдежзий '.repeat(14).slice(0, 150);
    expect(smsEncoding(text).segments).toBe(3);
    const result = await send(adapter, text);
    expect(result.type).toBe('sent');
    expect(peer.submits()).toBe(3);
    expect(peer.messages).toHaveLength(1);
    expect(peer.messages[0]).toMatchObject({ text, dataCoding: 8, parts: 3, registeredDelivery: true });
    // The receipt is asked for on the last part, whose id the send returns.
    expect(result).toEqual({ type: 'sent', providerId: peer.messages[0]?.messageIds[2] });
  });

  it('splits a long GSM-7 text without cutting an escape sequence', async () => {
    const peer = await peerWith();
    const { adapter } = await startedAdapter(peer.port);
    const text = `${'a'.repeat(152)}€${'b'.repeat(20)}`;
    expect((await send(adapter, text)).type).toBe('sent');
    expect(peer.messages[0]).toMatchObject({ text, dataCoding: 0, parts: 2 });
  });

  it('reports STOP and СТОП from a subscriber as opt-outs, and not other replies', async () => {
    const peer = await peerWith();
    const { reports } = await startedAdapter(peer.port);
    await peer.sendMo('+79161234567', 'СТОП');
    await peer.sendMo('+79167654321', ' stop! ');
    await peer.sendMo('+79160000000', 'hello');
    expect(reports).toEqual([
      { type: 'opt_out', channel: 'sms', recipient: '+79161234567', text: 'СТОП', at: expect.any(Date) },
      { type: 'opt_out', channel: 'sms', recipient: '+79167654321', text: ' stop! ', at: expect.any(Date) },
    ]);
  });

  it('keeps to tps across concurrent sends', async () => {
    const peer = await peerWith();
    const { adapter } = await startedAdapter(peer.port, { tps: 20 });
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        send(adapter, `message ${index}`, { key: `run-1:c-${index}:main` }),
      ),
    );
    const elapsed = performance.now() - started;
    expect(results.every((result) => result.type === 'sent')).toBe(true);
    // 40 submits spaced 50 ms apart span 1.95 s; the margin absorbs timer rounding.
    expect(elapsed).toBeGreaterThanOrEqual(1800);
    expect(peer.messages).toHaveLength(40);
  });

  it('returns retry when the SMSC answers ESME_RTHROTTLED', async () => {
    const peer = await peerWith({ throttleAfter: 3 });
    const { adapter } = await startedAdapter(peer.port);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        send(adapter, `message ${index}`, { key: `run-1:c-${index}:main` }),
      ),
    );
    expect(results.filter((result) => result.type === 'sent')).toHaveLength(3);
    expect(results.filter((result) => result.type === 'retry')).toEqual(
      Array.from({ length: 3 }, () => ({
        type: 'retry',
        reason: expect.stringContaining('ESME_RTHROTTLED'),
        retryAfterMs: expect.any(Number),
      })),
    );
  });

  it('fails a message to an invalid destination as bounced', async () => {
    const peer = await peerWith({ rejectDestinations: new Set(['79990000000']) });
    const { adapter } = await startedAdapter(peer.port);
    expect(await send(adapter, 'hi', { recipient: '+79990000000' })).toEqual({
      type: 'failed',
      reason: expect.stringContaining('ESME_RINVDSTADR'),
      bounced: true,
    });
  });

  it('starts while the SMSC is down, returns retry, and binds once it is up', async () => {
    const port = await closedPort();
    const { adapter } = await startedAdapter(port);
    expect(await send(adapter, 'hi')).toMatchObject({
      type: 'retry',
      reason: expect.stringContaining('not bound'),
    });
    const peer = await peerWith({ port });
    await eventually(() => expect(peer.boundSessions()).toBe(1));
    expect((await send(adapter, 'hi')).type).toBe('sent');
  });

  it('returns retry after the session drops, and binds again', async () => {
    const peer = await peerWith();
    const { adapter } = await startedAdapter(peer.port);
    expect((await send(adapter, 'one')).type).toBe('sent');
    peer.dropSessions();
    await eventually(() => expect(peer.boundSessions()).toBe(0));
    await eventually(async () => expect((await send(adapter, 'two', { key: 'k-2' })).type).toBe('sent'));
  });

  it('sends a key twice and the peer keeps it once, answering with the same id', async () => {
    const peer = await peerWith();
    const { adapter } = await startedAdapter(peer.port);
    const first = await send(adapter, 'Привет, это длинное сообщение '.repeat(4));
    const again = await send(adapter, 'Привет, это длинное сообщение '.repeat(4));
    expect(first.type).toBe('sent');
    expect(again).toEqual(first);
    expect(peer.messages).toHaveLength(1);
    expect(peer.duplicates()).toBe(peer.submits() / 2);
  });

  it('waits for a send in flight before it closes', async () => {
    const peer = await peerWith();
    const { adapter } = await startedAdapter(peer.port, { tps: 5 });
    const sends = [send(adapter, 'a', { key: 'k-a' }), send(adapter, 'b', { key: 'k-b' })];
    await adapter.close();
    expect((await Promise.all(sends)).map((result) => result.type)).toEqual(['sent', 'sent']);
    expect(peer.messages).toHaveLength(2);
  });
});
