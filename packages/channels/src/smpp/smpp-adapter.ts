import {
  type ChannelAdapter,
  type DeliveryMessage,
  type DeliveryReport,
  err,
  ok,
  type Result,
  type SendResult,
} from '@opencvm/core';
import smpp, { type Pdu, type PduFields, type Session } from 'smpp';
import { resolveSecret } from '../secret.ts';
import { SendThrottle } from './send-throttle.ts';
import { encodeSms } from './smpp-encoding.ts';
import { readDeliverSm } from './smpp-inbound.ts';
import { encodeMessageKey, MESSAGE_KEY_FIELD, registerMessageKeyTag } from './smpp-message-key.ts';
import {
  parseSmppOptions,
  type SmppConfigError,
  type SmppOptions,
  type SmppOptionsInput,
  TON,
} from './smpp-options.ts';
import { commandStatusName, isSlowDown, submitStatusResult, THROTTLED_BACKOFF_MS } from './smpp-status.ts';

/**
 * SMS over SMPP 3.4, as an ESME bound as a transceiver: submits and the SMSC's receipts and
 * replies share one session.
 *
 * - The session is kept: `enquire_link` checks it when idle, and a dropped or silent session is
 *   re-bound with a doubling delay. While unbound, sends return `retry` at once.
 * - Submits are spaced to `tps` (see `SendThrottle`); a `ESME_RTHROTTLED` also holds later ones.
 * - A long text is sent as concatenated parts, one after the other. Only the last part asks for
 *   a delivery receipt, and its `message_id` is the `providerId` of the send, so the one receipt
 *   maps back to the message. (A receipt per part would give ids that name nothing we stored.)
 * - Our key travels in a vendor optional parameter (see `smpp-message-key.ts`) on every part.
 */

export interface SmppRuntime {
  /** The time stamped on reports; the system clock when left out. */
  readonly now?: () => Date;
}

const INTERFACE_VERSION_34 = 0x34;

/** `registered_delivery` 1: a receipt for the final outcome, delivered or not. */
const RECEIPT_FINAL = 0x01;

/** What the bind statuses an operator meets mean, for the error `start` rejects with. */
const BIND_REFUSALS: ReadonlyMap<number, string> = new Map([
  [0x0d, 'bind failed'],
  [0x0e, 'wrong password'],
  [0x0f, 'unknown system_id'],
  [0x05, 'already bound'],
]);

type BindOutcome =
  | { readonly type: 'bound'; readonly session: Session }
  | { readonly type: 'refused'; readonly status: number }
  | { readonly type: 'unreachable'; readonly reason: string };

type Answer =
  | { readonly type: 'response'; readonly pdu: Pdu }
  | { readonly type: 'lost'; readonly reason: string };

type Link =
  | { readonly state: 'down'; readonly reason: string; readonly retryAt: number | null }
  | { readonly state: 'connecting' }
  | { readonly state: 'bound'; readonly session: Session };

/** 0–255, the same for every attempt at one message, so a resent part joins its siblings. */
const concatenationReference = (key: string): number => {
  // FNV-1a: cheap and spreads similar keys (which differ in a customer id) apart.
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index += 1) {
    hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  }
  return (hash ^ (hash >>> 8) ^ (hash >>> 16) ^ (hash >>> 24)) & 0xff;
};

/** SMPP international numbers carry no `+`; other types of number are sent as written. */
const wireAddress = (address: string, ton: number): string =>
  ton === TON.international ? address.replace(/^\+/u, '') : address;

const retry = (reason: string, retryAfterMs?: number): SendResult =>
  retryAfterMs === undefined ? { type: 'retry', reason } : { type: 'retry', reason, retryAfterMs };

const forPart = (result: SendResult, part: string): SendResult =>
  result.type === 'sent' ? result : { ...result, reason: `${part}: ${result.reason}` };

