import { CHANNELS, PURPOSES } from '../delivery/channels.ts';
import { parseMoney } from '../money/money.ts';
import { err, ok, type Result } from '../result.ts';
import { isDate, isTimeZone, parseTimestamp } from '../time/time-zones.ts';
import type { WorkspaceSchema } from '../workspace/workspace-schema.ts';
import { eventAttributeColumns } from './event-columns.ts';
import type { FieldValue, ImportKind, NormalizedRow, RowIssue } from './records.ts';

/**
 * The one authority on what a row may hold. The importer's bulk SQL checks (storage/staging)
 * mirror these rules, so a form accepted or refused here must be accepted or refused there too:
 * widen nothing here without changing the SQL in the same commit.
 */

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

/** Every column a row of `kind` may carry, built-in fields first, then declared attributes in order. */
export const importColumns = (schema: WorkspaceSchema, kind: ImportKind): readonly ColumnSpec[] => {
  switch (kind) {
    case 'customers':
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
    case 'events': {
      const eventTypes = Object.entries(schema.events);
      const declaring = (name: string): string[] =>
        eventTypes
          .filter(([, definition]) => Object.hasOwn(definition.attributes, name))
          .map(([eventType]) => eventType);
      return [
        { name: 'id', type: 'string', required: true },
        { name: 'customer_id', type: 'string', required: true },
        { name: 'type', type: 'enum', required: true, values: eventTypes.map(([eventType]) => eventType) },
        { name: 'ts', type: 'timestamp', required: true },
        { name: 'amount', type: 'money', required: false },
        { name: 'currency', type: 'currency', required: false },
        ...[...eventAttributeColumns(schema)].map(
          ([name, attribute]): ColumnSpec =>
            attribute.type === 'enum'
              ? { name, type: 'enum', required: false, values: attribute.values, eventTypes: declaring(name) }
              : { name, type: attribute.type, required: false, eventTypes: declaring(name) },
        ),
      ];
    }
    case 'relations':
      return [
        { name: 'src', type: 'string', required: true },
        { name: 'dst', type: 'string', required: true },
        { name: 'kind', type: 'enum', required: true, values: schema.relations.kinds },
        { name: 'weight', type: 'number', required: false },
      ];
  }
};

// ---------------------------------------------------------------------------------------------
// Values

/** A present value as a row can hold it: CSV text, or a JSON scalar (bigints arrive as text). */
type Scalar = string | number | boolean;

type ValueParser = (value: Scalar) => Result<FieldValue, string>;

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const LOCALE = /^[a-z]{2,3}(-[A-Z]{2})?$/;
const MSISDN = /^\+?[\d ()-]+$/;
// The SQL's `[^@\s]`, spelled out: RE2's \s is [\t\n\f\r ], JavaScript's also covers Unicode spaces.
const EMAIL = /^[^@\t\n\f\r ]+@[^@\t\n\f\r ]+\.[^@\t\n\f\r ]+$/;
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['t', true],
  ['1', true],
  ['yes', true],
  ['y', true],
  ['false', false],
  ['f', false],
  ['0', false],
  ['no', false],
  ['n', false],
]);

/** Identifiers are keys of indexes and joins: kept short. */
const KEY_COLUMNS: ReadonlySet<string> = new Set(['id', 'customer_id', 'src', 'dst']);
const MAX_KEY_LENGTH = 128;
const MAX_TEXT_LENGTH = 1000;
const MAX_EMAIL_LENGTH = 254;
const MAX_LISTED_VALUES = 10;

/** Characters as SQL's length() counts them: code points, not UTF-16 units. */
const fitsLength = (text: string, max: number): boolean => {
  if (text.length <= max) return true;
  let count = 0;
  for (const _ of text) {
    count += 1;
    if (count > max) return false;
  }
  return true;
};

