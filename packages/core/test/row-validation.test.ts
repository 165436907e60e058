import { describe, expect, it } from 'vitest';
import type { ImportKind } from '../src/import/records.ts';
import { createRowValidator, importColumns, validateRow } from '../src/import/row-validation.ts';
import { customer, issuesOf, refusal, shop, stored, telecom } from './row-fixtures.ts';

describe('importColumns', () => {
  it('lists the customer fields, the six consents, then the declared attributes in order', () => {
    const columns = importColumns(shop, 'customers');
    expect(columns.slice(0, 6)).toEqual([
      { name: 'id', type: 'string', required: true },
      { name: 'timezone', type: 'timezone', required: false },
      { name: 'locale', type: 'locale', required: false },
      { name: 'msisdn', type: 'msisdn', required: false },
      { name: 'email', type: 'email', required: false },
      { name: 'push_token', type: 'string', required: false },
    ]);
    expect(columns.slice(6, 12).map((c) => [c.name, c.type])).toEqual([
      ['consent_sms_marketing', 'boolean'],
      ['consent_sms_service', 'boolean'],
      ['consent_email_marketing', 'boolean'],
      ['consent_email_service', 'boolean'],
      ['consent_push_marketing', 'boolean'],
      ['consent_push_service', 'boolean'],
    ]);
    expect(columns.slice(12).map((c) => [c.name, c.type])).toEqual([
      ['tier', 'enum'],
      ['visits', 'integer'],
      ['score', 'number'],
      ['vip', 'boolean'],
      ['birth_date', 'date'],
      ['signup_at', 'timestamp'],
      ['nickname', 'string'],
      ['size', 'enum'],
    ]);
    expect(columns.find((c) => c.name === 'tier')).toEqual({
      name: 'tier',
      type: 'enum',
      required: false,
      values: ['gold', 'silver'],
    });
  });

  it('lists the event fields, then each attribute column with the event types that declare it', () => {
    const columns = importColumns(telecom, 'events');
    expect(columns.slice(0, 6)).toEqual([
      { name: 'id', type: 'string', required: true },
      { name: 'customer_id', type: 'string', required: true },
      {
        name: 'type',
        type: 'enum',
        required: true,
        values: [
          'topup',
          'bill_payment',
          'purchase',
          'data_session',
          'call',
          'sms',
          'app_open',
          'plan_change',
          'payment_failed',
        ],
      },
      { name: 'ts', type: 'timestamp', required: true },
      { name: 'amount', type: 'money', required: false },
      { name: 'currency', type: 'currency', required: false },
    ]);
    expect(columns.slice(6).map((c) => [c.name, c.type, c.eventTypes])).toEqual([
      ['topup_channel', 'enum', ['topup']],
      ['product', 'enum', ['purchase']],
      ['mb', 'number', ['data_session']],
      ['duration_s', 'integer', ['call']],
      ['callee_id', 'string', ['call', 'sms']],
      ['from_tariff', 'enum', ['plan_change']],
      ['to_tariff', 'enum', ['plan_change']],
      ['reason', 'enum', ['payment_failed']],
    ]);
  });

  it('lists the relation fields with the declared kinds', () => {
    expect(importColumns(telecom, 'relations')).toEqual([
      { name: 'src', type: 'string', required: true },
      { name: 'dst', type: 'string', required: true },
      { name: 'kind', type: 'enum', required: true, values: ['call', 'sms', 'family'] },
      { name: 'weight', type: 'number', required: false },
    ]);
  });
});

