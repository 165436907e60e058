import {
  type FieldValue,
  type ImportKind,
  MONEY_SCALE,
  type NormalizedRow,
  type RowIssue,
} from './records.ts';
import { err, ok, type Result } from './result.ts';
import { CHANNELS, eventAttributeColumns, PURPOSES, type WorkspaceSchema } from './workspace-schema.ts';

/** One column a row of a kind may carry, with what it must hold. */
export interface ColumnSpec {
  readonly name: string;
  readonly type:
    | 'string'
    | 'integer'
    | 'number'
    | 'boolean'
    | 'date'
    | 'timestamp'
    | 'enum'
    | 'money'
    | 'currency'
    | 'timezone'
    | 'locale'
    | 'msisdn'
    | 'email';
  readonly required: boolean;
  readonly values?: readonly string[];
  /** For event attribute columns: the event types that declare it. */
  readonly eventTypes?: readonly string[];
}

const KEY_COLUMNS = new Set(['id', 'customer_id', 'src', 'dst']);
const MAX_TEXT = 1000;
const MAX_KEY = 128;
const MAX_SAFE = 9_007_199_254_740_991n;

/** Every column a row of `kind` may carry, built-in fields first, then declared attributes. */
export const importColumns = (schema: WorkspaceSchema, kind: ImportKind): readonly ColumnSpec[] => {
  if (kind === 'customers') {
    return [
      { name: 'id', type: 'string', required: true },
      { name: 'timezone', type: 'timezone', required: false },
      { name: 'locale', type: 'locale', required: false },
      { name: 'msisdn', type: 'msisdn', required: false },
      { name: 'email', type: 'email', required: false },
      { name: 'push_token', type: 'string', required: false },
      ...CHANNELS.flatMap((channel) =>
        PURPOSES.map(
          (purpose): ColumnSpec => ({
            name: `consent_${channel}_${purpose}`,
            type: 'boolean',
            required: false,
          }),
        ),
      ),
      ...Object.entries(schema.customer.attributes).map(
        ([name, attribute]): ColumnSpec =>
          attribute.type === 'enum'
            ? { name, type: 'enum', required: false, values: attribute.values }
            : { name, type: attribute.type, required: false },
      ),
    ];
  }
  if (kind === 'events') {
    const declaring = new Map<string, string[]>();
    for (const [eventType, definition] of Object.entries(schema.events)) {
      for (const name of Object.keys(definition.attributes))
        declaring.set(name, [...(declaring.get(name) ?? []), eventType]);
    }
    return [
      { name: 'id', type: 'string', required: true },
      { name: 'customer_id', type: 'string', required: true },
      { name: 'type', type: 'enum', required: true, values: Object.keys(schema.events) },
      { name: 'ts', type: 'timestamp', required: true },
      { name: 'amount', type: 'money', required: false },
      { name: 'currency', type: 'currency', required: false },
      ...[...eventAttributeColumns(schema)].map(([name, attribute]): ColumnSpec => {
        const eventTypes = declaring.get(name) ?? [];
        return attribute.type === 'enum'
          ? { name, type: 'enum', required: false, values: attribute.values, eventTypes }
          : { name, type: attribute.type, required: false, eventTypes };
      }),
    ];
  }
  return [
    { name: 'src', type: 'string', required: true },
    { name: 'dst', type: 'string', required: true },
    { name: 'kind', type: 'enum', required: true, values: schema.relations.kinds },
    { name: 'weight', type: 'number', required: false },
  ];
};

const formatterCache = new Map<string, Intl.DateTimeFormat>();

const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  const cached = formatterCache.get(timeZone);
  if (cached) return cached;
  const created = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  formatterCache.set(timeZone, created);
  return created;
};

const zoneCache = new Map<string, boolean>();

export const isTimeZone = (value: string): boolean => {
  const cached = zoneCache.get(value);
  if (cached !== undefined) return cached;
  let valid = true;
  try {
    formatterFor(value);
  } catch {
    valid = false;
  }
  zoneCache.set(value, valid);
  return valid;
};

/** Offset of a time zone from UTC at an instant, in milliseconds. */
const offsetAt = (instant: number, timeZone: string): number => {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
};

/**
 * The instant a wall-clock time names in a zone. In a DST gap the time is moved forward by the
 * gap; an ambiguous time takes the earlier instant — as PostgreSQL and DuckDB do.
 */
export const zonedWallTimeToInstant = (wall: number, timeZone: string): number => {
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  if (first === second) {
    // Either unambiguous, or the later of two readings: an earlier instant may name the same wall time.
    const earlier = first - 3_600_000;
    return earlier + offsetAt(earlier, timeZone) === wall ? earlier : first;
  }
  // Gap: no instant shows this wall time; shift forward by the gap.
  return Math.max(first, second);
};

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

const validDate = (year: number, month: number, day: number): boolean =>
  month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);

