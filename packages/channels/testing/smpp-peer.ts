import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { isGsm7 } from '@opencvm/core';
import smpp, { type Pdu, type Session } from 'smpp';
import { z } from 'zod';
import { DATA_CODING_GSM7, DATA_CODING_UCS2, encodeGsm7 } from '../src/smpp/smpp-encoding.ts';
import { decodeMessageKey, MESSAGE_KEY_FIELD, registerMessageKeyTag } from '../src/smpp/smpp-message-key.ts';
import {
  ESME_RINVBNDSTS,
  ESME_RINVDSTADR,
  ESME_RINVPASWD,
  ESME_RINVSYSID,
  ESME_ROK,
  ESME_RTHROTTLED,
} from '../src/smpp/smpp-status.ts';
import { createHold, type HeldAnswer, type Hold } from './held-answer.ts';

/**
 * A local SMSC for tests and benchmarks: binds with a system id and password, accepts
 * `submit_sm`, reassembles concatenated parts and keeps each message once per idempotency key,
 * as a receiving side that honours our key would. Text is decoded by the `smpp` package, not by
 * our encoder, so a wrong mapping on our side shows up here.
 *
 * ```ts
 * await using peer = await startSmppPeer({ password: 'secret', receipts: true });
 * // point the adapter at 127.0.0.1:peer.port, send, then:
 * peer.messages; // what arrived, one entry per message
 * await peer.sendMo('+79990001122', 'STOP');
 * ```
 */

export interface SmppPeerOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly systemId?: string;
  readonly password?: string;
  /** Send a `DELIVRD` receipt for every accepted submit that asks for one. */
  readonly receipts?: boolean;
  /** Answer `ESME_RTHROTTLED` to a submit when this many were accepted in the last second. */
  readonly throttleAfter?: number;
  /** Destination addresses (as on the wire, without `+`) answered `ESME_RINVDSTADR`. */
  readonly rejectDestinations?: ReadonlySet<string>;
}

export interface SmppPeerFailure {
  /** The `command_status` to answer with, e.g. `ESME_RTHROTTLED` or `ESME_RINVDSTADR`. */
  readonly status: number;
  readonly count: number;
}

export interface SmppPeerMessage {
  /** Our idempotency key, from its optional parameter; null when the submit carried none. */
  readonly key: string | null;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly dataCoding: number;
  /** How many `submit_sm` parts it came in. */
  readonly parts: number;
  /** The `message_id` each part was answered with, in part order. */
  readonly messageIds: readonly string[];
  readonly registeredDelivery: boolean;
}

export interface SmppPeer extends AsyncDisposable {
  readonly port: number;
  /** Distinct messages, complete, in the order their last part arrived; a live array. */
  readonly messages: readonly SmppPeerMessage[];
  /** Every `submit_sm` received, repeats and throttled ones included. */
  submits(): number;
  /** Submits whose key (and part) had already been accepted: answered, not recorded again. */
  duplicates(): number;
  /** Submits answered `ESME_RTHROTTLED`. */
  throttled(): number;
  /** Sessions bound now. */
  boundSessions(): number;
  /** Sends a subscriber's message to the newest bound session; resolves on its `deliver_sm_resp`. */
  sendMo(from: string, text: string): Promise<void>;
  /** Answer the next `count` submits (after the bind check) with `status`, recording none of them. */
  failNext(failure: SmppPeerFailure): void;
  /** Hold the response to the next submit until released; one it accepts is recorded first. */
  holdNext(): HeldAnswer;
  /** Drops every session without an unbind, as a network failure would. */
  dropSessions(): void;
  close(): Promise<void>;
}

const BIND_COMMANDS: ReadonlySet<string> = new Set(['bind_transceiver', 'bind_transmitter', 'bind_receiver']);

const Bind = z.object({ system_id: z.string(), password: z.string() });

/** A `short_message` after the `smpp` package decoded it. */
const ShortMessage = z.object({
  message: z.union([z.string(), z.instanceof(Uint8Array)]),
  udh: z.array(z.instanceof(Uint8Array)).optional(),
});

const SubmitSm = z.object({
  source_addr: z.string(),
  destination_addr: z.string(),
  data_coding: z.number().nullable(),
  registered_delivery: z.number(),
  short_message: ShortMessage,
  [MESSAGE_KEY_FIELD]: z.instanceof(Uint8Array).optional(),
});
type SubmitSm = z.infer<typeof SubmitSm>;

interface Concatenation {
  readonly reference: number;
  readonly total: number;
  readonly sequence: number;
}

/** The concatenation element of a user data header: IEI 0x00 (8-bit reference) or 0x08 (16-bit). */
const concatenationOf = (udh: readonly Uint8Array[] | undefined): Concatenation | null => {
  for (const element of udh ?? []) {
    const [iei, , first, second, third, fourth] = element;
    if (iei === 0x00 && first !== undefined && second !== undefined && third !== undefined) {
      return { reference: first, total: second, sequence: third };
    }
    if (
      iei === 0x08 &&
      first !== undefined &&
      second !== undefined &&
      third !== undefined &&
      fourth !== undefined
    ) {
      return { reference: first * 256 + second, total: third, sequence: fourth };
    }
  }
  return null;
};

