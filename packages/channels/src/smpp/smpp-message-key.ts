import smpp from 'smpp';

/**
 * Our idempotency key on the wire: a vendor-specific optional parameter (SMPP 3.4 reserves tags
 * 0x1400–0x3FFF for SMSC vendors) on every `submit_sm`. A peer that stores it can recognise a
 * message we send again after a crash. SMSCs that do not know the tag ignore it, as the
 * specification requires for optional parameters.
 *
 * The value is ASCII: the key, then `#<sequence>/<total>` for a part of a concatenated message,
 * so each part is recognised on its own (a crash can fall between two parts). Bytes outside
 * printable ASCII, `%` and `#` are percent-encoded (UTF-8), so any key survives.
 */
export const MESSAGE_KEY_TAG = 0x1501;

/** The field name the `smpp` package reads and writes the parameter under. */
export const MESSAGE_KEY_FIELD = 'opencvm_message_key';

let registered = false;

/** Teaches the `smpp` package the parameter; its tables are global, so once per process. */
export const registerMessageKeyTag = (): void => {
  if (registered) return;
  smpp.addTLV(MESSAGE_KEY_FIELD, { id: MESSAGE_KEY_TAG, type: smpp.types.tlv.buffer });
  registered = true;
};

export interface MessageKeyPart {
  readonly sequence: number;
  readonly total: number;
}

const escapeKey = (key: string): string =>
  key.replace(/[^\x21-\x7e]|[%#]/gu, (character) =>
    [...Buffer.from(character, 'utf8')]
      .map((octet) => `%${octet.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );

export const encodeMessageKey = (key: string, part?: MessageKeyPart): Buffer =>
  Buffer.from(
    part === undefined ? escapeKey(key) : `${escapeKey(key)}#${part.sequence}/${part.total}`,
    'ascii',
  );

export interface DecodedMessageKey {
  readonly key: string;
  /** Absent for a message sent whole. */
  readonly part?: MessageKeyPart;
}

/** The key (and part) from the parameter's value; null when it is not one of ours. */
export const decodeMessageKey = (value: Uint8Array): DecodedMessageKey | null => {
  const text = Buffer.from(value).toString('ascii');
  const match = /^([^#]+)(?:#(\d+)\/(\d+))?$/u.exec(text);
  const escaped = match?.[1];
  if (match === null || escaped === undefined) return null;
  let key: string;
  try {
    key = decodeURIComponent(escaped);
  } catch {
    return null;
  }
  const sequence = match[2];
  const total = match[3];
  if (sequence === undefined || total === undefined) return { key };
  return { key, part: { sequence: Number(sequence), total: Number(total) } };
};
