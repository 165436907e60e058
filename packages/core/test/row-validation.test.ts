import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ImportKind, RowIssue } from '../src/import/records.ts';
import { createRowValidator, importColumns, validateRow } from '../src/import/row-validation.ts';
import { parseMoney } from '../src/money/money.ts';
import type { Result } from '../src/result.ts';
import { zonedWallTimeToInstant } from '../src/time/time-zones.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../src/workspace/workspace-schema.ts';

const load = (input: unknown): WorkspaceSchema => {
  const parsed = parseWorkspaceSchema(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
};

const telecom = load(parse(readFileSync(new URL('../../../cvm.config.yaml', import.meta.url), 'utf8')));

/** Every attribute type, in a zone with DST (Berlin: CET/CEST). */
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
      nickname: { type: 'string' },
      size: { type: 'enum', values: ['xxs', 'xs', 's', 'm', 'l', 'xl', 'xxl', '3xl', '4xl', '5xl', '6xl'] },
    },
  },
  events: { purchase: { amount: true, attributes: { sku: { type: 'string' } } }, visit: {} },
  relations: { kinds: ['family', 'friend'] },
});

const issuesOf = (result: Result<unknown, RowIssue[]>): RowIssue[] => (result.ok ? [] : result.error);

const customer = createRowValidator(shop, 'customers');

/** The stored value of one customer field, failing the test when the row is refused. */
const stored = (field: string, value: unknown): unknown => {
  const result = customer({ id: 'c1', [field]: value });
  if (!result.ok) throw new Error(`${JSON.stringify(value)} refused: ${JSON.stringify(result.error)}`);
  return result.value[field];
};

/** Why one customer field is refused (its only issue), or undefined when it is accepted. */
const refusal = (field: string, value: unknown): string | undefined => {
  const issues = issuesOf(customer({ id: 'c1', [field]: value }));
  expect(issues.length, JSON.stringify(issues)).toBeLessThanOrEqual(1);
  return issues[0]?.reason;
};

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

