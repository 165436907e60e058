import { err, isGsm7, ok, type Result, SMS_LIMITS } from '@opencvm/core';

/**
 * SMS text on the SMPP wire. Whether a text is GSM-7 is core's decision (`isGsm7`, the same rule
 * that counted its segments); this file only turns characters into octets:
 *
 * - GSM-7 goes with `data_coding` 0 as unpacked septets, one per octet (SMPP never packs them).
 *   The `smpp` package's own coder is not used: it sends such text as `data_coding` 1 (IA5) and
 *   turns a character it cannot map into `@`.
 * - Anything else goes with `data_coding` 8 as UCS-2 big-endian (UTF-16BE, so a character outside
 *   the BMP takes a surrogate pair).
 *
 * A long text is cut into parts, each behind a concatenation header (UDH IEI 0x00 with an 8-bit
 * reference); a part never ends between an escape and its character or inside a surrogate pair.
 */

export const DATA_CODING_GSM7 = 0x00;
export const DATA_CODING_UCS2 = 0x08;

/** `esm_class` bit saying the short message starts with a user data header. */
export const ESM_CLASS_UDH_INDICATOR = 0x40;

/** Concatenated parts a reference can carry: the header's counters are one octet. */
export const MAX_PARTS = 255;

const GSM_ESCAPE = 0x1b;

/** The default alphabet in code order; the escape (0x1B) is held by a placeholder never mapped. */
const GSM_DEFAULT_ALPHABET =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u0000ÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table: each character is sent as the escape followed by this code. */
const GSM_EXTENSION: ReadonlyArray<readonly [string, number]> = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

const GSM_CODES: ReadonlyMap<string, Buffer> = new Map([
  ...[...GSM_DEFAULT_ALPHABET]
    .map((character, code): [string, Buffer] => [character, Buffer.of(code)])
    .filter(([, code]) => code[0] !== GSM_ESCAPE),
  ...GSM_EXTENSION.map(([character, code]): [string, Buffer] => [character, Buffer.of(GSM_ESCAPE, code)]),
]);

/** The octets of one character: 1 or 2 for GSM-7, 2 or 4 for UCS-2. */
const gsm7Octets = (character: string): Buffer => {
  const octets = GSM_CODES.get(character);
  // isGsm7 and this table both follow 3GPP TS 23.038; a gap between them is a bug, not input.
  if (octets === undefined)
    throw new Error(
      `GSM 03.38 has no code for U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase()}`,
    );
  return octets;
};

const ucs2Octets = (character: string): Buffer => Buffer.from(character, 'utf16le').swap16();

/** The text as GSM 03.38 septets, one per octet; the text must pass `isGsm7`. */
export const encodeGsm7 = (text: string): Buffer => Buffer.concat([...text].map(gsm7Octets));

export interface EncodedSms {
  readonly dataCoding: number;
  /** `esm_class` for every part: the UDH indicator when the text is split. */
  readonly esmClass: number;
  /** Each part's `short_message`, its concatenation header first when there are several. */
  readonly parts: readonly Buffer[];
}

export type SmsEncodingError = { readonly type: 'too_long'; readonly message: string };

const concatenationHeader = (options: {
  readonly reference: number;
  readonly total: number;
  readonly sequence: number;
}): Buffer => Buffer.of(0x05, 0x00, 0x03, options.reference & 0xff, options.total, options.sequence);

/** Fills parts of `capacity` octets with whole characters, in order. */
const fillParts = (characters: readonly Buffer[], capacity: number): Buffer[][] => {
  const parts: Buffer[][] = [];
  let current: Buffer[] = [];
  let used = 0;
  for (const octets of characters) {
    if (used + octets.length > capacity) {
      parts.push(current);
      current = [];
      used = 0;
    }
    current.push(octets);
    used += octets.length;
  }
  parts.push(current);
  return parts;
};

/**
 * The text as `short_message` octets, split when it does not fit one message. `reference` ties
 * the parts together on the handset; a repeat of the same message should use the same one.
 */
export const encodeSms = (text: string, reference: number): Result<EncodedSms, SmsEncodingError> => {
  const gsm = isGsm7(text);
  const limits = gsm ? SMS_LIMITS['GSM-7'] : SMS_LIMITS['UCS-2'];
  // Capacities in octets: a septet is one octet unpacked, a UCS-2 unit two.
  const octetsPerUnit = gsm ? 1 : 2;
  const characters = [...text].map(gsm ? gsm7Octets : ucs2Octets);
  const length = characters.reduce((sum, octets) => sum + octets.length, 0);
  const dataCoding = gsm ? DATA_CODING_GSM7 : DATA_CODING_UCS2;
  if (length <= limits.single * octetsPerUnit) {
    return ok({ dataCoding, esmClass: 0, parts: [Buffer.concat(characters)] });
  }
  const parts = fillParts(characters, limits.part * octetsPerUnit);
  if (parts.length > MAX_PARTS) {
    return err({
      type: 'too_long',
      message: `needs ${parts.length} SMS parts; at most ${MAX_PARTS} can be joined`,
    });
  }
  const total = parts.length;
  return ok({
    dataCoding,
    esmClass: ESM_CLASS_UDH_INDICATOR,
    parts: parts.map((part, index) =>
      Buffer.concat([concatenationHeader({ reference, total, sequence: index + 1 }), ...part]),
    ),
  });
};
