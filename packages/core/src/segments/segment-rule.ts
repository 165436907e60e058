import { z } from 'zod';

/**
 * The segment rule language: one JSON tree, shared by the API, the CLI and the web UI.
 *
 * Meaning, which every evaluator (SQL for DuckDB, SQL for PostgreSQL, the in-memory reference)
 * follows exactly:
 * - Every condition is true or false, never unknown: a condition about a missing value is false,
 *   so `not` of it is true (`plan_type != 'prepaid'` is false for a customer without a plan type;
 *   `not (plan_type = 'prepaid')` is true for them).
 * - `between` includes both ends. `contains` and `starts with` are case-sensitive.
 * - `{ "daysAgo": N }` as a value: for a date attribute, the calendar date N days before today in
 *   the workspace time zone; for a timestamp attribute, the instant N×24 hours before now.
 *   "More than 30 days ago" is `< { "daysAgo": 30 }`.
 * - Event conditions see only events at or before now. A window `{ "days": N }` holds the events of
 *   the last N×24 hours (`now − N days ≤ ts ≤ now`); `{ "from", "to" }` holds whole calendar days in
 *   the workspace time zone, both ends included. Without a window, all events count.
 * - `count` and `sum` are 0 for a customer with no matching events; `avg`, `min` and `max` are then
 *   missing, so their conditions are false. `sum`, `avg`, `min`, `max` skip events whose field is empty.
 *   Averages are compared exactly (`sum op value × count`), never through a rounded quotient.
 * - Recency: days since the last (or first) matching event = ⌊(now − ts) / 24 h⌋; false for a
 *   customer with no matching event.
 * - Graph: from the customers matching `base`, follow relations of the given kinds (all when none are given) with
 *   weight ≥ `minWeight`, hop by hop (`out`: src → dst, `in`: dst → src, `any`: both); a node
 *   counts at the first hop that reaches it. The found customers (minus nothing: hops may pass
 *   through ids that are not customers, but only customers are members) are ranked by hop, then by
 *   the strongest edge that reached them, then by id; `cap` keeps the first ones. The base is
 *   added unless `excludeBase`.
 * - Top: customers matching `of` (everyone without it) whose measure is not missing, ordered by the
 *   measure (`desc` by default) then by id; the first `n`.
 * - Sample: customers matching `of`. `percent`: those whose bucket (see `bucketOf`) is below
 *   percent × 100; `count`: the first `count` ordered by their hash, then id. Same seed, same sample.
 * - Ids are ordered by their bytes (PostgreSQL's "C" collation).
 */

export const COMPARISON_OPERATORS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export const ATTRIBUTE_OPERATORS = [
  ...COMPARISON_OPERATORS,
  'in',
  'not in',
  'between',
  'is null',
  'is not null',
  'contains',
  'starts with',
] as const;
export type AttributeOperator = (typeof ATTRIBUTE_OPERATORS)[number];

/** Operators that compare a measured number: aggregates, recency, features, top-N measures. */
export const MEASURE_OPERATORS = [...COMPARISON_OPERATORS, 'between'] as const;
export type MeasureOperator = (typeof MEASURE_OPERATORS)[number];