describe('validateRow', () => {
  it('returns every column of the kind, null when missing', () => {
    const minimal: [ImportKind, Record<string, unknown>][] = [
      ['customers', { id: 'C1' }],
      ['events', { id: 'e1', customer_id: 'C1', type: 'app_open', ts: '2026-05-01T10:00:00Z' }],
      ['relations', { src: 'C1', dst: 'C2', kind: 'family' }],
    ];
    for (const [kind, raw] of minimal) {
      const result = validateRow(telecom, kind, raw);
      if (!result.ok) throw new Error(JSON.stringify(result.error));
      expect(Object.keys(result.value)).toEqual(importColumns(telecom, kind).map((c) => c.name));
    }
    const result = validateRow(telecom, 'customers', {
      id: 'C1',
      email: '',
      region: null,
      tariff: undefined,
    });
    expect(result.ok && result.value).toMatchObject({ id: 'C1', email: null, region: null, tariff: null });
  });

  it('agrees with a validator built once for many rows', () => {
    const raw = { id: 'c1', tier: 'gold', visits: 'x' };
    expect(validateRow(shop, 'customers', raw)).toEqual(customer(raw));
  });

  it('reports every problem of the row at once, unknown columns first, each with the raw value', () => {
    const result = customer({
      id: '',
      colour: 'red',
      tier: 'platinum',
      visits: 'many',
      vip: 2,
      birth_date: '2023-02-29',
      nickname: { first: 'Ann' },
      extra: null,
    });
    expect(issuesOf(result)).toEqual([
      { column: 'colour', value: 'red', reason: 'unknown column' },
      { column: 'extra', value: null, reason: 'unknown column' },
      { column: 'id', value: null, reason: 'required' },
      { column: 'tier', value: 'platinum', reason: '"platinum" is not one of gold, silver' },
      { column: 'visits', value: 'many', reason: 'expected an integer' },
      { column: 'vip', value: '2', reason: 'expected a boolean (true/false)' },
      { column: 'birth_date', value: '2023-02-29', reason: 'expected a date YYYY-MM-DD' },
      {
        column: 'nickname',
        value: '{"first":"Ann"}',
        reason: 'expected a single value, not an object or a list',
      },
    ]);
  });

  it('counts undefined, null and the empty string as missing', () => {
    for (const missing of [undefined, null, '']) {
      expect(issuesOf(customer({ id: missing }))).toEqual([
        { column: 'id', value: null, reason: 'required' },
      ]);
    }
  });

  it('takes text as written, as the bulk SQL checks do: no trimming', () => {
    expect(refusal('visits', ' 7')).toBe('expected an integer');
    expect(refusal('tier', 'gold ')).toBe('"gold " is not one of gold, silver');
    expect(stored('nickname', ' Ann ')).toBe(' Ann ');
    expect(stored('id', ' ')).toBe(' ');
  });
});

