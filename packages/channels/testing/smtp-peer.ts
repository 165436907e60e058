import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { createHold, type HeldAnswer, type Hold } from './held-answer.ts';

/**
 * A local SMTP server for tests and benchmarks: it accepts what the SMTP adapter sends and
 * records it the way a receiving MTA that drops repeats would see it. A message whose
 * Message-ID it has already accepted is answered 250 again but not recorded twice, so after a
 * crash-and-resend `messages` holds each delivery key once while `received()` counts every copy.
 *
 * Per message it only reads the header block; decoding the body (MIME, base64, charsets) waits
 * until a test asks for it with `content()`, so a benchmark measures the adapter, not the peer.
 *
 * ```ts
 * await using peer = await startSmtpPeer();
 * // SmtpOptions: { host: '127.0.0.1', port: peer.port, ... }
 * expect(peer.messages.map((m) => m.key)).toEqual([key]);
 * expect((await peer.messages[0]?.content())?.text).toBe('Hello');
 * ```
 */

export interface SmtpPeerOptions {
  /** 0 (the default) picks a free port; `port` on the peer says which. */
  readonly port?: number;
  /** Require AUTH with this user and `password`; without it any client may send, with or without AUTH. */
  readonly user?: string;
  readonly password?: string;
  /** Recipients answered `550 5.1.1` at RCPT TO (compared case-insensitively). */
  readonly rejectRecipients?: ReadonlySet<string>;
  /** Answer the next this many messages `451 4.3.0` after their data: a temporary failure. */
  readonly failNext?: number;
  /** Wait this long before answering each message's data, e.g. to make a sender time out. */
  readonly delayMs?: number;
  /**
   * Keep each message's bytes so `content()` can decode it (the default). A long benchmark
   * turns this off to keep memory flat.
   */
  readonly keepContent?: boolean;
}

/** The decoded body of a recorded message. */
export interface SmtpPeerContent {
  readonly text: string;
  readonly html: string;
}

/** One distinct message the peer accepted. */
export interface SmtpPeerMessage {
  /** `X-CVM-Key` when present, else the Message-ID. */
  readonly key: string;
  /** The Message-ID header as sent, with its angle brackets; '' when the message had none. */
  readonly messageId: string;
  /** The queue id the peer answered with: `250 … queued as <queueId>`. */
  readonly queueId: string;
  /** The envelope sender and recipients (MAIL FROM, RCPT TO). */
  readonly from: string;
  readonly to: readonly string[];
  /** The Subject header, encoded words decoded. */
  readonly subject: string;
  /** Every header by lower-case name (the first of repeated ones), unfolded, encoded words decoded. */
  readonly headers: ReadonlyMap<string, string>;
  /** The raw message; null when the peer was started with `keepContent: false`. */
  readonly raw: Buffer | null;
  /** Decodes the text and HTML parts; throws when the peer did not keep the content. */
  content(): Promise<SmtpPeerContent>;
}

export interface SmtpPeer extends AsyncDisposable {
  readonly port: number;
  /** Distinct messages accepted, in the order they arrived. */
  readonly messages: readonly SmtpPeerMessage[];
  /** Messages accepted with 250, repeats included. */
  received(): number;
  /** Messages answered 250 whose Message-ID had already been accepted. */
  duplicates(): number;
  /** Answer the next `count` messages 451 (replaces what is left of an earlier count). */
  setFailNext(count: number): void;
  /** Answer `550 5.1.1` at RCPT TO for this address from now on (compared case-insensitively). */
  rejectRecipient(address: string): void;
  /** Hold the answer to the next message's data until released; the message is read first. */
  holdNext(): HeldAnswer;
  setDelayMs(delayMs: number): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Headers, read without a MIME parser

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
/** Encoded words next to each other: the whitespace between them is not part of the text. */
const ENCODED_WORD_RUN = /=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=(?:\s+=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)*/g;

const qBytes = (text: string): Buffer =>
  Buffer.from(
    text
      .replace(/_/g, ' ')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );

const decodeBytes = (bytes: Buffer, charset: string): string => {
  try {
    return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
};

/**
 * RFC 2047: `=?UTF-8?B?0J/RgNC40LLQtdGC?=` → `Привет`. The bytes of a run of words are joined
 * before decoding, as a sender may split one multi-byte character across two words.
 */
const decodeEncodedWords = (value: string): string => {
  if (!value.includes('=?')) return value;
  return value.replace(ENCODED_WORD_RUN, (run) => {
    let charset = 'utf-8';
    const parts: Buffer[] = [];
    for (const [, wordCharset = 'utf-8', encoding = 'B', text = ''] of run.matchAll(ENCODED_WORD)) {
      charset = wordCharset;
      parts.push(encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qBytes(text));
    }
    return decodeBytes(Buffer.concat(parts), charset);
  });
};

/** Where the header block ends: the first empty line. */
const headerEnd = (raw: Buffer): number => {
  const crlf = raw.indexOf('\r\n\r\n');
  if (crlf !== -1) return crlf;
  const lf = raw.indexOf('\n\n');
  return lf === -1 ? raw.length : lf;
};

const readHeaders = (raw: Buffer): Map<string, string> => {
  const headers = new Map<string, string>();
  const block = raw.toString('utf8', 0, headerEnd(raw)).replace(/\r?\n[ \t]+/g, ' ');
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, decodeEncodedWords(line.slice(colon + 1).trim()));
  }
  return headers;
};

