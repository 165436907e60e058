import type { ColumnSpec, ImportKind, WorkspaceSchema } from '@opencvm/core';
import { ident, literal } from '../sql/sql-types.ts';

/**
 * The SQL that turns raw file columns into stored values and flags rows the row validator
 * would refuse. It mirrors `validateRow` in core (the authority, which also explains each
 * refusal): this fast path only has to find out quickly whether a file is clean, so it favours
 * cheap string tests over regular expressions on the columns every row has.
 */

const inList = (values: readonly string[]): string => values.map(literal).join(', ');

export interface StageColumn {
  readonly spec: ColumnSpec;
  /** The stored value. */
  readonly value: string;
  /** True when the row holds a value the validator would refuse (never NULL). */
  readonly invalid: string;
}

/** `raw` names a column holding the text of the value, NULL when missing. */
export const stageColumn = (spec: ColumnSpec, raw: string): StageColumn => {
  const present = `${raw} IS NOT NULL`;
  const checked = (value: string, valid: string): StageColumn => ({
    spec,
    value,
    invalid: spec.required
      ? `(${raw} IS NULL OR (${valid}) IS NOT TRUE)`
      : `(${present} AND (${valid}) IS NOT TRUE)`,
  });
  switch (spec.type) {
    case 'string': {
      const max = ['id', 'customer_id', 'src', 'dst'].includes(spec.name) ? 128 : 1000;
      return checked(raw, `length(${raw}) <= ${max}`);
    }
    case 'integer':
      return checked(
        `TRY_CAST(${raw} AS BIGINT)`,
        `regexp_full_match(${raw}, '[+-]?[0-9]{1,16}') AND abs(TRY_CAST(${raw} AS BIGINT)) <= 9007199254740991`,
      );
    case 'number':
      return checked(
        `TRY_CAST(${raw} AS DOUBLE)`,
        `NOT (contains(${raw}, 'x') OR contains(${raw}, 'X') OR contains(${raw}, '_')) AND isfinite(TRY_CAST(${raw} AS DOUBLE))`,
      );
    case 'boolean': {
      const value = `CASE WHEN lower(${raw}) IN ('true','t','1','yes','y') THEN true WHEN lower(${raw}) IN ('false','f','0','no','n') THEN false END`;
      return checked(value, `(${value}) IS NOT NULL`);
    }
    case 'date':
      return checked(
        `TRY_CAST(${raw} AS DATE)`,
        `length(${raw}) = 10 AND TRY_CAST(${raw} AS DATE) IS NOT NULL`,
      );
    case 'timestamp':
      return checked(`TRY_CAST(${raw} AS TIMESTAMPTZ)`, `TRY_CAST(${raw} AS TIMESTAMPTZ) IS NOT NULL`);
    case 'enum':
      return checked(raw, `${raw} IN (${inList(spec.values ?? [])})`);
    case 'money':
      // One regular expression is cheaper here than a chain of string tests.
      return checked(
        `TRY_CAST(${raw} AS DECIMAL(18,4))`,
        `regexp_full_match(${raw}, '[+-]?[0-9]{0,14}(\\.[0-9]{0,4})?') AND TRY_CAST(${raw} AS DECIMAL(18,4)) IS NOT NULL`,
      );
    case 'currency':
      // A cast to an ENUM of the ~300 ISO codes is a hash lookup: an IN list of them is a scan per
      // row, and a join with a table of them stops DuckDB from reporting the query's progress.
      return checked(
        raw,
        `TRY_CAST(${raw} AS ENUM(${inList(Intl.supportedValuesOf('currency'))})) IS NOT NULL`,
      );
    case 'timezone':
      // Checked against the validator on the distinct values once staged (few per file).
      return { spec, value: raw, invalid: spec.required ? `(${raw} IS NULL)` : 'false' };
    case 'locale':
      return checked(raw, `regexp_full_match(${raw}, '[a-z]{2,3}(-[A-Z]{2})?')`);
    case 'msisdn':
      return checked(
        `'+' || regexp_replace(${raw}, '[^0-9]', '', 'g')`,
        `regexp_full_match(${raw}, '\\+?[0-9 ()-]+') AND length(regexp_replace(${raw}, '[^0-9]', '', 'g')) BETWEEN 7 AND 15`,
      );
    case 'email':
      return checked(
        `lower(${raw})`,
        `regexp_full_match(${raw}, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+') AND length(${raw}) <= 254`,
      );
  }
};

const eventAttributeTypes = (schema: WorkspaceSchema): Map<string, string[]> => {
  const byName = new Map<string, string[]>();
  for (const [eventType, definition] of Object.entries(schema.events)) {
    for (const name of Object.keys(definition.attributes)) {
      byName.set(name, [...(byName.get(name) ?? []), eventType]);
    }
  }
  return byName;
};