describe('column types', () => {
  it('string: text, JSON numbers as their text, at most 1000 characters (128 for keys)', () => {
    expect(stored('nickname', 'Ann')).toBe('Ann');
    expect(stored('id', 42)).toBe('42');
    expect(refusal('nickname', true)).toBe('expected text');
    expect(stored('nickname', 'x'.repeat(1000))).toHaveLength(1000);
    expect(refusal('nickname', 'x'.repeat(1001))).toBe('at most 1000 characters');
    // Characters, not UTF-16 units: SQL's length() counts code points.
    expect(stored('nickname', '😀'.repeat(1000))).toHaveLength(2000);
    expect(refusal('nickname', '😀'.repeat(1001))).toBe('at most 1000 characters');
    expect(stored('id', 'i'.repeat(128))).toHaveLength(128);
    expect(issuesOf(customer({ id: 'i'.repeat(129) }))).toEqual([
      { column: 'id', value: 'i'.repeat(129), reason: 'at most 128 characters' },
    ]);
  });

  it('integer: digits with a sign, or an integral JSON number, within ±(2^53 − 1)', () => {
    expect(stored('visits', '-12')).toBe(-12);
    expect(stored('visits', '+7')).toBe(7);
    expect(stored('visits', '007')).toBe(7);
    expect(stored('visits', '-0')).toBe(0);
    expect(Object.is(stored('visits', '-0'), -0)).toBe(false);
    expect(stored('visits', 7)).toBe(7);
    expect(stored('visits', 1e3)).toBe(1000);
    expect(stored('visits', '9007199254740991')).toBe(9_007_199_254_740_991);
    expect(stored('visits', '-9007199254740991')).toBe(-9_007_199_254_740_991);
    for (const outOfRange of ['9007199254740992', '-9007199254740992', '123456789012345678901', 2 ** 53]) {
      expect(refusal('visits', outOfRange)).toBe('integer out of range (±9007199254740991)');
    }
    for (const bad of ['1.5', '1.0', '1e3', '0x10', '1_000', '+', '٣', 1.5, true]) {
      expect(refusal('visits', bad), String(bad)).toBe('expected an integer');
    }
  });

  it('number: decimal text with an optional exponent, or a finite JSON number', () => {
    expect(stored('score', '1.25e2')).toBe(125);
    expect(stored('score', '.5')).toBe(0.5);
    expect(stored('score', '5.')).toBe(5);
    expect(stored('score', '-1E-3')).toBe(-0.001);
    expect(stored('score', 0.1)).toBe(0.1);
    for (const bad of [
      'NaN',
      'Infinity',
      'inf',
      '1e400',
      '0x10',
      '1_000',
      '1,5',
      '.',
      'e5',
      '1e',
      '1.5.2',
      false,
    ]) {
      expect(refusal('score', bad), String(bad)).toBe('expected a number');
    }
  });

  it('boolean: JSON booleans and true/false/t/f/1/0/yes/no/y/n in any case', () => {
    for (const yes of ['true', 'TRUE', 'T', '1', 'yes', 'Yes', 'Y', true, 1])
      expect(stored('vip', yes)).toBe(true);
    for (const no of ['false', 'False', 'f', '0', 'NO', 'n', false, 0]) expect(stored('vip', no)).toBe(false);
    for (const bad of ['maybe', 'on', 'off', '2', 'nope', 2]) {
      expect(refusal('vip', bad), String(bad)).toBe('expected a boolean (true/false)');
    }
  });

  it('date: YYYY-MM-DD naming a real calendar day', () => {
    expect(stored('birth_date', '2024-02-29')).toBe('2024-02-29');
    expect(stored('birth_date', '2000-02-29')).toBe('2000-02-29');
    expect(stored('birth_date', '0001-01-01')).toBe('0001-01-01');
    expect(stored('birth_date', '9999-12-31')).toBe('9999-12-31');
    for (const bad of [
      '2023-02-29',
      '1900-02-29',
      '2024-04-31',
      '2024-13-01',
      '2024-00-10',
      '2024-01-00',
      '0000-01-01',
      '2024-1-5',
      '20240105',
      '2024/01/05',
      '2024-01-05T00:00',
      20240105,
    ]) {
      expect(refusal('birth_date', bad), String(bad)).toBe('expected a date YYYY-MM-DD');
    }
  });

  it('enum: the exact value, naming at most ten allowed values', () => {
    expect(stored('tier', 'gold')).toBe('gold');
    expect(refusal('tier', 'Gold')).toBe('"Gold" is not one of gold, silver');
    expect(refusal('size', 'huge')).toBe('"huge" is not one of xxs, xs, s, m, l, xl, xxl, 3xl, 4xl, 5xl, …');
  });

  it('currency: an ISO 4217 code that Intl knows, upper-case', () => {
    const event = createRowValidator(shop, 'events');
    const base = { id: 'e1', customer_id: 'c1', type: 'purchase', ts: '2024-05-01', amount: '1' };
    expect(event({ ...base, currency: 'USD' }).ok).toBe(true);
    for (const bad of ['usd', 'XXY', 'US', 'EURO']) {
      expect(issuesOf(event({ ...base, currency: bad }))).toEqual([
        { column: 'currency', value: bad, reason: 'expected an ISO 4217 currency code such as EUR' },
      ]);
    }
  });

  it('timezone: an IANA zone name', () => {
    expect(stored('timezone', 'Asia/Vladivostok')).toBe('Asia/Vladivostok');
    expect(stored('timezone', 'UTC')).toBe('UTC');
    for (const bad of ['Mars/Olympus', '+03:00', 'GMT+3', 'Moscow']) {
      expect(refusal('timezone', bad), bad).toBe('expected an IANA time zone such as Europe/Moscow');
    }
  });

  it('locale: a language with an optional region', () => {
    for (const tag of ['ru', 'en', 'ru-RU', 'fil']) expect(stored('locale', tag)).toBe(tag);
    for (const bad of ['russian', 'EN', 'en-gb', 'en_GB', 'zh-Hans', 'en-GB ']) {
      expect(refusal('locale', bad), bad).toBe('expected a language tag such as ru or en-GB');
    }
  });

  it('msisdn: 7 to 15 digits, separators dropped, stored with a leading +', () => {
    expect(stored('msisdn', '+7 (912) 345-67-89')).toBe('+79123456789');
    expect(stored('msisdn', '79123456789')).toBe('+79123456789');
    expect(stored('msisdn', 79_123_456_789)).toBe('+79123456789');
    // A national form is not rewritten: only separators go.
    expect(stored('msisdn', '8 (912) 345-67-89')).toBe('+89123456789');
    expect(stored('msisdn', '1234567')).toBe('+1234567');
    expect(stored('msisdn', '123456789012345')).toBe('+123456789012345');
    expect(refusal('msisdn', '123456')).toBe('expected 7 to 15 digits');
    expect(refusal('msisdn', '1234567890123456')).toBe('expected 7 to 15 digits');
    for (const bad of ['call me', '++79123456789', '7912345678a', '7.912.345', '+7\u00a09123456789']) {
      expect(refusal('msisdn', bad), bad).toBe(
        'expected a phone number in international form, such as +79123456789',
      );
    }
  });

  it('email: one @, a dotted domain, no spaces, at most 254 characters, lower-cased', () => {
    expect(stored('email', 'Ann.Lee@Example.COM')).toBe('ann.lee@example.com');
    expect(stored('email', `${'a'.repeat(249)}@b.cd`)).toHaveLength(254);
    for (const bad of [
      'ann@localhost',
      'ann lee@example.com',
      'ann@@example.com',
      '@example.com',
      'ann@example.',
    ]) {
      expect(refusal('email', bad), bad).toBe('expected an e-mail address such as ann@example.com');
    }
    expect(refusal('email', `${'a'.repeat(250)}@b.cd`)).toBe(
      'expected an e-mail address such as ann@example.com',
    );
  });
});

