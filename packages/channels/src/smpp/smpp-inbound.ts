import type { DeliveryReport } from '@opencvm/core';
import { z } from 'zod';
import { TON } from './smpp-options.ts';

/**
 * What an SMSC sends us in `deliver_sm`: a delivery receipt for a message we submitted, or a
 * message from a subscriber (mobile originated), of which only opt-outs matter here.
 */

/** The words that withdraw consent for SMS, compared after {@link normalizeReply}. */
const OPT_OUT_WORDS: ReadonlySet<string> = new Set(['STOP', 'СТОП', 'UNSUBSCRIBE', 'ОТПИСАТЬСЯ']);

/** Upper case, without the punctuation, symbols and spacing people add around a keyword. */
const normalizeReply = (text: string): string =>
  text
    .normalize('NFKC')
    .replace(/[\p{P}\p{S}\p{Z}\p{Cc}]+/gu, ' ')
    .trim()
    .toUpperCase();

/** Whether a reply asks to stop messages: `STOP`, `stop!`, ` Стоп.`, `ОТПИСАТЬСЯ`. */
export const isOptOutText = (text: string): boolean => OPT_OUT_WORDS.has(normalizeReply(text));

/** `esm_class` bits 2–5 hold the message type; 0x04 is "SMSC delivery receipt". */
const MESSAGE_TYPE_MASK = 0x3c;
const MESSAGE_TYPE_DELIVERY_RECEIPT = 0x04;

/**
 * A short message as the `smpp` package decodes it (`data_coding` 0 and 8 give text, other
 * codings stay octets).
 */
const DecodedText = z.object({ message: z.union([z.string(), z.instanceof(Uint8Array)]) });

const DeliverSm = z.object({
  source_addr: z.string().catch(''),
  source_addr_ton: z.number().catch(0),
  esm_class: z.number().catch(0),
  short_message: DecodedText.optional().catch(undefined),
  message_payload: DecodedText.optional().catch(undefined),
  receipted_message_id: z.string().optional().catch(undefined),
  message_state: z.number().optional().catch(undefined),
});
type DeliverSm = z.infer<typeof DeliverSm>;

type ReceiptStatus = { readonly status: 'delivered' | 'failed'; readonly reason?: string } | null;

/** `message_state` values (SMPP 3.4 5.3.2.35, 9 from SMPP 5), by code. */
const MESSAGE_STATES = [
  'SCHEDULED',
  'ENROUTE',
  'DELIVERED',
  'EXPIRED',
  'DELETED',
  'UNDELIVERABLE',
  'ACCEPTED',
  'UNKNOWN',
  'REJECTED',
  'SKIPPED',
];

/** 2 is delivered; 0, 1 and 6 are not final yet; the rest are failures. */
const stateStatus = (state: number): ReceiptStatus => {
  if (state === 2) return { status: 'delivered' };
  if (state === 0 || state === 1 || state === 6) return null;
  return { status: 'failed', reason: MESSAGE_STATES[state] ?? `message_state ${state}` };
};

/** The `stat:` word of a receipt's text (SMPP 3.4 Appendix B); ACCEPTD and ENROUTE are not final. */
const statStatus = (stat: string): ReceiptStatus => {
  const word = stat.toUpperCase();
  if (word === 'DELIVRD' || word === 'DELIVERED') return { status: 'delivered' };
  if (word === 'ACCEPTD' || word === 'ACCEPTED' || word === 'ENROUTE' || word === 'SCHEDULED') return null;
  return { status: 'failed', reason: word };
};

const textOf = (pdu: DeliverSm): string => {
  for (const part of [pdu.short_message, pdu.message_payload]) {
    if (part !== undefined && typeof part.message === 'string' && part.message !== '') return part.message;
  }
  return '';
};

/** International numbers come without `+`; we store MSISDNs in E.164, so it is put back. */
const senderOf = (pdu: DeliverSm): string =>
  pdu.source_addr_ton === TON.international && /^\d+$/u.test(pdu.source_addr)
    ? `+${pdu.source_addr}`
    : pdu.source_addr;

const receiptOf = (pdu: DeliverSm, at: Date): DeliveryReport | null => {
  const text = textOf(pdu);
  const textId = /\bid:\s*([^\s]+)/iu.exec(text)?.[1];
  const providerId = pdu.receipted_message_id || textId;
  if (providerId === undefined || providerId === '') return null;
  const stat = /\bstat:\s*(\w+)/iu.exec(text)?.[1];
  const outcome =
    pdu.message_state !== undefined
      ? stateStatus(pdu.message_state)
      : stat !== undefined
        ? statStatus(stat)
        : null;
  if (outcome === null) return null;
  const error = /\berr:\s*(\w+)/iu.exec(text)?.[1];
  const reason =
    outcome.status === 'failed'
      ? [outcome.reason, error !== undefined && !/^0+$/u.test(error) ? `err:${error}` : undefined]
          .filter((piece) => piece !== undefined)
          .join(' ')
      : undefined;
  return reason === undefined
    ? { type: 'receipt', providerId, status: outcome.status, at }
    : { type: 'receipt', providerId, status: outcome.status, reason, at };
};

/**
 * The report a `deliver_sm` carries: a final delivery receipt or an opt-out; null for anything
 * else (an intermediate receipt, an ordinary reply).
 */
export const readDeliverSm = (pdu: unknown, at: Date): DeliveryReport | null => {
  const parsed = DeliverSm.safeParse(pdu);
  if (!parsed.success) return null;
  const deliverSm = parsed.data;
  if ((deliverSm.esm_class & MESSAGE_TYPE_MASK) === MESSAGE_TYPE_DELIVERY_RECEIPT)
    return receiptOf(deliverSm, at);
  const text = textOf(deliverSm);
  if (!isOptOutText(text) || deliverSm.source_addr === '') return null;
  return { type: 'opt_out', channel: 'sms', recipient: senderOf(deliverSm), text, at };
};
