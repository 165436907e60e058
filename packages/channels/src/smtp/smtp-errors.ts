import type { SendResult } from '@opencvm/core';
import { z } from 'zod';

/**
 * Nodemailer's errors translated once into the dispatcher's `retry` / `failed`. The reply code
 * decides: 4xx is temporary, 5xx permanent; an error without a reply (refused, reset, timed out)
 * is the network's and worth another try.
 */

/** The fields nodemailer puts on its errors; anything else is ignored. */
const SmtpFailure = z.object({
  message: z.string().catch(''),
  code: z.string().optional().catch(undefined),
  originalCode: z.string().optional().catch(undefined),
  responseCode: z.number().int().optional().catch(undefined),
  response: z.string().optional().catch(undefined),
  command: z.string().optional().catch(undefined),
});
type SmtpFailure = z.infer<typeof SmtpFailure>;

/** Errors that mean the connection failed, not that the server refused the message. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROXY',
  'EMAXLIMIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Errors that the same configuration and message would get every time. */
const PERMANENT_CODES: ReadonlySet<string> = new Set(['ENOAUTH', 'ECONFIG', 'EMAXRECIPIENTS', 'EREQUIRETLS']);

/** Basic codes that say the mailbox does not exist when the server gives no enhanced code. */
const NO_SUCH_MAILBOX_CODES: ReadonlySet<number> = new Set([550, 551, 553]);

/** `550 5.1.1 text` → `5.1.1` (RFC 3463), on any line of a multi-line reply. */
const ENHANCED_CODE = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/m;

/**
 * The recipient does not exist. An enhanced code is more precise than the basic one: `550 5.7.1`
 * is a policy refusal of a mailbox that exists, which must not mark the address as bounced. A
 * refusal of the sender (`MAIL FROM`) says nothing about the recipient.
 */
const isBounce = (failure: SmtpFailure, responseCode: number): boolean => {
  if (failure.command?.toUpperCase().startsWith('MAIL') === true) return false;
  const enhanced = ENHANCED_CODE.exec(failure.response ?? '')?.[1];
  if (enhanced !== undefined) return enhanced.startsWith('5.1.');
  return NO_SUCH_MAILBOX_CODES.has(responseCode);
};

/** Nodemailer's labels for its own steps rather than SMTP commands. */
const NOT_COMMANDS: ReadonlySet<string> = new Set(['API', 'CONN']);

/**
 * What the server said, on one line, after the command it answered. Nodemailer names commands
 * by their verb (`AUTH PLAIN`, `RCPT TO`), never with the credentials sent, and a server's reply
 * does not repeat them: the reason holds no password.
 */
const serverReply = (failure: SmtpFailure): string => {
  const reply = (failure.response ?? failure.message).replace(/\s*\r?\n\s*/g, ' ').trim();
  const command = failure.command;
  return command === undefined || NOT_COMMANDS.has(command) ? reply : `${command} answered ${reply}`;
};

/** `retry` or `failed` for an error a send ended with. */
export const classifySendError = (error: unknown): SendResult => {
  const failure = SmtpFailure.catch({ message: String(error) }).parse(error);
  const code = failure.code ?? '';
  if (code === 'EABORT') return { type: 'retry', reason: 'timeout' };
  const responseCode = failure.responseCode;
  if (responseCode !== undefined && responseCode >= 400) {
    const reply = serverReply(failure);
    const what = code === 'EAUTH' ? 'authentication failed: ' : '';
    // 503 says the session was in the wrong state for a command, not that the message was refused.
    if (responseCode < 500 || responseCode === 503) return { type: 'retry', reason: `${what}${reply}` };
    if (code !== 'EAUTH' && isBounce(failure, responseCode)) {
      return { type: 'failed', reason: `recipient does not exist: ${reply}`, bounced: true };
    }
    return { type: 'failed', reason: `${what}${reply}` };
  }
  const detail = failure.originalCode === undefined ? code : `${code}/${failure.originalCode}`;
  const reason = detail === '' ? failure.message : `${detail}: ${failure.message}`;
  if (CONNECTION_CODES.has(code) || CONNECTION_CODES.has(failure.originalCode ?? '')) {
    return { type: 'retry', reason: `connection failed: ${reason}` };
  }
  if (PERMANENT_CODES.has(code) || code === 'EAUTH' || code === 'EENVELOPE') {
    return { type: 'failed', reason };
  }
  // Unknown: another try costs little and the dispatcher bounds the attempts.
  return { type: 'retry', reason };
};

/**
 * The id the server gave the message in its final reply (`250 2.0.0 Ok: queued as 4Z8x`,
 * Exim's `250 OK id=1q2w3e-000`), or null when it named none.
 */
export const queueIdOf = (response: string | undefined): string | null => {
  if (response === undefined) return null;
  const match = /\bqueued as ([^\s;,]+)/i.exec(response) ?? /\bid=([^\s;,]+)/i.exec(response);
  return match?.[1] ?? null;
};
