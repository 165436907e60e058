import { smsEncoding } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import { isOptOutText } from '../src/smpp/index.ts';
import { encodeGsm7, encodeSms } from '../src/smpp/smpp-encoding.ts';
import { readDeliverSm } from '../src/smpp/smpp-inbound.ts';
import { decodeMessageKey, encodeMessageKey } from '../src/smpp/smpp-message-key.ts';

const partsOf = (text: string): Buffer[] => {
  const encoded = encodeSms(text, 7);
  if (!encoded.ok) throw new Error(encoded.error.message);
  return [...encoded.value.parts];
};

describe('SMS encoding for SMPP', () => {
  it('maps GSM 03.38 characters to their codes, extension characters behind the escape', () => {
    expect([...encodeGsm7('@£$Δ_')]).toEqual([0x00, 0x01, 0x02, 0x10, 0x11]);
    expect([...encodeGsm7('€{}[]~\\|^\f')]).toEqual([
      0x1b, 0x65, 0x1b, 0x28, 0x1b, 0x29, 0x1b, 0x3c, 0x1b, 0x3e, 0x1b, 0x3d, 0x1b, 0x2f, 0x1b, 0x40, 0x1b,
      0x14, 0x1b, 0x0a,
    ]);
    expect([...encodeGsm7('Aa0 ')]).toEqual([0x41, 0x61, 0x30, 0x20]);
  });

  it('sends a text that fits one message whole, without a header', () => {
    const encoded = encodeSms('a'.repeat(160), 1);
    expect(encoded.ok && encoded.value).toMatchObject({ dataCoding: 0, esmClass: 0 });
    expect(partsOf('a'.repeat(160))).toHaveLength(1);
    expect(partsOf('я'.repeat(70))[0]).toHaveLength(140);
  });

  it('cuts GSM-7 into 153 septets a part behind a concatenation header', () => {
    const parts = partsOf('a'.repeat(161));
    expect(parts.map((part) => part.length)).toEqual([6 + 153, 6 + 8]);
    expect([...(parts[0]?.subarray(0, 6) ?? [])]).toEqual([0x05, 0x00, 0x03, 7, 2, 1]);
    expect([...(parts[1]?.subarray(0, 6) ?? [])]).toEqual([0x05, 0x00, 0x03, 7, 2, 2]);
  });

  it('never splits an escape sequence or a surrogate pair, agreeing with the segment count', () => {
    const gsm = `${'a'.repeat(152)}€${'b'.repeat(10)}`;
    const gsmParts = partsOf(gsm);
    expect(gsmParts.map((part) => part.length - 6)).toEqual([152, 12]);
    expect(gsmParts).toHaveLength(smsEncoding(gsm).segments);

    const ucs = `${'я'.repeat(66)}😀${'я'.repeat(5)}`;
    const ucsParts = partsOf(ucs);
    expect(ucsParts.map((part) => (part.length - 6) / 2)).toEqual([66, 7]);
    expect(ucsParts).toHaveLength(smsEncoding(ucs).segments);
    expect(
      Buffer.concat(ucsParts.map((part) => part.subarray(6)))
        .swap16()
        .toString('utf16le'),
    ).toBe(ucs);
  });

  it('cuts UCS-2 into 67 units a part', () => {
    const parts = partsOf('ж'.repeat(150));
    expect(parts.map((part) => (part.length - 6) / 2)).toEqual([67, 67, 16]);
  });

  it('refuses a text longer than 255 parts', () => {
    const encoded = encodeSms('a'.repeat(153 * 255 + 1), 1);
    expect(encoded.ok).toBe(false);
  });
});

describe('the message key parameter', () => {
  it('round-trips any key, and a part number', () => {
    const key = 'run 1:клиент#7:main%';
    expect(encodeMessageKey(key).every((octet) => octet >= 0x21 && octet <= 0x7e)).toBe(true);
    expect(decodeMessageKey(encodeMessageKey(key))).toEqual({ key });
    expect(decodeMessageKey(encodeMessageKey(key, { sequence: 2, total: 3 }))).toEqual({
      key,
      part: { sequence: 2, total: 3 },
    });
    expect(encodeMessageKey('run-1:c-1:main', { sequence: 1, total: 2 }).toString('ascii')).toBe(
      'run-1:c-1:main#1/2',
    );
  });
});

describe('deliver_sm from the SMSC', () => {
  const at = new Date('2026-03-01T10:00:00Z');

  it('reads a receipt from its text when it has no receipt parameters', () => {
    const receipt = (stat: string) =>
      readDeliverSm(
        {
          source_addr: '79161234567',
          esm_class: 0x04,
          short_message: {
            message: `id:AB12 sub:001 dlvrd:000 submit date:2603011000 done date:2603011001 stat:${stat} err:034 text:`,
          },
        },
        at,
      );
    expect(receipt('DELIVRD')).toEqual({ type: 'receipt', providerId: 'AB12', status: 'delivered', at });
    expect(receipt('UNDELIV')).toEqual({
      type: 'receipt',
      providerId: 'AB12',
      status: 'failed',
      reason: 'UNDELIV err:034',
      at,
    });
    expect(receipt('EXPIRED')).toMatchObject({ status: 'failed', reason: 'EXPIRED err:034' });
    expect(receipt('ENROUTE')).toBeNull();
  });

  it('prefers receipted_message_id and message_state', () => {
    expect(
      readDeliverSm(
        {
          esm_class: 0x04,
          receipted_message_id: 'tlv-id',
          message_state: 8,
          short_message: { message: 'id:text-id stat:DELIVRD' },
        },
        at,
      ),
    ).toEqual({ type: 'receipt', providerId: 'tlv-id', status: 'failed', reason: 'REJECTED', at });
  });

  it('ignores an ordinary reply', () => {
    expect(
      readDeliverSm({ source_addr: '79161234567', esm_class: 0, short_message: { message: 'thanks' } }, at),
    ).toBe(null);
  });
});

describe('isOptOutText', () => {
  it.each(['STOP', 'stop', ' Stop! ', 'СТОП', 'стоп.', 'Unsubscribe', 'отписаться', '«СТОП»'])(
    '%s opts out',
    (text) => {
      expect(isOptOutText(text)).toBe(true);
    },
  );

  it.each(['hello', 'stop it', 'STOPS', 'не стоп', ''])('%s does not', (text) => {
    expect(isOptOutText(text)).toBe(false);
  });
});