class SmppTransceiver implements ChannelAdapter {
  readonly kind = 'smpp';
  private readonly smsc: string;
  private readonly throttle: SendThrottle;
  private readonly now: () => Date;
  private link: Link = { state: 'down', reason: 'not started', retryAt: null };
  private started = false;
  private closing = false;
  private closed: Promise<void> | null = null;
  private onReport: (report: DeliveryReport) => void = () => undefined;
  private reconnectDelayMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private enquireTimer: NodeJS.Timeout | undefined;
  private enquireInFlight = false;
  /** The session being connected and bound, so `close` can abandon it. */
  private binding: Session | null = null;
  /** Requests awaiting their response, per session: failed at once when it closes. */
  private readonly pending = new Map<Session, Set<(reason: string) => void>>();
  private readonly sends = new Set<Promise<SendResult>>();
  /** An ECMAScript private field: neither `JSON.stringify` nor `util.inspect` shows it. */
  readonly #password: string;

  constructor(
    private readonly options: Omit<SmppOptions, 'password'>,
    password: string,
    runtime: SmppRuntime,
  ) {
    this.#password = password;
    this.smsc = `${options.host}:${options.port}`;
    this.throttle = new SendThrottle({ tps: options.tps });
    this.now = runtime.now ?? (() => new Date());
    this.reconnectDelayMs = options.reconnectMinDelayMs;
  }

  async start(onReport: (report: DeliveryReport) => void): Promise<void> {
    if (this.started) throw new Error('the SMPP adapter is already started');
    this.started = true;
    this.onReport = onReport;
    const outcome = await this.attempt();
    if (outcome.type === 'refused') {
      // Credentials do not fix themselves: say so now rather than retry in the background.
      this.closing = true;
      const meaning = BIND_REFUSALS.get(outcome.status);
      throw new Error(
        `SMPP bind to ${this.smsc} as "${this.options.systemId}" was refused: ` +
          `${commandStatusName(outcome.status)}${meaning === undefined ? '' : `, ${meaning}`}`,
      );
    }
    // An SMSC out of reach is a passing state: sends return `retry` until a bind succeeds.
    if (outcome.type === 'unreachable') this.scheduleReconnect();
  }

  async send(message: DeliveryMessage, signal: AbortSignal): Promise<SendResult> {
    if (this.closing) return retry('the SMPP adapter is closed');
    const sending = this.sendParts(message, signal);
    this.sends.add(sending);
    try {
      return await sending;
    } finally {
      this.sends.delete(sending);
    }
  }

  close(): Promise<void> {
    this.closed ??= this.closeSession();
    return this.closed;
  }

