import { importColumns } from '../import/row-validation.ts';
import type { WorkspaceSchema } from '../workspace/workspace-schema.ts';
import { FEATURES, isFeatureName } from './features.ts';
import type { AttributeOperator } from './segment-rule.ts';

/** What a rule can name: the fields of customers, events and features, their kinds and operators, and the nearest name to a misspelt one. */

/** How a rule compares a field: the column types of imports, folded into what compares alike. */
export type RuleField =
  | { readonly kind: 'text' | 'integer' | 'number' | 'money' | 'boolean' | 'date' | 'timestamp' }
  | { readonly kind: 'enum'; readonly values: readonly string[] };
export type RuleFieldKind = RuleField['kind'];

const ALL_NULL_OPERATORS = ['is null', 'is not null'] as const;

/** The operators that make sense for each kind of field; `<` on text is left out (collations differ). */
export const OPERATORS_BY_KIND: Readonly<Record<RuleFieldKind, readonly AttributeOperator[]>> = {
  text: ['=', '!=', 'in', 'not in', 'contains', 'starts with', ...ALL_NULL_OPERATORS],
  enum: ['=', '!=', 'in', 'not in', ...ALL_NULL_OPERATORS],
  integer: ['=', '!=', '<', '<=', '>', '>=', 'between', 'in', 'not in', ...ALL_NULL_OPERATORS],
  number: ['=', '!=', '<', '<=', '>', '>=', 'between', 'in', 'not in', ...ALL_NULL_OPERATORS],
  money: ['=', '!=', '<', '<=', '>', '>=', 'between', 'in', 'not in', ...ALL_NULL_OPERATORS],
  boolean: ['=', '!=', ...ALL_NULL_OPERATORS],
  date: ['=', '!=', '<', '<=', '>', '>=', 'between', ...ALL_NULL_OPERATORS],
  timestamp: ['=', '!=', '<', '<=', '>', '>=', 'between', ...ALL_NULL_OPERATORS],
};

export const KIND_LABELS: Readonly<Record<RuleFieldKind, string>> = {
  text: 'text',
  enum: 'enum',
  integer: 'integer',
  number: 'number',
  money: 'amount',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
};

const fieldOfSpec = (spec: { readonly type: string; readonly values?: readonly string[] }): RuleField => {
  switch (spec.type) {
    case 'enum':
      return { kind: 'enum', values: spec.values ?? [] };
    case 'integer':
    case 'number':
    case 'money':
    case 'boolean':
    case 'date':
    case 'timestamp':
      return { kind: spec.type };
    default:
      // string, timezone, locale, msisdn, email, currency: text, compared as stored
      return { kind: 'text' };
  }
};

const customerFieldsCache = new WeakMap<WorkspaceSchema, ReadonlyMap<string, RuleField>>();

/** Every field a customer condition can name: built-in fields, then declared attributes. */
export const customerRuleFields = (schema: WorkspaceSchema): ReadonlyMap<string, RuleField> => {
  const cached = customerFieldsCache.get(schema);
  if (cached) return cached;
  const fields = new Map<string, RuleField>();
  for (const spec of importColumns(schema, 'customers')) fields.set(spec.name, fieldOfSpec(spec));
  fields.set('created_at', { kind: 'timestamp' });
  fields.set('updated_at', { kind: 'timestamp' });
  customerFieldsCache.set(schema, fields);
  return fields;
};

/**
 * Every field a `where` on events of one type can name: that type's attributes, plus `amount` and
 * `currency` when the type carries an amount (without one both are always empty). Undefined for
 * an undeclared type.
 */
export const eventRuleFields = (
  schema: WorkspaceSchema,
  eventType: string,
): ReadonlyMap<string, RuleField> | undefined => {
  const definition = Object.hasOwn(schema.events, eventType) ? schema.events[eventType] : undefined;
  if (definition === undefined) return undefined;
  const fields = new Map<string, RuleField>();
  for (const [name, attribute] of Object.entries(definition.attributes)) {
    fields.set(name, fieldOfSpec(attribute));
  }
  if (definition.amount) {
    fields.set('amount', { kind: 'money' });
    fields.set('currency', { kind: 'text' });
  }
  return fields;
};

/** How a feature's values compare: counts and scores are integers, monetary an exact amount. */
export const featureRuleField = (feature: string): RuleField | undefined =>
  isFeatureName(feature) ? { kind: FEATURES[feature].type } : undefined;

/** Kinds a sum, average, minimum or maximum can be taken of. */
export const isAggregable = (field: RuleField): boolean =>
  field.kind === 'integer' || field.kind === 'number' || field.kind === 'money';

/** Kinds a top-N can rank customers by. */
export const isRankable = (field: RuleField): boolean =>
  isAggregable(field) || field.kind === 'date' || field.kind === 'timestamp';