describe('timestamps', () => {
  const ts = (text: unknown): unknown => stored('signup_at', text);

  it('reads an offset or Z as given', () => {
    expect(ts('2024-06-01T12:00:00Z')).toBe('2024-06-01T12:00:00.000Z');
    expect(ts('2024-06-01T12:00Z')).toBe('2024-06-01T12:00:00.000Z');
    expect(ts('2024-06-01 12:00:00+03:00')).toBe('2024-06-01T09:00:00.000Z');
    expect(ts('2024-06-01 12:00:00+03')).toBe('2024-06-01T09:00:00.000Z');
    expect(ts('2024-06-01T12:00-0230')).toBe('2024-06-01T14:30:00.000Z');
    expect(ts('2024-06-01T00:30:00+05:30')).toBe('2024-05-31T19:00:00.000Z');
  });

  it('reads a wall time without an offset in the workspace time zone', () => {
    expect(ts('2024-06-01 12:00')).toBe('2024-06-01T10:00:00.000Z');
    expect(ts('2024-06-01T12:00:05')).toBe('2024-06-01T10:00:05.000Z');
    expect(ts('2024-01-15 12:00')).toBe('2024-01-15T11:00:00.000Z');
    // A date alone is midnight there.
    expect(ts('2024-01-15')).toBe('2024-01-14T23:00:00.000Z');
  });

  it('keeps milliseconds and drops finer digits', () => {
    expect(ts('2024-06-01T12:00:00.5Z')).toBe('2024-06-01T12:00:00.500Z');
    expect(ts('2024-06-01T12:00:00.123456Z')).toBe('2024-06-01T12:00:00.123Z');
    expect(ts('2024-06-01T12:00:00.999999Z')).toBe('2024-06-01T12:00:00.999Z');
  });

  it('moves a wall time skipped by the spring-forward gap forward by the gap', () => {
    // Berlin: 2024-03-31 02:00 CET becomes 03:00 CEST; 02:30 is read as 03:30 CEST.
    expect(ts('2024-03-31 01:59')).toBe('2024-03-31T00:59:00.000Z');
    expect(ts('2024-03-31 02:30')).toBe('2024-03-31T01:30:00.000Z');
    expect(ts('2024-03-31 03:30')).toBe('2024-03-31T01:30:00.000Z');
    expect(ts('2024-03-31 04:00')).toBe('2024-03-31T02:00:00.000Z');
  });

  it('takes the later instant of a wall time that happens twice, as DuckDB does', () => {
    // Berlin: 2024-10-27 03:00 CEST becomes 02:00 CET; 02:30 happens at 00:30Z and again at 01:30Z.
    expect(ts('2024-10-27 02:30')).toBe('2024-10-27T01:30:00.000Z');
    expect(ts('2024-10-27 02:30+01:00')).toBe('2024-10-27T01:30:00.000Z');
    expect(ts('2024-10-27 01:59')).toBe('2024-10-26T23:59:00.000Z');
    expect(ts('2024-10-27 03:00')).toBe('2024-10-27T02:00:00.000Z');
  });

  it('handles half-hour DST and zones far east of UTC', () => {
    // Lord Howe Island springs forward by 30 minutes: 02:15 does not exist and becomes 02:45 (+11:00).
    expect(
      new Date(zonedWallTimeToInstant(Date.UTC(2024, 9, 6, 2, 15), 'Australia/Lord_Howe')).toISOString(),
    ).toBe('2024-10-05T15:45:00.000Z');
    const kamchatka = load({ ...telecom, workspace: { ...telecom.workspace, timezone: 'Asia/Kamchatka' } });
    const result = validateRow(kamchatka, 'events', {
      id: 'e1',
      customer_id: 'C1',
      type: 'app_open',
      ts: '2026-01-01 00:30',
    });
    // New Year's first half hour in Kamchatka (UTC+12) is still the old year in UTC.
    expect(result.ok && result.value.ts).toBe('2025-12-31T12:30:00.000Z');
    const midnight = validateRow(kamchatka, 'events', {
      id: 'e2',
      customer_id: 'C1',
      type: 'app_open',
      ts: '2026-07-01',
    });
    expect(midnight.ok && midnight.value.ts).toBe('2026-06-30T12:00:00.000Z');
  });

  it('refuses anything but the ISO forms, and impossible dates and times', () => {
    for (const bad of [
      'yesterday',
      '2024-13-01 10:00',
      '2023-02-29 10:00',
      '2024-01-01 25:00',
      '2024-01-01 24:00',
      '2024-01-01 12:60',
      '2024-01-01 12:00:60',
      '2024-01-01 12',
      '2024-01-01 12:00:00.',
      '2024-01-01 12:00:00.1234567',
      '2024-6-1 12:00',
      '2024-06-01t12:00',
      '2024-06-01T12:00:00z',
      '2024-06-01Z',
      '2024-06-01 12:00 +02:00',
      '2024-06-01 12:00+2',
      '2024-06-01 12:00+24:00',
      '2024-06-01 12:00+05:60',
      '2024-06-01 12:00:00 Europe/Moscow',
      '0000-01-01 00:00',
      '9999-12-31 23:00-05:00',
      1_700_000_000,
    ]) {
      expect(refusal('signup_at', bad), String(bad)).toBe('expected a timestamp (ISO 8601)');
    }
  });

  const formatters = new Map<string, Intl.DateTimeFormat>();
  const formatterOf = (timeZone: string): Intl.DateTimeFormat => {
    const known = formatters.get(timeZone);
    if (known) return known;
    const created = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, created);
    return created;
  };

  /** The wall time of an instant in a zone, as UTC milliseconds: an oracle independent of the code under test. */
  const wallOf = (instant: number, timeZone: string): number => {
    const parts = formatterOf(timeZone).formatToParts(instant);
    const part = (type: Intl.DateTimeFormatPartTypes): number =>
      Number(parts.find((p) => p.type === type)?.value);
    return (
      Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) +
      (instant % 1000)
    );
  };

  /** UTC offset of a zone at an instant, by the oracle. */
  const offsetOf = (instant: number, timeZone: string): number => wallOf(instant, timeZone) - instant;

  const HOUR_MS = 3_600_000;
  const DAY_MS = 24 * HOUR_MS;
  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'America/Santiago',
    'America/Havana',
    'Australia/Lord_Howe',
    'Pacific/Apia',
    'Asia/Tehran',
    'Africa/Casablanca',
    // Changes at 22:00 or 23:00 local time (01:00 UTC): the day before in wall time.
    'America/Nuuk',
    'Asia/Kamchatka',
    'Asia/Kolkata',
  ];

  /** Instants at which a zone's offset changes, 2005–2030, found by a daily scan and bisection. */
  const transitionsOf = (timeZone: string): number[] => {
    const found: number[] = [];
    for (let day = Date.UTC(2005, 0, 1); day < Date.UTC(2030, 0, 1); day += DAY_MS) {
      if (offsetOf(day, timeZone) === offsetOf(day + DAY_MS, timeZone)) continue;
      let low = day;
      let high = day + DAY_MS;
      while (high - low > 1000) {
        const middle = low + Math.floor((high - low) / 2000) * 1000;
        if (offsetOf(middle, timeZone) === offsetOf(low, timeZone)) low = middle;
        else high = middle;
      }
      found.push(high);
    }
    return found;
  };

  const transitions = zones.flatMap((zone) => transitionsOf(zone).map((at) => ({ zone, at })));

  /** A zone and an instant: anywhere in 1972–2037, or within three hours of an offset change. */
  const zonedInstant = fc.oneof(
    fc.record({
      zone: fc.constantFrom(...zones),
      instant: fc.integer({ min: Date.UTC(1972, 0, 1), max: Date.UTC(2037, 0, 1) }),
    }),
    fc.constantFrom(...transitions).chain(({ zone, at }) =>
      fc.record({
        zone: fc.constant(zone),
        instant: fc.integer({ min: at - 3 * HOUR_MS, max: at + 3 * HOUR_MS }),
      }),
    ),
  );

  it('finds offset changes to test around', () => {
    expect(transitions.filter(({ zone }) => zone === 'Europe/Berlin')).toHaveLength(50);
    expect(transitions.some(({ zone }) => zone === 'Australia/Lord_Howe')).toBe(true);
  });

  it('turns the wall time of any instant back into the latest instant that shows it', () => {
    fc.assert(
      fc.property(zonedInstant, ({ zone, instant }) => {
        const wall = wallOf(instant, zone);
        const back = zonedWallTimeToInstant(wall, zone);
        expect(wallOf(back, zone)).toBe(wall);
        expect(back).toBeGreaterThanOrEqual(instant);
        // Later only when the same wall time came round again after the clocks went back.
        if (back > instant) expect(offsetOf(back, zone)).toBeLessThan(offsetOf(instant, zone));
      }),
      { numRuns: 3000 },
    );
  });

  it('moves a wall time that never happened forward by the size of the gap', () => {
    fc.assert(
      fc.property(zonedInstant, fc.integer({ min: -3 * 60, max: 3 * 60 }), ({ zone, instant }, minutes) => {
        const wall = wallOf(instant, zone) + minutes * 60_000;
        const back = zonedWallTimeToInstant(wall, zone);
        const shown = wallOf(back, zone);
        if (shown === wall) return;
        const jump = offsetOf(back, zone) - offsetOf(back - DAY_MS, zone);
        expect(jump).toBeGreaterThan(0);
        expect(shown - wall).toBe(jump);
      }),
      { numRuns: 3000 },
    );
  });
});

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
          '"teleport" is not one of topup, bill_payment, purchase, data_session, call, sms, app_open, plan_change',
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
