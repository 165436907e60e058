import {
  type AttributeCondition,
  type AttributeOperator,
  customerRuleFields,
  eventRuleFields,
  FEATURE_NAMES,
  type RuleField,
  type SegmentRule,
  type SegmentRuleType,
  type WorkspaceSchema,
} from '@opencvm/core';
import type { SchemaIssue } from './segment-api.ts';

/** What the builder offers: the workspace schema and the segments and lists a rule can name. */
export interface RuleContext {
  readonly schema: WorkspaceSchema;
  readonly segments: readonly { readonly id: string; readonly name: string }[];
  readonly lists: readonly string[];
  /** The segment being edited, which may not refer to itself. */
  readonly selfId: string | null;
}

export const customerFields = (schema: WorkspaceSchema): [string, RuleField][] => [
  ...customerRuleFields(schema),
];

export const eventFields = (schema: WorkspaceSchema, eventType: string): [string, RuleField][] => [
  ...(eventRuleFields(schema, eventType) ?? []),
];

export const eventTypes = (schema: WorkspaceSchema): string[] => Object.keys(schema.events);

export const isNumeric = (field: RuleField | undefined): boolean =>
  field?.kind === 'integer' || field?.kind === 'number' || field?.kind === 'money';

/** A condition on `name` with the first operator and an empty value of its kind. */
export const newAttributeCondition = (name: string, field: RuleField | undefined): AttributeCondition => {
  if (field?.kind === 'enum') return { attribute: name, op: '=', value: field.values[0] ?? '' };
  if (field?.kind === 'boolean') return { attribute: name, op: '=', value: true };
  if (field?.kind === 'date' || field?.kind === 'timestamp')
    return { attribute: name, op: '<', value: { daysAgo: 30 } };
  if (isNumeric(field)) return { attribute: name, op: '>', value: 0 };
  return { attribute: name, op: '=', value: '' };
};

/** Keeps what still fits when the operator changes: a value for comparisons, a list for in, ends for between. */
export const withOperator = (
  condition: AttributeCondition,
  op: AttributeOperator,
  field: RuleField | undefined,
): AttributeCondition => {
  const { value, values, from, to, ...rest } = condition;
  const seed = value ?? from ?? (values?.[0] !== undefined ? values[0] : undefined);
  const empty = isNumeric(field) ? 0 : field?.kind === 'enum' ? (field.values[0] ?? '') : '';
  if (op === 'is null' || op === 'is not null') return { ...rest, op };
  if (op === 'in' || op === 'not in') {
    const first = seed !== undefined && typeof seed !== 'object' ? [seed] : [];
    return { ...rest, op, values: values ?? first };
  }
  if (op === 'between') return { ...rest, op, from: from ?? seed ?? empty, to: to ?? seed ?? empty };
  return { ...rest, op, value: value ?? seed ?? empty };
};

/** A new rule of `type`, filled with the schema's first names so that it is valid or nearly. */
export const newRule = (type: SegmentRuleType, context: RuleContext, previous?: SegmentRule): SegmentRule => {
  const { schema } = context;
  // Declared attributes first: they are what segments are usually about (not msisdn or consents).
  const fields = customerFields(schema);
  const declared = Object.keys(schema.customer.attributes)[0];
  const [firstAttribute, firstField] = fields.find(([name]) => name === declared) ??
    fields.find(([name]) => name !== 'id') ?? ['id', undefined];
  const firstEvent = eventTypes(schema)[0] ?? '';
  const children =
    previous?.type === 'and' || previous?.type === 'or'
      ? previous.rules
      : previous === undefined
        ? undefined
        : [previous];
  const attribute: SegmentRule = { type: 'attribute', ...newAttributeCondition(firstAttribute, firstField) };
  switch (type) {
    case 'and':
    case 'or':
      return { type, rules: children ?? [attribute] };
    case 'not':
      return { type: 'not', rule: previous ?? attribute };
    case 'attribute':
      return attribute;
    case 'event':
      return {
        type: 'event',
        eventType: firstEvent,
        aggregate: 'count',
        op: '>=',
        value: 1,
        window: { days: 30 },
      };
    case 'activity':
      return { type: 'activity', eventType: firstEvent, done: true, window: { days: 30 } };
    case 'recency':
      return { type: 'recency', eventType: firstEvent, since: 'last', op: '>', value: 30 };
    case 'feature':
      return { type: 'feature', feature: FEATURE_NAMES[0] ?? 'rfm_score', op: '>=', value: 3 };
    case 'segment':
      return {
        type: 'segment',
        segment: context.segments.find((segment) => segment.id !== context.selfId)?.id ?? '',
      };
    case 'list':
      return { type: 'list', list: context.lists[0] ?? '' };
    case 'graph':
      return { type: 'graph', base: previous ?? attribute, hops: 1, direction: 'any' };
    case 'top':
      return {
        type: 'top',
        ...(previous === undefined ? {} : { of: previous }),
        by: { type: 'feature', feature: 'rfm_monetary' },
        n: 100,
        order: 'desc',
      };
    case 'sample':
      return {
        type: 'sample',
        ...(previous === undefined ? {} : { of: previous }),
        percent: 10,
        seed: 'sample-1',
      };
  }
};

/** A child's path in the API's notation: `rules[2]`, `rules[1].rule`, `base` (the root is `(root)`). */
export const childPath = (parent: string, key: string): string =>
  parent === ROOT ? key : `${parent}.${key}`;

export const ROOT = '(root)';

/** Keys under which a rule holds other rules: issues below them belong to those rules. */
const NESTED = /^(rules\[\d+\]|rule|base|of)(\.|\[|$)/;

/**
 * The issues about the rule at `path` itself (not about rules inside it), each with the rest of
 * its path (`value`, `where[0].attribute`; '' for the rule as a whole). Issue paths from the API
 * start with `rule`.
 */
export const issuesAt = (
  issues: readonly SchemaIssue[],
  path: string,
): { readonly field: string; readonly message: string }[] => {
  const found: { field: string; message: string }[] = [];
  for (const issue of issues) {
    const rulePath =
      issue.path === 'rule' ? ROOT : issue.path.startsWith('rule.') ? issue.path.slice(5) : null;
    if (rulePath === null) continue;
    let rest: string | null = null;
    if (path === ROOT) rest = rulePath === ROOT ? '' : rulePath;
    else if (rulePath === path) rest = '';
    else if (rulePath.startsWith(`${path}.`)) rest = rulePath.slice(path.length + 1);
    if (rest === null || NESTED.test(rest)) continue;
    found.push({ field: rest, message: issue.message });
  }
  return found;
};

/** The message for one field of a rule (`value`, `window.days`), from `issuesAt`. */
export const fieldIssue = (
  issues: readonly { readonly field: string; readonly message: string }[],
  field: string,
): string | null => {
  const hit = issues.find(
    (issue) =>
      issue.field === field || issue.field.startsWith(`${field}.`) || issue.field.startsWith(`${field}[`),
  );
  return hit === undefined ? null : hit.message;
};

/** Issues not about a rule (name, id): shown by the form fields of those names. */
export const formIssue = (issues: readonly SchemaIssue[], field: string): string | null =>
  issues.find((issue) => issue.path === field)?.message ?? null;
