import { describe, expect, it } from 'vitest';
import { formatFor } from '../src/i18n/i18n.tsx';
import { resultsMessages } from '../src/i18n/results-messages.ts';
import { sliceValue } from '../src/pages/results/result-format.ts';

describe('breakdown slices are written like the rest of the results page', () => {
  const slice = (locale: 'en' | 'ru', value: string, type: string | undefined) =>
    sliceValue(value, type, { f: formatFor(locale), currency: 'RUB', t: resultsMessages[locale] });

  it('formats counts, numbers and money by locale, as the store gives them in text', () => {
    expect(slice('ru', '1234567', 'integer')).toBe(formatFor('ru').integer(1_234_567));
    expect(slice('ru', '1234567', 'integer')).not.toBe('1234567');
    expect(slice('en', '2.5', 'number')).toBe('2.5');
    expect(slice('ru', '2.5', 'number')).toBe('2,5');
    // Money is stored as an exact decimal with four places; it is shown in the workspace currency.
    expect(slice('ru', '1234.5000', 'money')).toBe(formatFor('ru').money('1234.50', 'RUB'));
    expect(slice('ru', '1234.5000', 'money')).toMatch(/1\s234,50\s₽/);
    expect(slice('en', '1234.5000', 'money')).toMatch(/RUB\s?1,234\.50/);
  });

  it('says yes and no, and writes dates and timestamps by locale', () => {
    expect(slice('ru', 'true', 'boolean')).toBe('да');
    expect(slice('en', 'false', 'boolean')).toBe('no');
    expect(slice('ru', '2026-03-01', 'date')).toBe(formatFor('ru').date('2026-03-01T12:00:00Z'));
    expect(slice('en', '2026-03-01', 'date')).toContain('2026');
    expect(slice('en', '2026-03-01 10:00:00+00', 'timestamp')).toBe(
      formatFor('en').dateTime('2026-03-01T10:00:00+00:00'),
    );
  });

  it('keeps names and anything it cannot read as they are', () => {
    expect(slice('ru', 'Berlin', 'string')).toBe('Berlin');
    expect(slice('ru', 'prepaid', 'enum')).toBe('prepaid');
    expect(slice('ru', 'many', 'integer')).toBe('many');
    expect(slice('ru', 'yesterday', 'date')).toBe('yesterday');
  });
});