export const AGGREGATES = ['count', 'sum', 'avg', 'min', 'max'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export const RELATION_DIRECTIONS = ['any', 'out', 'in'] as const;
export type RelationDirection = (typeof RELATION_DIRECTIONS)[number];

const positiveInteger = z
  .number({ error: 'must be a positive integer' })
  .int('must be a positive integer')
  .positive('must be a positive integer');
const nonNegativeInteger = z
  .number({ error: 'must be a whole number of 0 or more' })
  .int('must be a whole number of 0 or more')
  .min(0, 'must be a whole number of 0 or more');
const name = z.string({ error: 'must be a name' }).min(1, 'must not be empty');

/** A value relative to now: `N` days ago (a date for date attributes, an instant for timestamps). */
export const RelativeDate = z.strictObject({ daysAgo: nonNegativeInteger });
export type RelativeDate = z.infer<typeof RelativeDate>;

export const ScalarValue = z.union([z.string(), z.number(), z.boolean()], {
  error: 'must be a string, a number or true/false',
});
export type ScalarValue = z.infer<typeof ScalarValue>;

export const ConditionValue = z.union([z.string(), z.number(), z.boolean(), RelativeDate], {
  error: 'must be a string, a number, true/false or { "daysAgo": N }',
});
export type ConditionValue = z.infer<typeof ConditionValue>;

/** A condition on one attribute of a customer (or, inside `where`, of an event). */
export const AttributeCondition = z.strictObject({
  attribute: name,
  op: z.enum(ATTRIBUTE_OPERATORS, { error: `must be one of ${ATTRIBUTE_OPERATORS.join(', ')}` }),
  /** For comparisons, `contains`, `starts with`. */
  value: ConditionValue.optional(),
  /** For `in` and `not in`. */
  values: z.array(ScalarValue).min(1, 'must list at least one value').optional(),
  /** For `between`, both ends included. */
  from: ConditionValue.optional(),
  to: ConditionValue.optional(),
});
export type AttributeCondition = z.infer<typeof AttributeCondition>;

/** Which events count: the last N days, or whole calendar days from–to in the workspace time zone. */
export const EventWindow = z.strictObject({
  days: positiveInteger.optional(),
  from: z.string().optional(),
  to: z.string().optional(),
});
export type EventWindow = z.infer<typeof EventWindow>;

/** The events of one type that a condition looks at. */
const eventSelection = {
  eventType: name,
  /** Conditions on the event's attributes (and `amount`, `currency`), all of which must hold. */
  where: z.array(AttributeCondition).optional(),
  window: EventWindow.optional(),
};

/** A number compared with a measure: `op` with `value`, or `between` with `from` and `to`. */
const measureComparison = {
  op: z.enum(MEASURE_OPERATORS, { error: `must be one of ${MEASURE_OPERATORS.join(', ')}` }),
  value: z.number({ error: 'must be a number' }).optional(),
  from: z.number({ error: 'must be a number' }).optional(),
  to: z.number({ error: 'must be a number' }).optional(),
};

/** What a top-N ranks by. */
export const Measure = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('attribute'), attribute: name }),
    z.strictObject({
      type: z.literal('event'),
      ...eventSelection,
      aggregate: z.enum(AGGREGATES, { error: `must be one of ${AGGREGATES.join(', ')}` }),
      field: name.optional(),
    }),
    z.strictObject({ type: z.literal('feature'), feature: name }),
  ],
  { error: 'type must be one of attribute, event, feature' },
);
export type Measure = z.infer<typeof Measure>;

export type SegmentRule =
  | { readonly type: 'and'; readonly rules: readonly SegmentRule[] }
  | { readonly type: 'or'; readonly rules: readonly SegmentRule[] }
  | { readonly type: 'not'; readonly rule: SegmentRule }
  | ({ readonly type: 'attribute' } & AttributeCondition)
  | {
      readonly type: 'event';
      readonly eventType: string;
      readonly where?: readonly AttributeCondition[] | undefined;
      readonly window?: EventWindow | undefined;
      readonly aggregate: Aggregate;
      readonly field?: string | undefined;
      readonly op: MeasureOperator;
      readonly value?: number | undefined;
      readonly from?: number | undefined;
      readonly to?: number | undefined;
    }
  | {
      readonly type: 'activity';
      readonly eventType: string;
      readonly where?: readonly AttributeCondition[] | undefined;
      readonly window?: EventWindow | undefined;
      /** true: did at least one such event; false: did none. */
      readonly done: boolean;
    }
  | {
      readonly type: 'recency';
      readonly eventType: string;
      readonly where?: readonly AttributeCondition[] | undefined;
      readonly window?: EventWindow | undefined;
      /** Days since the `last` (default) or the `first` matching event. */
      readonly since?: 'last' | 'first' | undefined;
      readonly op: MeasureOperator;
      readonly value?: number | undefined;
      readonly from?: number | undefined;
      readonly to?: number | undefined;
    }
  | {
      readonly type: 'feature';
      readonly feature: string;
      readonly op: MeasureOperator | 'in' | 'not in' | 'is null' | 'is not null';
      readonly value?: number | undefined;
      readonly values?: readonly number[] | undefined;
      readonly from?: number | undefined;
      readonly to?: number | undefined;
    }
  | { readonly type: 'segment'; readonly segment: string }
  | { readonly type: 'list'; readonly list: string }
  | {
      readonly type: 'graph';
      readonly base: SegmentRule;
      /** Relation kinds to follow; every relation when absent. */
      readonly kinds?: readonly string[] | undefined;
      readonly hops: number;
      readonly minWeight?: number | undefined;
      readonly direction?: RelationDirection | undefined;
      readonly excludeBase?: boolean | undefined;
      /** At most this many customers are added to the base. */
      readonly cap?: number | undefined;
    }
  | {
      readonly type: 'top';
      readonly of?: SegmentRule | undefined;
      readonly by: Measure;
      readonly n: number;
      readonly order?: 'desc' | 'asc' | undefined;
    }
  | {
      readonly type: 'sample';
      readonly of?: SegmentRule | undefined;
      readonly count?: number | undefined;
      /** 0.01–100, in steps of 0.01. */
      readonly percent?: number | undefined;
      readonly seed: string;
    };