let currencyCodes: ReadonlySet<string> | null = null;
const isCurrency = (code: string): boolean => {
  currencyCodes ??= new Set(Intl.supportedValuesOf('currency'));
  return currencyCodes.has(code);
};

/** -0 is stored and compared as 0. */
const withoutNegativeZero = (value: number): number => (value === 0 ? 0 : value);

const listValues = (values: readonly string[]): string =>
  values.length > MAX_LISTED_VALUES
    ? `${values.slice(0, MAX_LISTED_VALUES).join(', ')}, …`
    : values.join(', ');

const textParser =
  (max: number): ValueParser =>
  (value) => {
    if (typeof value === 'boolean') return err('expected text');
    // JSON ids are often numbers: their text is the id.
    const text = typeof value === 'number' ? String(value) : value;
    return fitsLength(text, max) ? ok(text) : err(`at most ${max} characters`);
  };

const parseInteger: ValueParser = (value) => {
  if (typeof value === 'boolean') return err('expected an integer');
  if (typeof value === 'number' ? !Number.isInteger(value) : !INTEGER.test(value)) {
    return err('expected an integer');
  }
  // Doubles round monotonically, so text beyond ±2^53 − 1 never converts back inside it.
  const number = Number(value);
  return Number.isSafeInteger(number)
    ? ok(withoutNegativeZero(number))
    : err('integer out of range (±9007199254740991)');
};

const parseNumber: ValueParser = (value) => {
  if (typeof value === 'boolean') return err('expected a number');
  if (typeof value === 'string' && !NUMBER.test(value)) return err('expected a number');
  const number = Number(value);
  return Number.isFinite(number) ? ok(withoutNegativeZero(number)) : err('expected a number');
};

const parseBoolean: ValueParser = (value) => {
  if (typeof value === 'boolean') return ok(value);
  // A number is read as its text, as the SQL path reads every value: 1 and 0 only.
  const parsed = BOOLEANS.get(String(value).toLowerCase());
  return parsed === undefined ? err('expected a boolean (true/false)') : ok(parsed);
};

const parseDate: ValueParser = (value) =>
  typeof value === 'string' && isDate(value) ? ok(value) : err('expected a date YYYY-MM-DD');

const timestampParser =
  (timeZone: string): ValueParser =>
  (value) => {
    const parsed = typeof value === 'string' ? parseTimestamp(value, timeZone) : null;
    return parsed === null ? err('expected a timestamp (ISO 8601)') : ok(parsed);
  };

const enumParser = (values: readonly string[]): ValueParser => {
  const allowed = new Set(values);
  const listed = listValues(values);
  return (value) => {
    const text = String(value);
    return allowed.has(text) ? ok(text) : err(`"${text}" is not one of ${listed}`);
  };
};

const parseAmount: ValueParser = (value) => {
  if (typeof value === 'boolean') return err('expected a decimal amount such as 12.50');
  // A JSON number is read as its shortest decimal text: 0.1 is "0.1"; 1e21 keeps its exponent and is refused.
  return parseMoney(typeof value === 'number' ? String(value) : value);
};

const parseCurrency: ValueParser = (value) => {
  const text = String(value);
  return isCurrency(text) ? ok(text) : err('expected an ISO 4217 currency code such as EUR');
};

const parseTimeZone: ValueParser = (value) => {
  const text = String(value);
  return isTimeZone(text) ? ok(text) : err('expected an IANA time zone such as Europe/Moscow');
};

const parseLocale: ValueParser = (value) => {
  const text = String(value);
  return LOCALE.test(text) ? ok(text) : err('expected a language tag such as ru or en-GB');
};

/** A phone number as stored (`+79123456789`), or why it is not one. */
export const normalizeMsisdn = (text: string): Result<string, string> => {
  if (!MSISDN.test(text)) return err('expected a phone number in international form, such as +79123456789');
  // Separators go; the digits stay as written (a national 8… number is not rewritten).
  const digits = text.replace(/\D/g, '');
  return digits.length >= 7 && digits.length <= 15 ? ok(`+${digits}`) : err('expected 7 to 15 digits');
};