describe('event rules (telecom schema)', () => {
  const event = createRowValidator(telecom, 'events');
  const base = { id: 'e1', customer_id: 'C1', ts: '2026-05-01T10:00:00Z' };

  it('fills in the workspace currency when an amount comes without one', () => {
    const result = event({ ...base, type: 'topup', amount: '300.10', topup_channel: 'app' });
    expect(result.ok && result.value).toMatchObject({
      amount: '300.1',
      currency: 'RUB',
      topup_channel: 'app',
    });
    const usd = event({ ...base, type: 'purchase', amount: 0.1, currency: 'USD', product: 'tv' });
    expect(usd.ok && usd.value).toMatchObject({ amount: '0.1', currency: 'USD', product: 'tv' });
    const none = event({ ...base, type: 'topup' });
    expect(none.ok && none.value).toMatchObject({ amount: null, currency: null });
  });

  it('refuses an amount on an event type that carries none', () => {
    expect(issuesOf(event({ ...base, type: 'call', amount: '5' }))).toEqual([
      { column: 'amount', value: '5', reason: 'event type "call" carries no amount' },
    ]);
    // One reason per value: that it must not be there at all says more than its form.
    expect(issuesOf(event({ ...base, type: 'call', amount: 'lots' }))).toEqual([
      { column: 'amount', value: 'lots', reason: 'event type "call" carries no amount' },
    ]);
  });

  it('refuses a currency without an amount', () => {
    expect(issuesOf(event({ ...base, type: 'app_open', currency: 'RUB' }))).toEqual([
      { column: 'currency', value: 'RUB', reason: 'currency without an amount' },
    ]);
    expect(issuesOf(event({ ...base, type: 'topup', currency: 'RUB' }))).toEqual([
      { column: 'currency', value: 'RUB', reason: 'currency without an amount' },
    ]);
  });

  it('refuses an attribute that the event type does not declare', () => {
    expect(
      issuesOf(event({ ...base, type: 'call', duration_s: '60', callee_id: 'C2', product: 'tv' })),
    ).toEqual([{ column: 'product', value: 'tv', reason: 'not an attribute of event type "call"' }]);
    const sms = event({ ...base, type: 'sms', callee_id: 'C2' });
    expect(sms.ok && sms.value).toMatchObject({ callee_id: 'C2', duration_s: null });
    expect(issuesOf(event({ ...base, type: 'sms', duration_s: '60', mb: '' }))).toEqual([
      { column: 'duration_s', value: '60', reason: 'not an attribute of event type "sms"' },
    ]);
  });

  it('skips the type-dependent rules when the type itself is wrong', () => {
    expect(issuesOf(event({ ...base, type: 'teleport', amount: '5', product: 'tv' }))).toEqual([
      {
        column: 'type',
        value: 'teleport',
        reason:
          '"teleport" is not one of topup, bill_payment, purchase, data_session, call, sms, app_open, plan_change, payment_failed',
      },
    ]);
    expect(issuesOf(event({ ...base, type: '', duration_s: '60' }))).toEqual([
      { column: 'type', value: null, reason: 'required' },
    ]);
  });

  it('checks attribute values by their declared type', () => {
    expect(issuesOf(event({ ...base, type: 'call', duration_s: '1.5' }))).toEqual([
      { column: 'duration_s', value: '1.5', reason: 'expected an integer' },
    ]);
    expect(
      issuesOf(event({ ...base, type: 'plan_change', from_tariff: 'gold', to_tariff: 'smart' })),
    ).toEqual([
      {
        column: 'from_tariff',
        value: 'gold',
        reason: '"gold" is not one of basic, smart, smart_plus, unlimited, family, business',
      },
    ]);
  });

  it('requires id, customer and time, reporting them together', () => {
    expect(issuesOf(event({ type: 'app_open', ts: 'soon' }))).toEqual([
      { column: 'id', value: null, reason: 'required' },
      { column: 'customer_id', value: null, reason: 'required' },
      { column: 'ts', value: 'soon', reason: 'expected a timestamp (ISO 8601)' },
    ]);
  });
});

