import {
  type ChannelAdapter,
  type DeliveryMessage,
  err,
  ok,
  type Result,
  type SendResult,
} from '@opencvm/core';
import nodemailer from 'nodemailer';
import { resolveSecret } from '../secret.ts';
import { classifySendError, queueIdOf } from './smtp-errors.ts';
import type { SmtpConfigError, SmtpOptions } from './smtp-options.ts';

const utf8 = new TextEncoder();

const percentEncoded = (char: string): string =>
  Array.from(utf8.encode(char), (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/**
 * The delivery key as the left part of a Message-ID (RFC 5322 `dot-atom-text`): the colons of
 * `runId:customerId:step` and anything else outside `[A-Za-z0-9_-]` become `%XX` of their UTF-8
 * bytes, so distinct keys stay distinct and the id survives every MTA.
 */
export const messageIdOf = (key: string, domain: string): string =>
  `<${key.replace(/[^A-Za-z0-9_-]/gu, percentEncoded)}@${domain}>`;

/**
 * One plain mailbox. Nodemailer would read `a@x, b@y` or `Name <a@x>` as an address list, so
 * anything but a bare address is refused before it reaches the envelope.
 */
const PLAIN_ADDRESS = /^[^\s@<>,;:"()[\]\\\p{Cc}]+@[^\s@<>,;:"()[\]\\\p{Cc}]+$/u;

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1);

/** RFC 8058 one-click unsubscribe needs an address the mailbox provider can POST to. */
const unsubscribeLink = (url: string): string | null => {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
};

/**
 * E-mail over SMTP through a pool of `poolSize` connections. Nodemailer does not retry on its
 * own (`maxRequeues: 0`): the dispatcher owns retries and counts attempts.
 *
 * Exactly once over a crash: the Message-ID is made from the delivery key, so a message sent
 * again after a crash carries the Message-ID of the first copy and the receiving side can drop
 * it; the raw key is also in `X-CVM-Key`.
 */
export const createSmtpAdapter = (
  options: SmtpOptions,
  env: Readonly<Record<string, string | undefined>>,
): Result<ChannelAdapter, SmtpConfigError> => {
  let password: string | undefined;
  if (options.auth !== undefined) {
    const resolved = resolveSecret(options.auth.password, env);
    if (!resolved.ok) {
      return err({ type: 'invalid_config', message: `auth.password: ${resolved.error.message}` });
    }
    password = resolved.value;
  }

  const transport = nodemailer.createTransport({
    pool: true,
    host: options.host,
    port: options.port,
    secure: options.secure,
    requireTLS: options.requireTls,
    ignoreTLS: options.ignoreTls,
    auth: options.auth === undefined ? undefined : { user: options.auth.user, pass: password },
    maxConnections: options.poolSize,
    maxMessages: options.messagesPerConnection,
    maxRequeues: 0,
    connectionTimeout: options.connectionTimeoutMs,
    greetingTimeout: options.connectionTimeoutMs,
    logger: false,
    debug: false,
    // Content is rendered text; nothing in a message may make the process read files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  // Each send reports its own failure; an 'error' event without a listener would end the process.
  transport.on('error', () => {});

  const messageIdDomain = options.messageIdDomain ?? domainOf(options.from.address);
  const inFlight = new Set<Promise<unknown>>();
  let closing = false;

  const deliver = async (message: DeliveryMessage, signal: AbortSignal): Promise<SendResult> => {
    const { content } = message;
    if (content.type !== 'email') {
      return { type: 'failed', reason: `the SMTP adapter sends e-mail, not ${content.type} content` };
    }
    if (!PLAIN_ADDRESS.test(message.recipient)) {
      return {
        type: 'failed',
        reason: `recipient is not an e-mail address: ${JSON.stringify(message.recipient)}`,
      };
    }
    const unsubscribeUrl = message.unsubscribeUrl;
    const unsubscribe = unsubscribeUrl === undefined ? undefined : unsubscribeLink(unsubscribeUrl);
    if (unsubscribe === null) {
      return { type: 'failed', reason: 'unsubscribeUrl is not an http(s) URL' };
    }
    const messageId = messageIdOf(message.key, messageIdDomain);
    try {
      const info = await transport.sendMail({
        from: { name: options.from.name ?? '', address: options.from.address },
        to: { name: '', address: message.recipient },
        replyTo: options.replyTo,
        // Given explicitly so no header is read back as an address list.
        envelope: { from: options.from.address, to: [message.recipient] },
        subject: content.subject,
        text: content.text,
        html: content.html,
        messageId,
        headers:
          unsubscribe === undefined
            ? { 'X-CVM-Key': message.key }
            : { 'X-CVM-Key': message.key, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        list: unsubscribe === undefined ? undefined : { unsubscribe },
        signal,
      });
      return { type: 'sent', providerId: info.serverMessageId ?? queueIdOf(info.response) ?? messageId };
    } catch (error) {
      // Nodemailer's abort error can arrive as a connection error when the abort closed the socket.
      if (signal.aborted) return { type: 'retry', reason: 'timeout' };
      return classifySendError(error);
    }
  };

  return ok({
    kind: 'smtp',
    // Nothing to connect yet: the pool opens connections on the first send, so a server that is
    // down now makes sends retry instead of failing the start. SMTP gives no receipts on this
    // connection (bounces come back later as mail), so there is nothing to report.
    start: async () => {},
    send: async (message, signal) => {
      if (closing) return { type: 'retry', reason: 'the SMTP adapter is closing' };
      if (signal.aborted) return { type: 'retry', reason: 'timeout' };
      const sending = deliver(message, signal);
      inFlight.add(sending);
      try {
        return await sending;
      } finally {
        inFlight.delete(sending);
      }
    },
    close: async () => {
      closing = true;
      await Promise.allSettled([...inFlight]);
      transport.close();
    },
  });
};