// ---------------------------------------------------------------------------------------------
// The server

const decodeContent = async (raw: Buffer): Promise<SmtpPeerContent> => {
  const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  return { text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : '' };
};

/** An error whose code smtp-server sends as the reply. */
const smtpError = (responseCode: number, message: string): Error & { responseCode: number } =>
  Object.assign(new Error(message), { responseCode });

const readAll = (stream: SMTPServerDataStream): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

/** Starts the peer on 127.0.0.1; resolves once it listens. */
export const startSmtpPeer = async (options: SmtpPeerOptions = {}): Promise<SmtpPeer> => {
  const keepContent = options.keepContent ?? true;
  const rejected = new Set([...(options.rejectRecipients ?? [])].map((address) => address.toLowerCase()));
  const messages: SmtpPeerMessage[] = [];
  /** Queue id by Message-ID of every message accepted. */
  const accepted = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  let failNext = options.failNext ?? 0;
  let held: Hold | null = null;
  let delayMs = options.delayMs ?? 0;
  let received = 0;
  let duplicates = 0;
  let queued = 0;

  const later = (run: () => void): void => {
    if (delayMs <= 0) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, delayMs);
    timers.add(timer);
  };

  /** Records the message and returns the queue id to answer with. */
  const accept = (raw: Buffer, session: SMTPServerSession): string => {
    received += 1;
    const headers = readHeaders(raw);
    const messageId = headers.get('message-id') ?? '';
    const earlier = messageId === '' ? undefined : accepted.get(messageId);
    if (earlier !== undefined) {
      duplicates += 1;
      return earlier;
    }
    queued += 1;
    const queueId = `P${queued.toString(36).toUpperCase().padStart(6, '0')}`;
    if (messageId !== '') accepted.set(messageId, queueId);
    const body = keepContent ? raw : null;
    let parsed: Promise<SmtpPeerContent> | undefined;
    messages.push({
      key: headers.get('x-cvm-key') ?? messageId,
      messageId,
      queueId,
      from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
      to: session.envelope.rcptTo.map((recipient) => recipient.address),
      subject: headers.get('subject') ?? '',
      headers,
      raw: body,
      content: () => {
        if (body === null) throw new Error('the SMTP peer was started with keepContent: false');
        parsed ??= decodeContent(body);
        return parsed;
      },
    });
    return queueId;
  };

  const server = new SMTPServer({
    logger: false,
    banner: 'OpenCVM test peer',
    // A reverse DNS lookup per connection costs more than the whole SMTP session on loopback.
    disableReverseLookup: true,
    disabledCommands: ['STARTTLS'],
    // Enhanced status codes (`550 5.1.1`) as real MTAs send them; the adapter reads them.
    hideENHANCEDSTATUSCODES: false,
    authOptional: options.user === undefined,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    // Open pooled connections must not hold `close()` for the default 30 seconds.
    closeTimeout: 100,
    onAuth(auth, _session, callback) {
      if (options.user === undefined) return callback(null, { user: auth.username });
      if (auth.username === options.user && auth.password === options.password) {
        return callback(null, { user: auth.username });
      }
      return callback(smtpError(535, 'Authentication credentials invalid'));
    },
    onRcptTo(address, _session, callback) {
      if (rejected.has(address.address.toLowerCase())) {
        return callback(smtpError(550, `Mailbox ${address.address} does not exist`));
      }
      return callback();
    },
    onData(stream, session, callback) {
      const hold = held;
      held = null;
      readAll(stream).then(
        async (raw) => {
          if (hold !== null) {
            hold.arrive();
            await hold.released;
          }
          later(() => {
            if (failNext > 0) {
              failNext -= 1;
              callback(smtpError(451, 'Temporary local problem, try again later'));
              return;
            }
            callback(null, `OK: queued as ${accept(raw, session)}`);
          });
        },
        (error: unknown) => callback(smtpError(451, `Could not read the message: ${String(error)}`)),
      );
    },
  });
  // A client dropping its connection is an ordinary event here, not a reason to crash the test.
  server.on('error', () => {});

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('the SMTP peer is not on a TCP port');

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.close(() => resolve());
    });
    return closed;
  };

  return {
    port: address.port,
    messages,
    received: () => received,
    duplicates: () => duplicates,
    setFailNext: (count) => {
      failNext = count;
    },
    rejectRecipient: (address) => {
      rejected.add(address.toLowerCase());
    },
    holdNext: () => {
      const hold = createHold();
      held = hold;
      return hold;
    },
    setDelayMs: (ms) => {
      delayMs = ms;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
};
