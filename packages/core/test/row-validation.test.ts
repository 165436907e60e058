import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  createRowValidator,
  importColumns,
  parseMoney,
  validateRow,
  zonedWallTimeToInstant,
} from '../src/row-validation.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../src/workspace-schema.ts';

const load = (input: unknown): WorkspaceSchema => {
  const parsed = parseWorkspaceSchema(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
};

const telecom = load(parse(readFileSync(new URL('../../../cvm.config.yaml', import.meta.url), 'utf8')));

const shop = load({
  workspace: { name: 'Shop', currency: 'EUR', timezone: 'Europe/Berlin' },
  customer: {
    attributes: {
      tier: { type: 'enum', values: ['gold', 'silver'] },
      visits: { type: 'integer' },
      score: { type: 'number' },
      vip: { type: 'boolean' },
      birth_date: { type: 'date' },
      signup_at: { type: 'timestamp' },
    },
  },
  events: { purchase: { amount: true, attributes: { sku: { type: 'string' } } }, visit: {} },
  relations: { kinds: ['family'] },
});

const customer = createRowValidator(shop, 'customers');
const issues = (result: ReturnType<typeof customer>) => (result.ok ? [] : result.error);
const value = (raw: Record<string, unknown>, field: string) => {
  const result = customer({ id: 'c1', ...raw });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value[field];
};
const reason = (raw: Record<string, unknown>) => issues(customer({ id: 'c1', ...raw }))[0]?.reason;

describe('import columns', () => {
  it('lists built-in fields first, then declared attributes in order', () => {
    const names = importColumns(shop, 'customers').map((column) => column.name);
    expect(names.slice(0, 6)).toEqual(['id', 'timezone', 'locale', 'msisdn', 'email', 'push_token']);
    expect(names.slice(6, 12)).toEqual([
      'consent_sms_marketing',
      'consent_sms_service',
      'consent_email_marketing',
      'consent_email_service',
      'consent_push_marketing',
      'consent_push_service',
    ]);
    expect(names.slice(12)).toEqual(['tier', 'visits', 'score', 'vip', 'birth_date', 'signup_at']);
    const events = importColumns(telecom, 'events');
    expect(events.find((column) => column.name === 'callee_id')?.eventTypes).toEqual(['call', 'sms']);
    expect(importColumns(shop, 'relations').map((column) => column.name)).toEqual([
      'src',
      'dst',
      'kind',
      'weight',
    ]);
  });
});

describe('row validation', () => {
  it('returns every column, null when missing', () => {
    const result = customer({ id: 'c1', tier: 'gold' });
    expect(result.ok && Object.keys(result.value)).toEqual(
      importColumns(shop, 'customers').map((c) => c.name),
    );
    expect(result.ok && result.value).toMatchObject({ id: 'c1', tier: 'gold', visits: null, email: null });
  });

  it('reports every problem of a row at once, with the raw value', () => {
    expect(issues(customer({ id: '', tier: 'platinum', visits: 'many', colour: 'red' }))).toEqual([
      { column: 'colour', value: 'red', reason: 'unknown column' },
      { column: 'id', value: null, reason: 'required' },
      { column: 'tier', value: 'platinum', reason: '"platinum" is not one of gold, silver' },
      { column: 'visits', value: 'many', reason: 'expected an integer' },
    ]);
  });

  it('reads integers, numbers and booleans from text and from JSON', () => {
    expect(value({ visits: '-12' }, 'visits')).toBe(-12);
    expect(value({ visits: 7 }, 'visits')).toBe(7);
    expect(reason({ visits: '1.5' })).toBe('expected an integer');
    expect(reason({ visits: ' 7' })).toBe('expected an integer');
    expect(reason({ visits: 1.5 })).toBe('expected an integer');
    expect(reason({ visits: '1e3' })).toBe('expected an integer');
    expect(reason({ visits: '9007199254740992' })).toMatch(/out of range/);
    expect(value({ score: '1.25e2' }, 'score')).toBe(125);
    expect(value({ score: '.5' }, 'score')).toBe(0.5);
    expect(reason({ score: 'NaN' })).toBe('expected a number');
    expect(reason({ score: '0x10' })).toBe('expected a number');
    for (const yes of ['true', 'T', '1', 'yes', 'Y', true]) expect(value({ vip: yes }, 'vip')).toBe(true);
    for (const no of ['false', 'f', '0', 'NO', 'n', false]) expect(value({ vip: no }, 'vip')).toBe(false);
    expect(reason({ vip: 'maybe' })).toBe('expected a boolean (true/false)');
  });

  it('accepts real calendar dates only', () => {
    expect(value({ birth_date: '2024-02-29' }, 'birth_date')).toBe('2024-02-29');
    expect(reason({ birth_date: '2023-02-29' })).toBe('expected a date YYYY-MM-DD');
    expect(reason({ birth_date: '2024-1-5' })).toBe('expected a date YYYY-MM-DD');
    expect(reason({ birth_date: '20240105' })).toBe('expected a date YYYY-MM-DD');
  });

  it('reads timestamps with an offset as given and without one in the workspace time zone', () => {
    expect(value({ signup_at: '2024-06-01T12:00:00Z' }, 'signup_at')).toBe('2024-06-01T12:00:00.000Z');
    expect(value({ signup_at: '2024-06-01 12:00:00+03:00' }, 'signup_at')).toBe('2024-06-01T09:00:00.000Z');
    expect(value({ signup_at: '2024-06-01T12:00-0230' }, 'signup_at')).toBe('2024-06-01T14:30:00.000Z');
    expect(value({ signup_at: '2024-06-01 12:00:00.123456' }, 'signup_at')).toBe('2024-06-01T10:00:00.123Z');
    expect(value({ signup_at: '2024-01-15' }, 'signup_at')).toBe('2024-01-14T23:00:00.000Z');
    // Berlin springs forward at 02:00 on 2024-03-31: 02:30 does not exist and is read as 03:30 CEST.
    expect(value({ signup_at: '2024-03-31 02:30' }, 'signup_at')).toBe('2024-03-31T01:30:00.000Z');
    // Berlin falls back at 03:00 on 2024-10-27: 02:30 happens twice; the earlier one is taken.
    expect(value({ signup_at: '2024-10-27 02:30' }, 'signup_at')).toBe('2024-10-27T00:30:00.000Z');
    expect(reason({ signup_at: '2024-13-01 10:00' })).toBe('expected a timestamp (ISO 8601)');
    expect(reason({ signup_at: '2024-01-01 25:00' })).toBe('expected a timestamp (ISO 8601)');
    expect(reason({ signup_at: 'yesterday' })).toBe('expected a timestamp (ISO 8601)');
    expect(reason({ signup_at: 1_700_000_000 })).toBe('expected a timestamp (ISO 8601)');
  });

  it('converts wall times in far-eastern zones', () => {
    const kamchatka = load({ ...telecom, workspace: { ...telecom.workspace, timezone: 'Asia/Kamchatka' } });
    const result = validateRow(kamchatka, 'events', {
      id: 'e',
      customer_id: 'c',
      type: 'app_open',
      ts: '2026-01-01 00:30',
    });
    expect(result.ok && result.value.ts).toBe('2025-12-31T12:30:00.000Z');
    expect(new Date(zonedWallTimeToInstant(Date.UTC(2026, 6, 1, 12), 'Asia/Kamchatka')).toISOString()).toBe(
      '2026-07-01T00:00:00.000Z',
    );
  });

  it('normalizes contact points and refuses malformed ones', () => {
    expect(value({ msisdn: '+7 (912) 345-67-89' }, 'msisdn')).toBe('+79123456789');
    expect(value({ msisdn: '79123456789' }, 'msisdn')).toBe('+79123456789');
    expect(reason({ msisdn: '12345' })).toBe('expected 7 to 15 digits');
    expect(reason({ msisdn: 'call me' })).toBe('expected a phone number in international form');
    expect(value({ email: 'Ann.Lee@Example.COM' }, 'email')).toBe('ann.lee@example.com');
    expect(reason({ email: 'ann@localhost' })).toBe('expected an e-mail address');
    expect(value({ timezone: 'Asia/Vladivostok' }, 'timezone')).toBe('Asia/Vladivostok');
    expect(reason({ timezone: 'Mars/Olympus' })).toMatch(/IANA time zone/);
    expect(value({ locale: 'ru-RU' }, 'locale')).toBe('ru-RU');
    expect(reason({ locale: 'russian' })).toMatch(/language tag/);
    expect(reason({ tier: { nested: true } })).toMatch(/single value/);
  });
});

describe('money', () => {
  it('keeps amounts exact as canonical decimal text', () => {
    expect(parseMoney('12.50')).toEqual({ value: '12.5' });
    expect(parseMoney('100')).toEqual({ value: '100' });
    expect(parseMoney('-0.0')).toEqual({ value: '0' });
    expect(parseMoney('007.1000')).toEqual({ value: '7.1' });
    expect(parseMoney('.25')).toEqual({ value: '0.25' });
    expect(parseMoney('99999999999999.9999')).toEqual({ value: '99999999999999.9999' });
  });

  it('refuses what is not an exact amount', () => {
    expect(parseMoney('1.23456')).toEqual({ reason: 'at most 4 decimal places' });
    expect(parseMoney('123456789012345')).toEqual({ reason: 'at most 14 digits before the decimal point' });
    for (const bad of ['1e3', 'NaN', '12,50', '', '.', '1.2.3', '$5']) {
      expect(parseMoney(bad), bad).toHaveProperty('reason');
    }
  });

  it('round-trips any amount in minor units', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (minor) => {
        const negative = minor < 0n;
        const abs = negative ? -minor : minor;
        const text = `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
        const parsed = parseMoney(text);
        if (!('value' in parsed)) return false;
        const [whole = '0', fraction = ''] = parsed.value.replace('-', '').split('.');
        const back = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
        return (parsed.value.startsWith('-') ? -back : back) === minor;
      }),
    );
  });
});

describe('event rules', () => {
  const event = createRowValidator(telecom, 'events');
  const base = { id: 'e1', customer_id: 'C1', ts: '2026-05-01T10:00:00Z' };

  it('fills the workspace currency for amounts and keeps money exact', () => {
    const result = event({ ...base, type: 'topup', amount: '300.10', topup_channel: 'app' });
    expect(result.ok && result.value).toMatchObject({
      amount: '300.1',
      currency: 'RUB',
      topup_channel: 'app',
    });
    const json = event({ ...base, type: 'purchase', amount: 0.1, currency: 'USD', product: 'tv' });
    expect(json.ok && json.value).toMatchObject({ amount: '0.1', currency: 'USD' });
  });

  it('refuses amounts, currencies and attributes that the event type does not carry', () => {
    expect(issues(event({ ...base, type: 'call', amount: '5', duration_s: '60', product: 'tv' }))).toEqual([
      { column: 'amount', value: '5', reason: 'event type "call" carries no amount' },
      { column: 'product', value: 'tv', reason: 'not an attribute of event type "call"' },
    ]);
    expect(issues(event({ ...base, type: 'app_open', currency: 'RUB' }))).toEqual([
      { column: 'currency', value: 'RUB', reason: 'currency without an amount' },
    ]);
    expect(issues(event({ ...base, type: 'topup', amount: '5', currency: 'XXY' }))[0]?.column).toBe(
      'currency',
    );
    expect(issues(event({ ...base, type: 'teleport' }))).toEqual([
      {
        column: 'type',
        value: 'teleport',
        reason: expect.stringMatching(/^"teleport" is not one of topup, /),
      },
    ]);
  });
});

describe('relation rules', () => {
  const relation = createRowValidator(shop, 'relations');

  it('defaults the weight and refuses self-loops and negative weights', () => {
    const result = relation({ src: 'a', dst: 'b', kind: 'family' });
    expect(result.ok && result.value).toEqual({ src: 'a', dst: 'b', kind: 'family', weight: 1 });
    expect(issues(relation({ src: 'a', dst: 'a', kind: 'family', weight: '-2' }))).toEqual([
      { column: 'weight', value: '-2', reason: 'must be zero or more' },
      { column: 'dst', value: 'a', reason: 'a customer cannot relate to itself' },
    ]);
  });
});