const parseTimestamp = (text: string, timeZone: string): string | null => {
  const match = TIMESTAMP.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  let instant: number;
  if (zone === undefined) {
    instant = zonedWallTimeToInstant(wall, timeZone);
  } else if (zone === 'Z') {
    instant = wall;
  } else {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMinutes = Number(digits.slice(2) || '0');
    if (offsetHours > 15 || offsetMinutes > 59) return null;
    instant = wall - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  if (!Number.isFinite(instant)) return null;
  return new Date(instant).toISOString();
};

const MONEY = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** Canonical decimal text of an amount, or why it is refused. Never passes through a float. */
export const parseMoney = (text: string): { value: string } | { reason: string } => {
  const match = MONEY.exec(text);
  const [, sign = '', whole = '', fraction = ''] = match ?? [];
  if (!match || (whole === '' && fraction === ''))
    return { reason: 'expected a decimal amount such as 12.50' };
  if (fraction.length > MONEY_SCALE) return { reason: `at most ${MONEY_SCALE} decimal places` };
  const integer = whole.replace(/^0+(?=\d)/, '') || '0';
  if (integer.length > 14) return { reason: 'at most 14 digits before the decimal point' };
  const decimals = fraction.replace(/0+$/, '');
  const magnitude = decimals === '' ? integer : `${integer}.${decimals}`;
  const zero = /^0(\.0*)?$/.test(magnitude);
  return { value: sign === '-' && !zero ? `-${magnitude}` : magnitude };
};

const LOCALE = /^[a-z]{2,3}(-[A-Z]{2})?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN_TRUE = new Set(['true', 't', '1', 'yes', 'y']);
const BOOLEAN_FALSE = new Set(['false', 'f', '0', 'no', 'n']);

let currencies: ReadonlySet<string> | null = null;
const isCurrency = (code: string): boolean => {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code);
};

const listValues = (values: readonly string[]): string =>
  values.length > 10 ? `${values.slice(0, 10).join(', ')}, …` : values.join(', ');

type Check = { readonly value: FieldValue } | { readonly reason: string };

const checkValue = (spec: ColumnSpec, raw: unknown, timeZone: string): Check => {
  if (typeof raw === 'object' && raw !== null)
    return { reason: 'expected a single value, not an object or a list' };
  switch (spec.type) {
    case 'string': {
      if (typeof raw === 'boolean') return { reason: 'expected text' };
      const text = String(raw);
      const max = KEY_COLUMNS.has(spec.name) ? MAX_KEY : MAX_TEXT;
      return text.length > max ? { reason: `at most ${max} characters` } : { value: text };
    }
    case 'integer': {
      if (typeof raw === 'number') {
        return Number.isSafeInteger(raw) ? { value: raw } : { reason: 'expected an integer' };
      }
      const text = String(raw);
      if (!INTEGER.test(text)) return { reason: 'expected an integer' };
      const big = BigInt(text);
      if (big > MAX_SAFE || big < -MAX_SAFE) return { reason: 'integer out of range (±9007199254740991)' };
      return { value: Number(big) };
    }
    case 'number': {
      if (typeof raw === 'number')
        return Number.isFinite(raw) ? { value: raw } : { reason: 'expected a number' };
      const text = String(raw);
      return NUMBER.test(text) && Number.isFinite(Number(text))
        ? { value: Number(text) }
        : { reason: 'expected a number' };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      const text = String(raw).toLowerCase();
      if (BOOLEAN_TRUE.has(text)) return { value: true };
      if (BOOLEAN_FALSE.has(text)) return { value: false };
      return { reason: 'expected a boolean (true/false)' };
    }
    case 'date': {
      const text = String(raw);
      const match = DATE.exec(text);
      return match && validDate(Number(match[1]), Number(match[2]), Number(match[3]))
        ? { value: text }
        : { reason: 'expected a date YYYY-MM-DD' };
    }
    case 'timestamp': {
      const value = typeof raw === 'string' ? parseTimestamp(raw, timeZone) : null;
      return value === null ? { reason: 'expected a timestamp (ISO 8601)' } : { value };
    }
    case 'enum': {
      const text = String(raw);
      const values = spec.values ?? [];
      return values.includes(text)
        ? { value: text }
        : { reason: `"${text}" is not one of ${listValues(values)}` };
    }
    case 'money': {
      if (typeof raw === 'boolean') return { reason: 'expected a decimal amount such as 12.50' };
      const text = typeof raw === 'number' ? (Number.isFinite(raw) ? String(raw) : 'NaN') : String(raw);
      const parsed = parseMoney(text);
      return 'value' in parsed ? { value: parsed.value } : parsed;
    }
    case 'currency': {
      const text = String(raw);
      return isCurrency(text)
        ? { value: text }
        : { reason: 'expected an ISO 4217 currency code such as EUR' };
    }
    case 'timezone': {
      const text = String(raw);
      return isTimeZone(text)
        ? { value: text }
        : { reason: 'expected an IANA time zone such as Europe/Moscow' };
    }
    case 'locale': {
      const text = String(raw);
      return LOCALE.test(text) ? { value: text } : { reason: 'expected a language tag such as ru or en-GB' };
    }
    case 'msisdn': {
      const text = String(raw);
      if (!/^\+?[\d ()-]+$/.test(text)) return { reason: 'expected a phone number in international form' };
      const digits = text.replace(/\D/g, '');
      return digits.length >= 7 && digits.length <= 15
        ? { value: `+${digits}` }
        : { reason: 'expected 7 to 15 digits' };
    }
    case 'email': {
      const text = String(raw);
      return EMAIL.test(text) && text.length <= 254
        ? { value: text.toLowerCase() }
        : { reason: 'expected an e-mail address' };
    }
  }
};