const parseMsisdn: ValueParser = (value) => normalizeMsisdn(String(value));

const parseEmail: ValueParser = (value) => {
  const text = String(value);
  return EMAIL.test(text) && fitsLength(text, MAX_EMAIL_LENGTH)
    ? ok(text.toLowerCase())
    : err('expected an e-mail address such as ann@example.com');
};

const valueParser = (spec: ColumnSpec, timeZone: string): ValueParser => {
  switch (spec.type) {
    case 'string':
      return textParser(KEY_COLUMNS.has(spec.name) ? MAX_KEY_LENGTH : MAX_TEXT_LENGTH);
    case 'integer':
      return parseInteger;
    case 'number':
      return parseNumber;
    case 'boolean':
      return parseBoolean;
    case 'date':
      return parseDate;
    case 'timestamp':
      return timestampParser(timeZone);
    case 'enum':
      return enumParser(spec.values ?? []);
    case 'money':
      return parseAmount;
    case 'currency':
      return parseCurrency;
    case 'timezone':
      return parseTimeZone;
    case 'locale':
      return parseLocale;
    case 'msisdn':
      return parseMsisdn;
    case 'email':
      return parseEmail;
  }
};

/** Missing: absent, null, or an empty string (an empty CSV cell). Text is taken as written. */
const isMissing = (raw: unknown): raw is undefined | null | '' =>
  raw === undefined || raw === null || raw === '';

/** A raw value as a row can hold it, or null for an object, a list or anything JSON cannot hold. */
const scalarOf = (raw: unknown): Scalar | null => {
  switch (typeof raw) {
    case 'string':
    case 'number':
    case 'boolean':
      return raw;
    case 'bigint':
      return String(raw);
    default:
      return null;
  }
};

/** The raw value as a rejects report shows it. */
const rawText = (raw: unknown): string | null => {
  if (isMissing(raw)) return null;
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'object') {
    try {
      return JSON.stringify(raw) ?? String(raw);
    } catch {
      return String(raw);
    }
  }
  return String(raw);
};

// ---------------------------------------------------------------------------------------------
// Rows

export type RowValidator = (raw: Readonly<Record<string, unknown>>) => Result<NormalizedRow, RowIssue[]>;

interface CompiledColumn {
  readonly spec: ColumnSpec;
  readonly parse: ValueParser;
  /** Event attribute columns: the event types that declare it. */
  readonly eventTypes: ReadonlySet<string> | null;
}

/** One row being checked: its raw values and results by column index. */
interface RowCheck {
  readonly raw: readonly unknown[];
  readonly row: NormalizedRow;
  /** Why each refused column is refused; a later, row-level rule may replace a value's reason. */
  readonly reasons: Map<number, string>;
}

type RowRule = (check: RowCheck) => void;

const NOT_A_SCALAR = err('expected a single value, not an object or a list');

const indexOf = (columns: readonly CompiledColumn[], name: string): number =>
  columns.findIndex((column) => column.spec.name === name);

const eventRule = (schema: WorkspaceSchema, columns: readonly CompiledColumn[]): RowRule => {
  const amount = indexOf(columns, 'amount');
  const currency = indexOf(columns, 'currency');
  const amountTypes = new Set(
    Object.entries(schema.events)
      .filter(([, definition]) => definition.amount)
      .map(([eventType]) => eventType),
  );
  const attributes = columns.flatMap((column, index) =>
    column.eventTypes ? [{ index, eventTypes: column.eventTypes }] : [],
  );
  return ({ raw, row, reasons }) => {
    const hasAmount = !isMissing(raw[amount]);
    if (!hasAmount && !isMissing(raw[currency])) reasons.set(currency, 'currency without an amount');
    const eventType = row.type;
    // A missing or unknown type is refused already; what it would allow is unknowable.
    if (typeof eventType !== 'string') return;
    if (hasAmount && !amountTypes.has(eventType)) {
      reasons.set(amount, `event type "${eventType}" carries no amount`);
    } else if (hasAmount && isMissing(raw[currency])) {
      row.currency = schema.workspace.currency;
    }
    for (const { index, eventTypes } of attributes) {
      if (!isMissing(raw[index]) && !eventTypes.has(eventType)) {
        reasons.set(index, `not an attribute of event type "${eventType}"`);
      }
    }
  };
};

