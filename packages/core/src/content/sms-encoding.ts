/**
 * How long an SMS is, as operators bill it (3GPP TS 23.038, "GSM 03.38"). A text made only of the
 * GSM 7-bit default alphabet is sent in septets: 160 in one message, 153 per part once it is split
 * (the rest of each part holds the concatenation header). A character of the extension table
 * (`€ [ ] { } | ^ ~ \` and form feed) takes two septets, an escape and itself. Any other
 * character — Cyrillic, most accents, emoji — switches the whole text to UCS-2: 70 UTF-16 units
 * in one message, 67 per part, an emoji outside the BMP taking two.
 *
 * Parts are filled the way senders do: an escape pair or a surrogate pair is never split across
 * two parts, so a long text can need one part more than its length divided by 153 (or 67).
 */

/** The default alphabet, in code order (0x00–0x7F); 0x1B (the escape) is left out. */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC: ReadonlySet<string> = new Set(GSM_BASIC);
const EXTENSION: ReadonlySet<string> = new Set(GSM_EXTENSION);

export const SMS_LIMITS = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
} as const;

export type SmsEncodingName = keyof typeof SMS_LIMITS;

export interface SmsEncoding {
  readonly encoding: SmsEncodingName;
  /** Billed messages (parts); 1 for an empty text. */
  readonly segments: number;
  /**
   * Length in the encoding's units: septets for GSM-7 (extension characters count 2), UTF-16
   * units for UCS-2.
   */
  readonly characters: number;
  /** Units one segment holds at this length: 160/70 when single, 153/67 when split. */
  readonly perSegment: number;
}

/** Whether the text can go as GSM-7. */
export const isGsm7 = (text: string): boolean => {
  for (const character of text) {
    if (!BASIC.has(character) && !EXTENSION.has(character)) return false;
  }
  return true;
};

/** Parts needed for characters of the given unit widths, none split across two parts. */
const partsFor = (widths: readonly number[], perPart: number): number => {
  let parts = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > perPart) {
      parts += 1;
      used = 0;
    }
    used += width;
  }
  return parts;
};

export const smsEncoding = (text: string): SmsEncoding => {
  const gsm = isGsm7(text);
  const encoding: SmsEncodingName = gsm ? 'GSM-7' : 'UCS-2';
  // Iterating a string yields code points: 1 or 2 UTF-16 units, exactly the UCS-2 widths.
  const widths = [...text].map((character) => (gsm ? (EXTENSION.has(character) ? 2 : 1) : character.length));
  const characters = widths.reduce((sum, width) => sum + width, 0);
  const limits = SMS_LIMITS[encoding];
  if (characters <= limits.single) {
    return { encoding, segments: 1, characters, perSegment: limits.single };
  }
  return { encoding, segments: partsFor(widths, limits.part), characters, perSegment: limits.part };
};