describe('relation rules', () => {
  const relation = createRowValidator(telecom, 'relations');

  it('defaults the weight to 1 and keeps a given one', () => {
    expect(relation({ src: 'C1', dst: 'C2', kind: 'family' })).toEqual({
      ok: true,
      value: { src: 'C1', dst: 'C2', kind: 'family', weight: 1 },
    });
    expect(relation({ src: 'C1', dst: 'C2', kind: 'call', weight: '0' })).toMatchObject({
      value: { weight: 0 },
    });
    expect(relation({ src: 1, dst: 2, kind: 'sms', weight: 2.5 })).toMatchObject({
      value: { src: '1', dst: '2', weight: 2.5 },
    });
  });

  it('refuses negative weights, self-loops and unknown kinds together', () => {
    expect(issuesOf(relation({ src: 'C1', dst: 'C1', kind: 'friend', weight: '-2' }))).toEqual([
      { column: 'dst', value: 'C1', reason: 'a customer cannot relate to itself' },
      { column: 'kind', value: 'friend', reason: '"friend" is not one of call, sms, family' },
      { column: 'weight', value: '-2', reason: 'must be 0 or more' },
    ]);
    expect(issuesOf(relation({ src: 7, dst: '7', kind: 'call' }))).toEqual([
      { column: 'dst', value: '7', reason: 'a customer cannot relate to itself' },
    ]);
    expect(issuesOf(relation({ src: 'C1', dst: 'C2', kind: 'call', weight: 'heavy' }))).toEqual([
      { column: 'weight', value: 'heavy', reason: 'expected a number' },
    ]);
  });
});
