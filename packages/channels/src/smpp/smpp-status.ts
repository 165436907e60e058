import type { SendResult } from '@opencvm/core';
import smpp from 'smpp';

/**
 * SMPP command statuses translated once: every `submit_sm_resp` status becomes a `SendResult`
 * here, and nowhere else.
 */

export const ESME_ROK = 0x00;
export const ESME_RSYSERR = 0x08;
export const ESME_RINVDSTADR = 0x0b;
export const ESME_RINVPASWD = 0x0e;
export const ESME_RINVSYSID = 0x0f;
export const ESME_RINVBNDSTS = 0x04;
export const ESME_RMSGQFUL = 0x14;
export const ESME_RTHROTTLED = 0x58;

/** How long to hold back after the SMSC said we send too fast or its queue is full. */
export const THROTTLED_BACKOFF_MS = 1000;

const STATUS_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(smpp.errors).map(([name, code]): [number, string] => [code, name]),
);

/** `ESME_RTHROTTLED (0x58)`, for error messages and retry reasons. */
export const commandStatusName = (status: number): string =>
  `${STATUS_NAMES.get(status) ?? 'unknown status'} (0x${status.toString(16).toUpperCase().padStart(2, '0')})`;

/** Statuses that say "not now": the SMSC is busy, overloaded or not ready for us. */
const TEMPORARY: ReadonlySet<number> = new Set([
  ESME_RINVBNDSTS,
  ESME_RSYSERR,
  ESME_RMSGQFUL,
  ESME_RTHROTTLED,
  0x45, // ESME_RSUBMITFAIL: a generic submit failure; SMSCs use it for passing faults
  0x64, // ESME_RX_T_APPN: the SMSC's own "temporary application error"
  0xff, // ESME_RUNKNOWNERR
]);

/** Statuses that say the recipient's address itself is wrong: retrying cannot reach it. */
const BAD_RECIPIENT: ReadonlySet<number> = new Set([ESME_RINVDSTADR, 0x0106 /* ESME_RINVDSTADDRSUBUNIT */]);

const SLOW_DOWN: ReadonlySet<number> = new Set([ESME_RTHROTTLED, ESME_RMSGQFUL]);

/** Whether the SMSC asks us to send more slowly. */
export const isSlowDown = (status: number): boolean => SLOW_DOWN.has(status);

/** The outcome of one `submit_sm`, given the status its response carried. */
export const submitStatusResult = (status: number, messageId: string): SendResult => {
  if (status === ESME_ROK) return { type: 'sent', providerId: messageId === '' ? null : messageId };
  const reason = `SMSC answered ${commandStatusName(status)}`;
  if (TEMPORARY.has(status)) {
    return SLOW_DOWN.has(status)
      ? { type: 'retry', reason, retryAfterMs: THROTTLED_BACKOFF_MS }
      : { type: 'retry', reason };
  }
  if (BAD_RECIPIENT.has(status)) return { type: 'failed', reason, bounced: true };
  return { type: 'failed', reason };
};