export const SEGMENT_RULE_TYPES = [
  'and',
  'or',
  'not',
  'attribute',
  'event',
  'activity',
  'recency',
  'feature',
  'segment',
  'list',
  'graph',
  'top',
  'sample',
] as const;
export type SegmentRuleType = (typeof SEGMENT_RULE_TYPES)[number];

const measured = (
  value: { op: string; value?: number | undefined; from?: number | undefined; to?: number | undefined },
  ctx: z.RefinementCtx,
): void => {
  if (value.op === 'between') {
    if (value.from === undefined)
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'is required by between' });
    if (value.to === undefined)
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'is required by between' });
    if (value.value !== undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'is not used by between; give from and to' });
  } else if (['in', 'not in'].includes(value.op)) {
    // checked by the caller
  } else if (['is null', 'is not null'].includes(value.op)) {
    if (value.value !== undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: `is not used by ${value.op}` });
  } else if (value.value === undefined) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: `is required by ${value.op}` });
  }
};

const windowShape = (window: EventWindow | undefined, ctx: z.RefinementCtx): void => {
  if (window === undefined) return;
  const hasRange = window.from !== undefined || window.to !== undefined;
  if (window.days !== undefined && hasRange) {
    ctx.addIssue({ code: 'custom', path: ['window'], message: 'give either days or from and to, not both' });
  } else if (window.days === undefined && !hasRange) {
    ctx.addIssue({ code: 'custom', path: ['window'], message: 'give days, or from and to' });
  } else if (hasRange) {
    if (window.from === undefined)
      ctx.addIssue({ code: 'custom', path: ['window', 'from'], message: 'is required with to' });
    if (window.to === undefined)
      ctx.addIssue({ code: 'custom', path: ['window', 'to'], message: 'is required with from' });
  }
};

/** Which of value/values/from/to an attribute condition's operator needs; the rest must be absent. */
export const attributeConditionShape = (condition: AttributeCondition, ctx: z.RefinementCtx): void => {
  const needs: Record<AttributeOperator, readonly ('value' | 'values' | 'from' | 'to')[]> = {
    '=': ['value'],
    '!=': ['value'],
    '<': ['value'],
    '<=': ['value'],
    '>': ['value'],
    '>=': ['value'],
    contains: ['value'],
    'starts with': ['value'],
    in: ['values'],
    'not in': ['values'],
    between: ['from', 'to'],
    'is null': [],
    'is not null': [],
  };
  const wanted = needs[condition.op];
  for (const key of ['value', 'values', 'from', 'to'] as const) {
    const present = condition[key] !== undefined;
    if (wanted.includes(key) && !present) {
      ctx.addIssue({ code: 'custom', path: [key], message: `is required by ${condition.op}` });
    } else if (!wanted.includes(key) && present) {
      ctx.addIssue({ code: 'custom', path: [key], message: `is not used by ${condition.op}` });
    }
  }
};

const CheckedAttributeCondition = AttributeCondition.superRefine(attributeConditionShape);

const checkedSelection = {
  ...eventSelection,
  where: z.array(CheckedAttributeCondition).optional(),
};

const ruleList = (): z.ZodType<readonly SegmentRule[]> =>
  z.array(z.lazy(() => SegmentRule)).min(1, 'must hold at least one rule');