const relationRule = (columns: readonly CompiledColumn[]): RowRule => {
  const dst = indexOf(columns, 'dst');
  const weight = indexOf(columns, 'weight');
  return ({ raw, row, reasons }) => {
    if (isMissing(raw[weight])) row.weight = 1;
    else if (typeof row.weight === 'number' && row.weight < 0) reasons.set(weight, 'must be 0 or more');
    if (typeof row.src === 'string' && row.src === row.dst) {
      reasons.set(dst, 'a customer cannot relate to itself');
    }
  };
};

/**
 * A validator for rows of one kind, with the schema's columns worked out once. It returns every
 * column (null when missing), or every problem of the row with the column, raw value and reason.
 */
export const createRowValidator = (schema: WorkspaceSchema, kind: ImportKind): RowValidator => {
  const timeZone = schema.workspace.timezone;
  const columns: readonly CompiledColumn[] = importColumns(schema, kind).map((spec) => ({
    spec,
    parse: valueParser(spec, timeZone),
    eventTypes: spec.eventTypes ? new Set(spec.eventTypes) : null,
  }));
  const known = new Set(columns.map((column) => column.spec.name));
  const rule =
    kind === 'events' ? eventRule(schema, columns) : kind === 'relations' ? relationRule(columns) : null;

  return (input) => {
    const row: NormalizedRow = {};
    const raw: unknown[] = [];
    const reasons = new Map<number, string>();
    // A plain loop: this runs for every row of a file, millions of times.
    for (let index = 0; index < columns.length; index += 1) {
      const column = columns[index];
      if (column === undefined) continue;
      const { name, required } = column.spec;
      const value = Object.hasOwn(input, name) ? input[name] : undefined;
      raw.push(value);
      row[name] = null;
      if (isMissing(value)) {
        if (required) reasons.set(index, 'required');
        continue;
      }
      const scalar = scalarOf(value);
      const parsed = scalar === null ? NOT_A_SCALAR : column.parse(scalar);
      if (parsed.ok) row[name] = parsed.value;
      else reasons.set(index, parsed.error);
    }
    rule?.({ raw, row, reasons });

    const unknown = Object.keys(input).filter((key) => !known.has(key));
    if (reasons.size === 0 && unknown.length === 0) return ok(row);
    const issues: RowIssue[] = unknown.map((key) => ({
      column: key,
      value: rawText(input[key]),
      reason: 'unknown column',
    }));
    columns.forEach((column, index) => {
      const reason = reasons.get(index);
      if (reason !== undefined) issues.push({ column: column.spec.name, value: rawText(raw[index]), reason });
    });
    return err(issues);
  };
};

const validators = new WeakMap<WorkspaceSchema, Map<ImportKind, RowValidator>>();

/** Validates one row; the validator of a schema and kind is built once and reused. */
export const validateRow = (
  schema: WorkspaceSchema,
  kind: ImportKind,
  raw: Readonly<Record<string, unknown>>,
): Result<NormalizedRow, RowIssue[]> => {
  let byKind = validators.get(schema);
  if (!byKind) {
    byKind = new Map();
    validators.set(schema, byKind);
  }
  let validate = byKind.get(kind);
  if (!validate) {
    validate = createRowValidator(schema, kind);
    byKind.set(kind, validate);
  }
  return validate(raw);
};