/** Values are taken as written; only an empty value is missing (as an empty CSV cell is). */
const isMissing = (raw: unknown): boolean => raw === undefined || raw === null || raw === '';

const rawText = (raw: unknown): string | null => {
  if (raw === undefined || raw === null) return null;
  return typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
};

/**
 * Returns a validator for rows of one kind: every stored column comes back (null when
 * missing), or every problem of the row with the column, the raw value and the reason.
 */
export const createRowValidator = (
  schema: WorkspaceSchema,
  kind: ImportKind,
): ((raw: Readonly<Record<string, unknown>>) => Result<NormalizedRow, RowIssue[]>) => {
  const specs = importColumns(schema, kind);
  const known = new Set(specs.map((spec) => spec.name));
  const timeZone = schema.workspace.timezone;
  const amountTypes = new Set(
    Object.entries(schema.events)
      .filter(([, definition]) => definition.amount)
      .map(([name]) => name),
  );
  return (raw) => {
    const issues: RowIssue[] = [];
    const row: NormalizedRow = {};
    for (const key of Object.keys(raw)) {
      if (!known.has(key)) issues.push({ column: key, value: rawText(raw[key]), reason: 'unknown column' });
    }
    for (const spec of specs) {
      const value = raw[spec.name];
      if (isMissing(value)) {
        row[spec.name] = null;
        if (spec.required) issues.push({ column: spec.name, value: null, reason: 'required' });
        continue;
      }
      const checked = checkValue(spec, value, timeZone);
      if ('reason' in checked) {
        row[spec.name] = null;
        issues.push({ column: spec.name, value: rawText(value), reason: checked.reason });
      } else {
        row[spec.name] = checked.value;
      }
    }
    if (kind === 'events') eventRules({ schema, specs, raw, row, issues, amountTypes });
    if (kind === 'relations') {
      if (row.weight === null && !issues.some((issue) => issue.column === 'weight')) row.weight = 1;
      if (typeof row.weight === 'number' && row.weight < 0) {
        issues.push({ column: 'weight', value: rawText(raw.weight), reason: 'must be zero or more' });
      }
      if (row.src !== null && row.src === row.dst) {
        issues.push({ column: 'dst', value: rawText(raw.dst), reason: 'a customer cannot relate to itself' });
      }
    }
    return issues.length > 0 ? err(issues) : ok(row);
  };
};

const eventRules = (options: {
  readonly schema: WorkspaceSchema;
  readonly specs: readonly ColumnSpec[];
  readonly raw: Readonly<Record<string, unknown>>;
  readonly row: NormalizedRow;
  readonly issues: RowIssue[];
  readonly amountTypes: ReadonlySet<string>;
}): void => {
  const { schema, specs, raw, row, issues, amountTypes } = options;
  const type = row.type;
  if (typeof type !== 'string') return;
  const hasAmount = !isMissing(raw.amount);
  if (hasAmount && !amountTypes.has(type)) {
    issues.push({
      column: 'amount',
      value: rawText(raw.amount),
      reason: `event type "${type}" carries no amount`,
    });
  }
  if (!isMissing(raw.currency) && !hasAmount) {
    issues.push({ column: 'currency', value: rawText(raw.currency), reason: 'currency without an amount' });
  }
  if (hasAmount && row.currency === null && !issues.some((issue) => issue.column === 'currency')) {
    row.currency = schema.workspace.currency;
  }
  for (const spec of specs) {
    if (spec.eventTypes && !isMissing(raw[spec.name]) && !spec.eventTypes.includes(type)) {
      issues.push({
        column: spec.name,
        value: rawText(raw[spec.name]),
        reason: `not an attribute of event type "${type}"`,
      });
    }
  }
};

/** Validates one row; prefer `createRowValidator` for many rows of the same kind. */
export const validateRow = (
  schema: WorkspaceSchema,
  kind: ImportKind,
  raw: Readonly<Record<string, unknown>>,
): Result<NormalizedRow, RowIssue[]> => createRowValidator(schema, kind)(raw);