/** The rule tree, checked for shape. `checkSegmentRule` then checks it against a workspace schema. */
export const SegmentRule: z.ZodType<SegmentRule> = z.lazy(() =>
  z.discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('and'), rules: ruleList() }),
      z.strictObject({ type: z.literal('or'), rules: ruleList() }),
      z.strictObject({ type: z.literal('not'), rule: SegmentRule }),
      z
        .strictObject({ type: z.literal('attribute'), ...AttributeCondition.shape })
        .superRefine(attributeConditionShape),
      z
        .strictObject({
          type: z.literal('event'),
          ...checkedSelection,
          aggregate: z.enum(AGGREGATES, { error: `must be one of ${AGGREGATES.join(', ')}` }),
          field: name.optional(),
          ...measureComparison,
        })
        .superRefine((value, ctx) => {
          measured(value, ctx);
          windowShape(value.window, ctx);
          if (value.aggregate === 'count' && value.field !== undefined) {
            ctx.addIssue({ code: 'custom', path: ['field'], message: 'is not used by count' });
          }
          if (value.aggregate !== 'count' && value.field === undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['field'],
              message: `is required by ${value.aggregate} (e.g. "amount")`,
            });
          }
        }),
      z
        .strictObject({
          type: z.literal('activity'),
          ...checkedSelection,
          done: z.boolean({ error: 'must be true or false' }),
        })
        .superRefine((value, ctx) => windowShape(value.window, ctx)),
      z
        .strictObject({
          type: z.literal('recency'),
          ...checkedSelection,
          since: z.enum(['last', 'first'], { error: 'must be last or first' }).optional(),
          ...measureComparison,
        })
        .superRefine((value, ctx) => {
          measured(value, ctx);
          windowShape(value.window, ctx);
          for (const key of ['value', 'from', 'to'] as const) {
            const days = value[key];
            if (days !== undefined && (!Number.isInteger(days) || days < 0)) {
              ctx.addIssue({
                code: 'custom',
                path: [key],
                message: 'must be a whole number of days, 0 or more',
              });
            }
          }
        }),
      z
        .strictObject({
          type: z.literal('feature'),
          feature: name,
          op: z.enum([...MEASURE_OPERATORS, 'in', 'not in', 'is null', 'is not null'], {
            error: `must be one of ${[...MEASURE_OPERATORS, 'in', 'not in', 'is null', 'is not null'].join(', ')}`,
          }),
          value: z.number({ error: 'must be a number' }).optional(),
          values: z
            .array(z.number({ error: 'must be a number' }))
            .min(1, 'must list at least one value')
            .optional(),
          from: z.number({ error: 'must be a number' }).optional(),
          to: z.number({ error: 'must be a number' }).optional(),
        })
        .superRefine((value, ctx) => {
          measured(value, ctx);
          const listed = value.op === 'in' || value.op === 'not in';
          if (listed && value.values === undefined)
            ctx.addIssue({ code: 'custom', path: ['values'], message: `is required by ${value.op}` });
          if (!listed && value.values !== undefined)
            ctx.addIssue({ code: 'custom', path: ['values'], message: `is not used by ${value.op}` });
        }),
      z.strictObject({ type: z.literal('segment'), segment: name }),
      z.strictObject({ type: z.literal('list'), list: name }),
      z.strictObject({
        type: z.literal('graph'),
        base: SegmentRule,
        kinds: z.array(name).min(1, 'must list at least one relation kind').optional(),
        hops: z
          .number({ error: 'must be 1, 2 or 3' })
          .int('must be 1, 2 or 3')
          .min(1, 'must be 1, 2 or 3')
          .max(3, 'must be 1, 2 or 3'),
        minWeight: z.number({ error: 'must be a number' }).optional(),
        direction: z.enum(RELATION_DIRECTIONS, { error: 'must be any, out or in' }).optional(),
        excludeBase: z.boolean({ error: 'must be true or false' }).optional(),
        cap: positiveInteger.optional(),
      }),
      z.strictObject({
        type: z.literal('top'),
        of: SegmentRule.optional(),
        by: Measure,
        n: positiveInteger,
        order: z.enum(['desc', 'asc'], { error: 'must be desc or asc' }).optional(),
      }),
      z
        .strictObject({
          type: z.literal('sample'),
          of: SegmentRule.optional(),
          count: positiveInteger.optional(),
          percent: z
            .number({ error: 'must be a number from 0.01 to 100' })
            .min(0.01, 'must be a number from 0.01 to 100')
            .max(100, 'must be a number from 0.01 to 100')
            .refine((p) => Math.abs(Math.round(p * 100) - p * 100) < 1e-9, 'must have at most two decimals')
            .optional(),
          seed: z.string({ error: 'must be a string' }).min(1, 'must not be empty'),
        })
        .superRefine((value, ctx) => {
          if ((value.count === undefined) === (value.percent === undefined)) {
            ctx.addIssue({ code: 'custom', path: ['count'], message: 'give either count or percent' });
          }
        }),
    ],
    { error: `type must be one of ${SEGMENT_RULE_TYPES.join(', ')}` },
  ),
);

/** A saved segment: a key, a display name and its rule. */
export const SegmentDefinition = z.strictObject({
  id: z
    .string({ error: 'must be a string' })
    .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must start with a lower-case letter and hold only a-z, 0-9, _ and -'),
  name: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters'),
  description: z.string().max(2000, 'must be at most 2000 characters').optional(),
  rule: SegmentRule,
});
export type SegmentDefinition = z.infer<typeof SegmentDefinition>;