  private async closeSession(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.sends]);
    clearTimeout(this.reconnectTimer);
    this.stopEnquireLink();
    this.binding?.destroy();
    const link = this.link;
    this.link = { state: 'down', reason: 'closed', retryAt: null };
    if (link.state !== 'bound') return;
    await this.request(link.session, 'unbind');
    const { socket } = link.session;
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, this.options.responseTimeoutMs);
      link.session.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async sendParts(message: DeliveryMessage, signal: AbortSignal): Promise<SendResult> {
    const content = message.content;
    if (content.type !== 'sms') {
      return { type: 'failed', reason: `SMPP sends SMS, not ${content.type} content` };
    }
    const { options } = this;
    const destination = wireAddress(message.recipient, options.destAddrTon);
    if (destination === '' || destination.length > 20) {
      return { type: 'failed', reason: `"${message.recipient}" is not an SMS address`, bounced: true };
    }
    const encoded = encodeSms(content.text, concatenationReference(message.key));
    if (!encoded.ok) return { type: 'failed', reason: encoded.error.message };
    const { parts, dataCoding, esmClass } = encoded.value;
    const total = parts.length;
    let result: SendResult = retry('no part sent');
    for (const [index, shortMessage] of parts.entries()) {
      const sequence = index + 1;
      const last = sequence === total;
      if (this.boundSession() === null) return this.notBound();
      if (!(await this.throttle.acquire(signal))) return retry('send aborted before it was submitted');
      // The session may have dropped while this part waited for its slot.
      const session = this.boundSession();
      if (session === null) return this.notBound();
      const fields: PduFields = {
        source_addr_ton: options.sourceAddrTon,
        source_addr_npi: options.sourceAddrNpi,
        source_addr: wireAddress(options.sourceAddr, options.sourceAddrTon),
        dest_addr_ton: options.destAddrTon,
        dest_addr_npi: options.destAddrNpi,
        destination_addr: destination,
        esm_class: esmClass,
        registered_delivery: options.registeredDelivery && last ? RECEIPT_FINAL : 0,
        data_coding: dataCoding,
        short_message: shortMessage,
        [MESSAGE_KEY_FIELD]: encodeMessageKey(message.key, total > 1 ? { sequence, total } : undefined),
      };
      const answer = await this.request(session, 'submit_sm', { fields, signal });
      if (answer.type === 'lost') return retry(`submit_sm to ${this.smsc} got no answer: ${answer.reason}`);
      const status = answer.pdu.command_status;
      const messageId = typeof answer.pdu.message_id === 'string' ? answer.pdu.message_id : '';
      if (isSlowDown(status)) this.throttle.pause(THROTTLED_BACKOFF_MS);
      result = submitStatusResult(status, messageId);
      if (result.type !== 'sent') return total > 1 ? forPart(result, `part ${sequence} of ${total}`) : result;
    }
    return result;
  }

  private boundSession(): Session | null {
    return this.link.state === 'bound' ? this.link.session : null;
  }

  private notBound(): SendResult {
    const { link } = this;
    if (link.state !== 'down') return retry(`binding to SMSC ${this.smsc}`);
    const reason = `not bound to SMSC ${this.smsc}: ${link.reason}`;
    return link.retryAt === null ? retry(reason) : retry(reason, Math.max(0, link.retryAt - Date.now()));
  }

  /** One connect and bind; the link is `bound` or `down` afterwards. */
  private async attempt(): Promise<BindOutcome> {
    this.link = { state: 'connecting' };
    const outcome = await this.bind();
    if (this.closing) {
      if (outcome.type === 'bound') outcome.session.destroy();
      return outcome;
    }
    if (outcome.type === 'bound') {
      this.link = { state: 'bound', session: outcome.session };
      this.reconnectDelayMs = this.options.reconnectMinDelayMs;
      this.startEnquireLink(outcome.session);
    } else {
      const reason =
        outcome.type === 'refused' ? `bind refused: ${commandStatusName(outcome.status)}` : outcome.reason;
      this.link = { state: 'down', reason, retryAt: null };
    }
    return outcome;
  }

  private bind(): Promise<BindOutcome> {
    const { options } = this;
    return new Promise((resolve) => {
      const session = smpp.connect({ host: options.host, port: options.port });
      this.binding = session;
      let settled = false;
      const settle = (outcome: BindOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.binding = null;
        if (outcome.type !== 'bound') session.destroy();
        resolve(outcome);
      };
      const timer = setTimeout(
        () => settle({ type: 'unreachable', reason: `no bind within ${options.bindTimeoutMs} ms` }),
        options.bindTimeoutMs,
      );
      session.on('error', (error) => {
        settle({ type: 'unreachable', reason: error.message });
        // A socket error closes the session too; a malformed PDU leaves it stuck, so end it.
        session.destroy();
      });
      session.on('close', () => {
        settle({ type: 'unreachable', reason: 'connection closed before the bind was answered' });
        this.sessionClosed(session);
      });
      session.on('pdu', (pdu) => this.received(session, pdu));
      session.on('connect', () => {
        // A submit waits for its response: Nagle's algorithm would hold each small PDU back.
        session.socket.setNoDelay(true);
        const written = session.bind_transceiver(
          {
            system_id: options.systemId,
            password: this.#password,
            system_type: options.systemType ?? '',
            interface_version: INTERFACE_VERSION_34,
          },
          (response) =>
            settle(
              response.command_status === 0
                ? { type: 'bound', session }
                : { type: 'refused', status: response.command_status },
            ),
        );
        if (!written) settle({ type: 'unreachable', reason: 'connection closed before the bind was sent' });
      });
    });
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(delay * 2, this.options.reconnectMaxDelayMs);
    const reason = this.link.state === 'down' ? this.link.reason : 'connection lost';
    this.link = { state: 'down', reason, retryAt: Date.now() + delay };
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      void this.attempt().then((outcome) => {
        if (outcome.type !== 'bound') this.scheduleReconnect();
      });
    }, delay);
    // Reconnecting alone must not keep a process alive that no longer uses the adapter.
    this.reconnectTimer.unref();
  }

  private sessionClosed(session: Session): void {
    for (const fail of this.pending.get(session) ?? []) fail('connection closed');
    this.pending.delete(session);
    if (this.boundSession() !== session) return;
    this.stopEnquireLink();
    this.link = { state: 'down', reason: 'connection lost', retryAt: null };
    this.scheduleReconnect();
  }

  /** Requests from the SMSC: every one is answered, whatever we make of it. */
  private received(session: Session, pdu: Pdu): void {
    if (pdu.isResponse()) return;
    switch (pdu.command) {
      case 'deliver_sm': {
        session.send(pdu.response());
        const report = readDeliverSm(pdu, this.now());
        if (report === null) return;
        try {
          this.onReport(report);
        } catch {
          // A failing listener must not stop this session from reading; reports are its concern.
        }
        return;
      }
      case 'enquire_link':
        session.send(pdu.response());
        return;
      case 'unbind':
        // The SMSC ends the session (maintenance, a limit): answer, stop using it, bind again.
        session.send(pdu.response());
        if (this.boundSession() === session) {
          this.stopEnquireLink();
          this.link = { state: 'down', reason: 'the SMSC unbound', retryAt: null };
          this.scheduleReconnect();
        }
        session.close();
        return;
      case 'alert_notification':
        return;
      default:
        session.send(pdu.response({ command_status: 0x03 /* ESME_RINVCMDID */ }));
    }
  }

  /** Sends a request and waits, at most `responseTimeoutMs`, for its response. */
  private request(
    session: Session,
    command: 'submit_sm' | 'enquire_link' | 'unbind',
    call: { readonly fields?: PduFields; readonly signal?: AbortSignal } = {},
  ): Promise<Answer> {
    const { signal } = call;
    const timeoutMs = this.options.responseTimeoutMs;
    return new Promise((resolve) => {
      let waiting = this.pending.get(session);
      if (waiting === undefined) {
        waiting = new Set();
        this.pending.set(session, waiting);
      }
      const set = waiting;
      let settled = false;
      const settle = (answer: Answer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        set.delete(lost);
        signal?.removeEventListener('abort', aborted);
        resolve(answer);
      };
      const lost = (reason: string): void => settle({ type: 'lost', reason });
      const aborted = (): void => lost('aborted');
      const timer = setTimeout(() => lost(`no ${command}_resp within ${timeoutMs} ms`), timeoutMs);
      set.add(lost);
      signal?.addEventListener('abort', aborted, { once: true });
      if (signal?.aborted === true) return aborted();
      const written = session[command](call.fields ?? {}, (pdu) => settle({ type: 'response', pdu }));
      if (!written) lost('connection not writable');
    });
  }

  private startEnquireLink(session: Session): void {
    this.stopEnquireLink();
    this.enquireTimer = setInterval(() => {
      if (this.enquireInFlight) return;
      this.enquireInFlight = true;
      void this.request(session, 'enquire_link').then((answer) => {
        this.enquireInFlight = false;
        // A session that does not answer is as good as gone: drop it; its close event re-binds.
        if (answer.type === 'lost' && this.boundSession() === session) session.destroy();
      });
    }, this.options.enquireLinkIntervalMs);
    this.enquireTimer.unref();
  }

  private stopEnquireLink(): void {
    clearInterval(this.enquireTimer);
    this.enquireTimer = undefined;
    this.enquireInFlight = false;
  }
}

/**
 * The SMPP adapter for the options (as written in the config, or already parsed), the password
 * resolved from `env`; an `invalid_config` error naming the key otherwise. Nothing connects
 * before `start`.
 */
export const createSmppAdapter = (
  input: SmppOptionsInput,
  env: Readonly<Record<string, string | undefined>>,
  runtime: SmppRuntime = {},
): Result<ChannelAdapter, SmppConfigError> => {
  const options = parseSmppOptions(input);
  if (!options.ok) return options;
  // The options are kept without the secret (written inline, it is the password itself).
  const { password: secret, ...settings } = options.value;
  const password = resolveSecret(secret, env);
  if (!password.ok)
    return err({ type: 'invalid_config', message: `smpp.password: ${password.error.message}` });
  registerMessageKeyTag();
  return ok(new SmppTransceiver(settings, password.value, runtime));
};