/** Checks that involve several columns: event-type rules, relation self-loops. */
const rowRules = (
  schema: WorkspaceSchema,
  kind: ImportKind,
  raw: (field: string) => string | null,
): string[] => {
  if (kind === 'relations') {
    const src = raw('src');
    const dst = raw('dst');
    const weight = raw('weight');
    const rules = src && dst ? [`(${src} = ${dst}) IS TRUE`] : [];
    if (weight) rules.push(`(TRY_CAST(${weight} AS DOUBLE) < 0) IS TRUE`);
    return rules;
  }
  if (kind !== 'events') return [];
  const type = raw('type');
  if (!type) return [];
  const rules: string[] = [];
  const amountTypes = Object.entries(schema.events)
    .filter(([, definition]) => definition.amount)
    .map(([name]) => name);
  const amount = raw('amount');
  const currency = raw('currency');
  if (amount) {
    rules.push(
      amountTypes.length > 0
        ? `(${amount} IS NOT NULL AND ${type} NOT IN (${inList(amountTypes)}))`
        : `(${amount} IS NOT NULL)`,
    );
  }
  if (currency) rules.push(`(${currency} IS NOT NULL AND ${amount ?? 'NULL'} IS NULL)`);
  for (const [name, eventTypes] of eventAttributeTypes(schema)) {
    const column = raw(name);
    if (column) rules.push(`(${column} IS NOT NULL AND ${type} NOT IN (${inList(eventTypes)}))`);
  }
  return rules.map((rule) => `(${rule}) IS TRUE`);
};

export interface StageSelect {
  /** Stored columns the select yields, in `importColumns` order (plus a filled-in currency). */
  readonly columns: readonly ColumnSpec[];
  /** Wraps a FROM-able source whose columns are named by field into a query of stored values. */
  readonly query: (from: string) => string;
  /** The SQL expression that is true for a row the validator would refuse, over the same query. */
  readonly invalid: string;
}

/**
 * Builds the query over a source whose columns are named by field and hold text (`present`
 * names the fields the file has). Values are taken as written (an empty one is missing); absent
 * optional fields are not staged at all, so an upsert leaves their stored values alone.
 */
export const stageSelect = (options: {
  readonly schema: WorkspaceSchema;
  readonly kind: ImportKind;
  readonly specs: readonly ColumnSpec[];
  readonly present: ReadonlySet<string>;
}): StageSelect => {
  const { schema, kind, specs, present } = options;
  const rawName = (field: string): string => ident(`raw_${field}`);
  const raw = (field: string): string | null => (present.has(field) ? rawName(field) : null);
  const rawColumns = specs
    .filter((spec) => present.has(spec.name))
    .map((spec) => `nullif(CAST(${ident(spec.name)} AS VARCHAR), '') AS ${rawName(spec.name)}`);
  const staged = specs
    .filter((spec) => present.has(spec.name) || spec.required)
    .map((spec) => stageColumn(spec, raw(spec.name) ?? 'CAST(NULL AS VARCHAR)'));
  const values = staged.map((column) => {
    const name = column.spec.name;
    const amount = raw('amount');
    if (kind === 'events' && name === 'currency' && amount) {
      return `CASE WHEN ${amount} IS NOT NULL THEN coalesce(${column.value}, ${literal(schema.workspace.currency)}) ELSE ${column.value} END AS ${ident(name)}`;
    }
    if (kind === 'relations' && name === 'weight') return `coalesce(${column.value}, 1) AS ${ident(name)}`;
    return `${column.value} AS ${ident(name)}`;
  });
  const invalid = [...staged.map((column) => column.invalid), ...rowRules(schema, kind, raw)].join(' OR ');
  const columns = staged.map((column) => column.spec);
  // Events always stage currency when they stage amount, so a default currency can be filled in.
  if (kind === 'events' && present.has('amount') && !present.has('currency')) {
    const currencySpec = specs.find((spec) => spec.name === 'currency');
    const amount = raw('amount');
    if (currencySpec && amount) {
      values.push(
        `CASE WHEN ${amount} IS NOT NULL THEN ${literal(schema.workspace.currency)} END AS "currency"`,
      );
      columns.push(currencySpec);
    }
  }
  return {
    columns,
    invalid: `(${invalid || 'false'})`,
    query: (from) =>
      `SELECT ${values.join(', ')}, (${invalid || 'false'}) AS _invalid FROM (SELECT ${rawColumns.join(', ') || '1 AS _none'} FROM ${from} src) raw`,
  };
};