interface Assembly {
  readonly total: number;
  readonly texts: Map<number, string>;
  readonly messageIds: Map<number, string>;
}

const receiptText = (messageId: string, at: Date): string => {
  const stamp = [
    at.getUTCFullYear() % 100,
    at.getUTCMonth() + 1,
    at.getUTCDate(),
    at.getUTCHours(),
    at.getUTCMinutes(),
  ]
    .map((value) => String(value).padStart(2, '0'))
    .join('');
  return `id:${messageId} sub:001 dlvrd:001 submit date:${stamp} done date:${stamp} stat:DELIVRD err:000 text:`;
};

export const startSmppPeer = async (options: SmppPeerOptions = {}): Promise<SmppPeer> => {
  registerMessageKeyTag();
  const systemId = options.systemId ?? 'opencvm';
  const password = options.password ?? 'secret';
  const throttleAfter = options.throttleAfter ?? Number.POSITIVE_INFINITY;
  const rejectDestinations = options.rejectDestinations ?? new Set<string>();
  const idPrefix = randomBytes(3).toString('hex');

  const messages: SmppPeerMessage[] = [];
  /** message_id by key TLV value (key and part): how a repeat is recognised. */
  const acceptedParts = new Map<string, string>();
  /** Parts of unfinished concatenated messages, by key (or by addresses and reference). */
  const assemblies = new Map<string, Assembly>();
  const bound = new Set<Session>();
  /** When the submits of the last second were accepted, oldest first. */
  const recent: number[] = [];
  let failure: SmppPeerFailure | null = null;
  let held: Hold | null = null;
  let submits = 0;
  let duplicates = 0;
  let throttled = 0;
  let nextId = 0;

  const record = (
    submit: SubmitSm,
    message: Omit<SmppPeerMessage, 'from' | 'to' | 'registeredDelivery'>,
  ): void => {
    messages.push({
      ...message,
      from: submit.source_addr,
      to: submit.destination_addr,
      registeredDelivery: (submit.registered_delivery & 0x03) !== 0,
    });
  };

  const sendReceipt = (session: Session, submit: SubmitSm, messageId: string): void => {
    const text = receiptText(messageId, new Date());
    session.deliver_sm({
      source_addr: submit.destination_addr,
      destination_addr: submit.source_addr,
      esm_class: 0x04,
      data_coding: DATA_CODING_GSM7,
      short_message: encodeGsm7(text),
      receipted_message_id: messageId,
      message_state: 2,
    });
  };

  /** The status and message_id a submit is answered with; records what completes a message. */
  const accept = (
    submit: SubmitSm,
  ): { readonly status: number; readonly messageId: string; readonly fresh: boolean } => {
    if (rejectDestinations.has(submit.destination_addr))
      return { status: ESME_RINVDSTADR, messageId: '', fresh: false };
    const now = performance.now();
    while (recent.length > 0 && (recent[0] ?? now) <= now - 1000) recent.shift();
    if (recent.length >= throttleAfter) {
      throttled += 1;
      return { status: ESME_RTHROTTLED, messageId: '', fresh: false };
    }
    if (Number.isFinite(throttleAfter)) recent.push(now);

    const keyValue = submit[MESSAGE_KEY_FIELD];
    const keyText = keyValue === undefined ? null : Buffer.from(keyValue).toString('ascii');
    const seen = keyText === null ? undefined : acceptedParts.get(keyText);
    if (seen !== undefined) {
      duplicates += 1;
      return { status: ESME_ROK, messageId: seen, fresh: false };
    }
    nextId += 1;
    const messageId = `${idPrefix}${nextId.toString(16).padStart(8, '0')}`;
    if (keyText !== null) acceptedParts.set(keyText, messageId);

    const key = keyValue === undefined ? null : (decodeMessageKey(keyValue)?.key ?? null);
    const { message, udh } = submit.short_message;
    const text = typeof message === 'string' ? message : Buffer.from(message).toString('hex');
    const dataCoding = submit.data_coding ?? 0;
    const concatenation = concatenationOf(udh);
    if (concatenation === null) {
      record(submit, { key, text, dataCoding, parts: 1, messageIds: [messageId] });
      return { status: ESME_ROK, messageId, fresh: true };
    }
    // Parts of one message are joined by our key when there is one: a part resent after a
    // crash may come under another reference than its siblings.
    const assemblyKey =
      key ??
      `${submit.source_addr}>${submit.destination_addr}#${concatenation.reference}/${concatenation.total}`;
    const assembly = assemblies.get(assemblyKey) ?? {
      total: concatenation.total,
      texts: new Map<number, string>(),
      messageIds: new Map<number, string>(),
    };
    assemblies.set(assemblyKey, assembly);
    assembly.texts.set(concatenation.sequence, text);
    assembly.messageIds.set(concatenation.sequence, messageId);
    if (assembly.texts.size === assembly.total) {
      assemblies.delete(assemblyKey);
      const order = [...assembly.texts.keys()].sort((a, b) => a - b);
      record(submit, {
        key,
        text: order.map((sequence) => assembly.texts.get(sequence) ?? '').join(''),
        dataCoding,
        parts: assembly.total,
        messageIds: order.map((sequence) => assembly.messageIds.get(sequence) ?? ''),
      });
    }
    return { status: ESME_ROK, messageId, fresh: true };
  };

  const received = (session: Session, pdu: Pdu): void => {
    if (pdu.isResponse()) return;
    if (BIND_COMMANDS.has(pdu.command)) {
      const bind = Bind.safeParse(pdu);
      const status = !bind.success
        ? ESME_RINVSYSID
        : bind.data.system_id !== systemId
          ? ESME_RINVSYSID
          : bind.data.password !== password
            ? ESME_RINVPASWD
            : ESME_ROK;
      session.send(
        pdu.response(status === ESME_ROK ? { system_id: 'opencvm-peer' } : { command_status: status }),
      );
      if (status === ESME_ROK) bound.add(session);
      return;
    }
    switch (pdu.command) {
      case 'submit_sm': {
        submits += 1;
        if (!bound.has(session)) {
          session.send(pdu.response({ command_status: ESME_RINVBNDSTS }));
          return;
        }
        const submit = SubmitSm.safeParse(pdu);
        if (!submit.success) {
          session.send(pdu.response({ command_status: 0x08 /* ESME_RSYSERR */ }));
          return;
        }
        if (failure !== null && failure.count > 0) {
          failure = { ...failure, count: failure.count - 1 };
          session.send(pdu.response({ command_status: failure.status }));
          return;
        }
        const answer = accept(submit.data);
        const respond = (): void => {
          session.send(
            pdu.response(
              answer.status === ESME_ROK
                ? { message_id: answer.messageId }
                : { command_status: answer.status },
            ),
          );
          if (answer.fresh && options.receipts === true && (submit.data.registered_delivery & 0x03) !== 0) {
            setImmediate(() => sendReceipt(session, submit.data, answer.messageId));
          }
        };
        const hold = held;
        held = null;
        if (hold === null) {
          respond();
          return;
        }
        hold.arrive();
        void hold.released.then(respond);
        return;
      }
      case 'enquire_link':
        session.send(pdu.response());
        return;
      case 'unbind':
        bound.delete(session);
        session.send(pdu.response(), () => session.close());
        return;
      default:
        session.send(pdu.response({ command_status: 0x03 /* ESME_RINVCMDID */ }));
    }
  };

  const server = smpp.createServer({}, (session) => {
    session.socket.setNoDelay(true);
    session.on('pdu', (pdu) => received(session, pdu));
    // A client that vanishes mid-write is normal here; the close below forgets it.
    session.on('error', () => undefined);
    session.on('close', () => bound.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === 'string') throw new Error('the SMPP peer has no TCP address');

  const sendMo = (from: string, text: string): Promise<void> => {
    const target = [...bound].at(-1);
    if (target === undefined) return Promise.reject(new Error('no session is bound to the SMPP peer'));
    const gsm = isGsm7(text);
    const international = /^\+\d+$/u.test(from);
    return new Promise((resolve, reject) => {
      const written = target.deliver_sm(
        {
          source_addr_ton: international ? 1 : 0,
          source_addr_npi: international ? 1 : 0,
          source_addr: from.replace(/^\+/u, ''),
          destination_addr: 'opencvm',
          data_coding: gsm ? DATA_CODING_GSM7 : DATA_CODING_UCS2,
          short_message: gsm ? encodeGsm7(text) : Buffer.from(text, 'utf16le').swap16(),
        },
        (response) =>
          response.command_status === ESME_ROK
            ? resolve()
            : reject(new Error(`deliver_sm answered with status ${response.command_status}`)),
      );
      if (!written) reject(new Error('the bound session is not writable'));
    });
  };

  const dropSessions = (): void => {
    for (const session of [...server.sessions]) session.destroy();
    bound.clear();
  };

  const close = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    dropSessions();
    await closed;
  };

  return {
    port: address.port,
    messages,
    submits: () => submits,
    duplicates: () => duplicates,
    throttled: () => throttled,
    boundSessions: () => bound.size,
    sendMo,
    failNext: (next) => {
      failure = { ...next };
    },
    holdNext: () => {
      const hold = createHold();
      held = hold;
      return hold;
    },
    dropSessions,
    close,
    [Symbol.asyncDispose]: close,
  };
};
