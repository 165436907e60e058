import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RowIssue } from '../src/import/records.ts';
import { createRowValidator } from '../src/import/row-validation.ts';
import { parseMoney } from '../src/money/money.ts';
import type { Result } from '../src/result.ts';
import { issuesOf, shop } from './row-fixtures.ts';

describe('money', () => {
  const event = createRowValidator(shop, 'events');
  const amountOf = (amount: unknown): Result<unknown, RowIssue[]> => {
    const result = event({ id: 'e1', customer_id: 'c1', type: 'purchase', ts: '2024-05-01', amount });
    return result.ok ? { ok: true, value: result.value.amount } : result;
  };

  it('stores amounts as canonical decimal text', () => {
    const canonical: [string, string][] = [
      ['12.50', '12.5'],
      ['100', '100'],
      ['100.0000', '100'],
      ['-0.0', '0'],
      ['-0', '0'],
      ['+5', '5'],
      ['5.', '5'],
      ['.25', '0.25'],
      ['007.1000', '7.1'],
      ['-12.0001', '-12.0001'],
      ['99999999999999.9999', '99999999999999.9999'],
      ['00000000000000012.5', '12.5'],
    ];
    for (const [text, value] of canonical) expect(parseMoney(text), text).toEqual({ ok: true, value });
  });

  it('reads a JSON number through its shortest decimal text, never as a float sum', () => {
    expect(amountOf(12.5)).toEqual({ ok: true, value: '12.5' });
    expect(amountOf(0.1)).toEqual({ ok: true, value: '0.1' });
    expect(amountOf(300)).toEqual({ ok: true, value: '300' });
    expect(amountOf(-0)).toEqual({ ok: true, value: '0' });
    // String(1e21) and String(1e-7) keep an exponent, which money refuses.
    expect(issuesOf(amountOf(1e21))[0]?.reason).toBe('expected a decimal amount such as 12.50');
    expect(issuesOf(amountOf(1e-7))[0]?.reason).toBe('expected a decimal amount such as 12.50');
    expect(issuesOf(amountOf(0.00001))[0]?.reason).toBe('at most 4 decimal places');
    expect(issuesOf(amountOf(true))[0]?.reason).toBe('expected a decimal amount such as 12.50');
  });

  it('refuses what is not an exact amount of at most 14 + 4 digits', () => {
    expect(parseMoney('1.23456')).toEqual({ ok: false, error: 'at most 4 decimal places' });
    expect(parseMoney('123456789012345')).toEqual({
      ok: false,
      error: 'at most 14 digits before the decimal point',
    });
    expect(parseMoney('100000000000000.5')).toEqual({
      ok: false,
      error: 'at most 14 digits before the decimal point',
    });
    for (const bad of [
      '1e3',
      '1E3',
      'NaN',
      'Infinity',
      '12,50',
      '.',
      '-',
      '1.2.3',
      '$5',
      '1_000',
      '0x1',
      ' 5',
      '5 ',
    ]) {
      expect(parseMoney(bad), bad).toEqual({ ok: false, error: 'expected a decimal amount such as 12.50' });
    }
    expect(issuesOf(amountOf('12,50'))).toEqual([
      { column: 'amount', value: '12,50', reason: 'expected a decimal amount such as 12.50' },
    ]);
  });

  /** Minor units (cents) as decimal text with two places. */
  const centsText = (minor: bigint): string => {
    const abs = minor < 0n ? -minor : minor;
    return `${minor < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  };

  it('round-trips any amount in minor units exactly', () => {
    const limit = 10n ** 16n - 1n; // 14 digits before the point, 2 after
    fc.assert(
      fc.property(fc.bigInt({ min: -limit, max: limit }), (minor) => {
        const parsed = parseMoney(centsText(minor));
        if (!parsed.ok) throw new Error(parsed.error);
        const negative = parsed.value.startsWith('-');
        const [whole = '', fraction = ''] = parsed.value.replace('-', '').split('.');
        const back = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
        expect(negative ? -back : back).toBe(minor);
      }),
    );
  });

  it('gives canonical text that reads back as itself', () => {
    const decimal = fc
      .tuple(fc.constantFrom('', '+', '-'), fc.stringMatching(/^\d{0,16}$/), fc.stringMatching(/^\d{0,4}$/))
      .filter(([, whole, fraction]) => whole !== '' || fraction !== '')
      .map(([sign, whole, fraction]) =>
        fraction === '' ? `${sign}${whole}` : `${sign}${whole}.${fraction}`,
      );
    fc.assert(
      fc.property(decimal, (text) => {
        const parsed = parseMoney(text);
        if (!parsed.ok) return;
        expect(parseMoney(parsed.value)).toEqual(parsed);
        expect(parsed.value).toMatch(/^-?(0|[1-9]\d*)(\.\d*[1-9])?$/);
      }),
    );
  });
});
