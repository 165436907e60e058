import { err, ok, type Result, zodIssues } from '@opencvm/core';
import { z } from 'zod';
import { Secret } from '../secret.ts';

/** Type of number (SMPP 3.4 5.2.5) for the addresses we use. */
export const TON = { unknown: 0, international: 1, networkSpecific: 3, alphanumeric: 5 } as const;
/** Numbering plan indicator (SMPP 3.4 5.2.6). */
export const NPI = { unknown: 0, isdn: 1 } as const;

const ton = z.int().min(0).max(6, 'must be a type of number, 0–6');
const npi = z.int().min(0).max(18, 'must be a numbering plan indicator, 0–18');
const milliseconds = z.int().positive('must be a positive number of milliseconds');

/** A sender id of digits (an MSISDN or a short code), `+` allowed in front. */
const NUMERIC_SENDER = /^\+?\d+$/u;

/** Short codes are national; longer numbers are taken as international (E.164). */
const SHORT_CODE_MAX_DIGITS = 8;

/**
 * The SMPP delivery config. `sourceAddrTon`/`Npi` follow the sender id when left out: an
 * alphanumeric id (`OpenCVM`, at most 11 characters) is 5/0, a short code 3/0, a full number 1/1.
 */
export const SmppOptions = z
  .strictObject({
    host: z.string().min(1, 'must name the SMSC host'),
    port: z.int().min(1).max(65_535, 'must be a TCP port').default(2775),
    /** SMPP caps these C-octet strings: system_id 16 octets, system_type 13, with the NUL. */
    systemId: z.string().min(1, 'must not be empty').max(15, 'must be at most 15 characters'),
    password: Secret,
    systemType: z.string().max(12, 'must be at most 12 characters').optional(),
    /** The sender id subscribers see. */
    sourceAddr: z.string().min(1, 'must not be empty').max(20, 'must be at most 20 characters'),
    sourceAddrTon: ton.optional(),
    sourceAddrNpi: npi.optional(),
    destAddrTon: ton.default(TON.international),
    destAddrNpi: npi.default(NPI.isdn),
    /** Submits per second the SMSC allows on this bind; each part of a long message is one. */
    tps: z.number().positive('must be a positive number of messages per second').default(10),
    /** Ask the SMSC for a delivery receipt (on the last part of a long message). */
    registeredDelivery: z.boolean().default(true),
    /** How often an idle session is checked with `enquire_link`. */
    enquireLinkIntervalMs: milliseconds.default(30_000),
    /** Connecting and binding together may take this long. */
    bindTimeoutMs: milliseconds.default(10_000),
    /** How long to wait for the answer to a `submit_sm`, `enquire_link` or `unbind`. */
    responseTimeoutMs: milliseconds.default(10_000),
    /** Reconnect delays double from the first to the last after each failed attempt. */
    reconnectMinDelayMs: milliseconds.default(1000),
    reconnectMaxDelayMs: milliseconds.default(60_000),
  })
  .superRefine((options, context) => {
    if (!NUMERIC_SENDER.test(options.sourceAddr) && options.sourceAddr.length > 11) {
      context.addIssue({
        code: 'custom',
        path: ['sourceAddr'],
        message: 'an alphanumeric sender id must be at most 11 characters',
      });
    }
    if (options.reconnectMaxDelayMs < options.reconnectMinDelayMs) {
      context.addIssue({
        code: 'custom',
        path: ['reconnectMaxDelayMs'],
        message: 'must not be less than reconnectMinDelayMs',
      });
    }
  })
  .transform((options) => {
    const numeric = NUMERIC_SENDER.test(options.sourceAddr);
    const digits = options.sourceAddr.replace(/^\+/u, '');
    const shortCode = numeric && digits.length <= SHORT_CODE_MAX_DIGITS;
    const defaultTon = !numeric ? TON.alphanumeric : shortCode ? TON.networkSpecific : TON.international;
    const defaultNpi = numeric && !shortCode ? NPI.isdn : NPI.unknown;
    return {
      ...options,
      sourceAddrTon: options.sourceAddrTon ?? defaultTon,
      sourceAddrNpi: options.sourceAddrNpi ?? defaultNpi,
    };
  });

/** The config after parsing: defaults filled in, the sender's TON/NPI decided. */
export type SmppOptions = z.output<typeof SmppOptions>;
/** The config as written. */
export type SmppOptionsInput = z.input<typeof SmppOptions>;

export type SmppConfigError = { readonly type: 'invalid_config'; readonly message: string };

/** The options, or an error naming each wrong key (`smpp.port: …`). */
export const parseSmppOptions = (input: unknown): Result<SmppOptions, SmppConfigError> => {
  const parsed = SmppOptions.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const message = zodIssues(parsed.error)
    .map((issue) => `${issue.path === '(root)' ? 'smpp' : `smpp.${issue.path}`}: ${issue.message}`)
    .join('; ');
  return err({ type: 'invalid_config', message });
};
