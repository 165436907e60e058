import type { FieldValue, NormalizedRow } from '../import/records.ts';
import type { WorkspaceSchema } from '../workspace/workspace-schema.ts';
import { bucketOf, hashOf } from './bucket.ts';
import {
  bug,
  compareIds,
  compareQuantities,
  exact,
  measureHolds,
  moneyUnits,
  plain,
  type Quantity,
  required,
  sign,
} from './evaluate-quantities.ts';
import { customerRuleFields, eventRuleFields, featureRuleField, type RuleField } from './rule-fields.ts';
import {
  type RuleClock,
  recencyRange,
  relativeDate,
  relativeInstant,
  ruleInstant,
  windowRange,
} from './rule-time.ts';
import type {
  AttributeCondition,
  ConditionValue,
  EventWindow,
  Measure,
  SegmentRule,
} from './segment-rule.ts';

/**
 * The reference evaluator: the meaning written in segment-rule.ts, done the plain way in memory.
 * It is the oracle the stores' SQL is tested against, so it favours being evidently right over
 * being fast. It expects rules that `checkSegmentRule` accepted; anything else is a bug and throws.
 */

export interface ReferenceRelation {
  readonly src: string;
  readonly dst: string;
  readonly kind: string;
  readonly weight: number;
}

export interface ReferenceData {
  readonly customers: readonly NormalizedRow[];
  /** id, customer_id, type, ts (ISO UTC), amount (decimal text or null), currency, attribute columns. */
  readonly events: readonly NormalizedRow[];
  readonly relations: readonly ReferenceRelation[];
  /** List name → the customer ids on it. */
  readonly lists?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Customer id → feature name → value (integers as numbers, amounts as decimal text). */
  readonly features?: ReadonlyMap<string, Readonly<Record<string, FieldValue>>>;
  /** The saved segments that `segment` conditions name. */
  readonly segments?: (id: string) => SegmentRule | undefined;
}

export interface EvaluateOptions {
  readonly schema: WorkspaceSchema;
  readonly clock: RuleClock;
}

// ---------------------------------------------------------------------------------------------
// Attribute conditions

/** A value as it compares: text and dates as strings, instants as ms, amounts as units. */
type Comparable = string | number | bigint | boolean;

const stored = (field: RuleField, raw: FieldValue | undefined): Comparable | null => {
  if (raw === undefined || raw === null) return null;
  switch (field.kind) {
    case 'text':
    case 'enum':
    case 'date':
      return typeof raw === 'string' ? raw : bug(`stored ${field.kind} is not text: ${raw}`);
    case 'integer':
    case 'number':
      return typeof raw === 'number' ? raw : bug(`stored number is not a number: ${raw}`);
    case 'money':
      return typeof raw === 'boolean' ? bug('stored amount is a boolean') : moneyUnits(raw);
    case 'boolean':
      return typeof raw === 'boolean' ? raw : bug(`stored boolean is not a boolean: ${raw}`);
    case 'timestamp':
      return typeof raw === 'string' ? Date.parse(raw) : bug(`stored timestamp is not text: ${raw}`);
  }
};

const constant = (field: RuleField, value: ConditionValue | undefined, clock: RuleClock): Comparable => {
  if (value === undefined) return bug('a value the operator needs is missing');
  if (typeof value === 'object') {
    if (field.kind === 'date') return relativeDate(value, clock);
    if (field.kind === 'timestamp') return Date.parse(relativeInstant(value, clock));
    return bug('daysAgo on a field that is not a date or a timestamp');
  }
  switch (field.kind) {
    case 'text':
    case 'enum':
    case 'date':
      return typeof value === 'string' ? value : bug(`${field.kind} compared with ${value}`);
    case 'integer':
    case 'number':
      return typeof value === 'number' ? value : bug(`number compared with ${value}`);
    case 'money':
      return typeof value === 'number' ? moneyUnits(value) : bug(`amount compared with ${value}`);
    case 'boolean':
      return typeof value === 'boolean' ? value : bug(`boolean compared with ${value}`);
    case 'timestamp': {
      const instant = typeof value === 'string' ? ruleInstant(value, clock) : null;
      return instant === null ? bug(`not a timestamp: ${value}`) : Date.parse(instant);
    }
  }
};

const compare = (a: Comparable, b: Comparable): number => {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return sign(a - b);
  if (typeof a === 'bigint' && typeof b === 'bigint') return sign(a - b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return bug(`${typeof a} compared with ${typeof b}`);
};

/** A condition on one field of a row, its constants resolved once. Missing values satisfy only `is null`. */
const conditionTest = (
  condition: AttributeCondition,
  fields: ReadonlyMap<string, RuleField>,
  clock: RuleClock,
): ((row: NormalizedRow) => boolean) => {
  const field = fields.get(condition.attribute) ?? bug(`unknown field ${condition.attribute}`);
  const read = (row: NormalizedRow): Comparable | null => stored(field, row[condition.attribute]);
  const single = (test: (order: number) => boolean): ((row: NormalizedRow) => boolean) => {
    const value = constant(field, condition.value, clock);
    return (row) => {
      const actual = read(row);
      return actual !== null && test(compare(actual, value));
    };
  };
  const textTest = (test: (actual: string, value: string) => boolean): ((row: NormalizedRow) => boolean) => {
    const value = constant(field, condition.value, clock);
    if (typeof value !== 'string') return bug(`${condition.op} needs text`);
    return (row) => {
      const actual = read(row);
      return typeof actual === 'string' && test(actual, value);
    };
  };
  switch (condition.op) {
    case '=':
      return single((order) => order === 0);
    case '!=':
      return single((order) => order !== 0);
    case '<':
      return single((order) => order < 0);
    case '<=':
      return single((order) => order <= 0);
    case '>':
      return single((order) => order > 0);
    case '>=':
      return single((order) => order >= 0);
    case 'in':
    case 'not in': {
      const values = required(condition.values, 'values').map((value) => constant(field, value, clock));
      const wanted = condition.op === 'in';
      return (row) => {
        const actual = read(row);
        return actual !== null && values.some((value) => compare(actual, value) === 0) === wanted;
      };
    }
    case 'between': {
      const from = constant(field, condition.from, clock);
      const to = constant(field, condition.to, clock);
      return (row) => {
        const actual = read(row);
        return actual !== null && compare(actual, from) >= 0 && compare(actual, to) <= 0;
      };
    }
    case 'contains':
      return textTest((actual, value) => actual.includes(value));
    case 'starts with':
      return textTest((actual, value) => actual.startsWith(value));
    case 'is null':
      return (row) => read(row) === null;
    case 'is not null':
      return (row) => read(row) !== null;
  }
};

// ---------------------------------------------------------------------------------------------
// Events

interface TimedEvent {
  readonly row: NormalizedRow;
  readonly type: string;
  readonly ts: number;
}

interface Prepared {
  readonly customerIds: readonly string[];
  readonly customers: ReadonlyMap<string, NormalizedRow>;
  readonly eventsOf: ReadonlyMap<string, readonly TimedEvent[]>;
}

const preparedData = new WeakMap<ReferenceData, Prepared>();

export const text = (value: FieldValue | undefined, what: string): string =>
  typeof value === 'string' ? value : bug(`${what} is not text: ${value}`);

/** Customers by id and each customer's events with parsed times, worked out once per data set. */
const prepare = (data: ReferenceData): Prepared => {
  const cached = preparedData.get(data);
  if (cached) return cached;
  const customers = new Map<string, NormalizedRow>();
  for (const row of data.customers) customers.set(text(row.id, 'customer id'), row);
  const eventsOf = new Map<string, TimedEvent[]>();
  for (const row of data.events) {
    const customerId = text(row.customer_id, 'event customer_id');
    const event = { row, type: text(row.type, 'event type'), ts: Date.parse(text(row.ts, 'event ts')) };
    const list = eventsOf.get(customerId);
    if (list) list.push(event);
    else eventsOf.set(customerId, [event]);
  }
  const prepared = { customerIds: [...customers.keys()], customers, eventsOf };
  preparedData.set(data, prepared);
  return prepared;
};

interface EventSelection {
  readonly eventType: string;
  readonly where?: readonly AttributeCondition[] | undefined;
  readonly window?: EventWindow | undefined;
}

export const instantOrNull = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

/** A customer's events of the type, at or before now, inside the window, meeting every `where`. */
const eventSelector = (
  selection: EventSelection,
  prepared: Prepared,
  options: EvaluateOptions,
): ((customerId: string) => readonly TimedEvent[]) => {
  const fields =
    eventRuleFields(options.schema, selection.eventType) ?? bug(`unknown event type ${selection.eventType}`);
  const tests = (selection.where ?? []).map((condition) => conditionTest(condition, fields, options.clock));
  const range = windowRange(selection.window, options.clock);
  const from = instantOrNull(range.from);
  const before = instantOrNull(range.before);
  const atOrBefore = Date.parse(range.atOrBefore);
  return (customerId) =>
    (prepared.eventsOf.get(customerId) ?? []).filter(
      (event) =>
        event.type === selection.eventType &&
        event.ts <= atOrBefore &&
        (from === null || event.ts >= from) &&
        (before === null || event.ts < before) &&
        tests.every((test) => test(event.row)),
    );
};

const aggregateField = (schema: WorkspaceSchema, eventType: string, field: string): RuleField =>
  eventRuleFields(schema, eventType)?.get(field) ?? bug(`unknown field ${field} of ${eventType}`);

/** count and sum are never missing (0 without values); avg, min and max are missing then. */
const aggregate = (
  events: readonly TimedEvent[],
  measure: { readonly aggregate: string; readonly field?: string | undefined },
  field: RuleField | undefined,
): Quantity | null => {
  if (measure.aggregate === 'count') return plain(events.length);
  const name = required(measure.field, 'field');
  const values = events.flatMap((event) => {
    const value = field === undefined ? null : stored(field, event.row[name]);
    return value === null ? [] : [value];
  });
  if (field?.kind === 'money') {
    const units = values.map((value) => (typeof value === 'bigint' ? value : bug('amount is not units')));
    const total = units.reduce((sum, value) => sum + value, 0n);
    switch (measure.aggregate) {
      case 'sum':
        return exact(total);
      case 'avg':
        return units.length === 0 ? null : exact(total, BigInt(units.length));
      case 'min':
      case 'max': {
        if (units.length === 0) return null;
        const pick = (a: bigint, b: bigint): bigint =>
          (measure.aggregate === 'min' ? a < b : a > b) ? a : b;
        return exact(units.reduce(pick));
      }
      default:
        return bug(`unknown aggregate ${measure.aggregate}`);
    }
  }
  const numbers = values.map((value) => (typeof value === 'number' ? value : bug('field is not a number')));
  const total = numbers.reduce((sum, value) => sum + value, 0);
  switch (measure.aggregate) {
    case 'sum':
      return plain(total);
    case 'avg':
      return numbers.length === 0 ? null : plain(total, numbers.length);
    case 'min':
      return numbers.length === 0 ? null : plain(Math.min(...numbers));
    case 'max':
      return numbers.length === 0 ? null : plain(Math.max(...numbers));
    default:
      return bug(`unknown aggregate ${measure.aggregate}`);
  }
};

// ---------------------------------------------------------------------------------------------
// Features and top-N measures

const featureQuantity = (value: FieldValue | undefined, field: RuleField): Quantity | null => {
  if (value === undefined || value === null) return null;
  if (field.kind === 'money')
    return typeof value === 'boolean' ? bug('amount is a boolean') : exact(moneyUnits(value));
  return typeof value === 'number' ? plain(value) : bug(`feature value is not a number: ${value}`);
};

/** What top-N ranks by: a quantity, or a date as `YYYY-MM-DD` text. */
type Rank = Quantity | { readonly kind: 'date'; readonly date: string };

const compareRanks = (a: Rank, b: Rank): number => {
  if (a.kind === 'date' && b.kind === 'date') return a.date < b.date ? -1 : a.date > b.date ? 1 : 0;
  if (a.kind !== 'date' && b.kind !== 'date') return compareQuantities(a, b);
  return bug('ranks of different kinds compared');
};

// ---------------------------------------------------------------------------------------------
// Rules

interface Evaluation {
  readonly data: ReferenceData;
  readonly prepared: Prepared;
  readonly options: EvaluateOptions;
  /** Memberships of saved segments already worked out, and those being worked out (a cycle). */
  readonly segments: Map<string, ReadonlySet<string>>;
  readonly evaluating: Set<string>;
}

const customersWhere = (evaluation: Evaluation, test: (customerId: string) => boolean): Set<string> =>
  new Set(evaluation.prepared.customerIds.filter(test));

const measureOf = (evaluation: Evaluation, measure: Measure): ((customerId: string) => Rank | null) => {
  const { options, prepared, data } = evaluation;
  switch (measure.type) {
    case 'attribute': {
      const field =
        customerRuleFields(options.schema).get(measure.attribute) ??
        bug(`unknown attribute ${measure.attribute}`);
      return (customerId) => {
        const value = stored(field, prepared.customers.get(customerId)?.[measure.attribute]);
        if (value === null) return null;
        if (field.kind === 'date' && typeof value === 'string') return { kind: 'date', date: value };
        if (typeof value === 'number') return plain(value);
        return bug(`top by ${measure.attribute}, which is ${field.kind}`);
      };
    }
    case 'event': {
      const select = eventSelector(measure, prepared, options);
      const field =
        measure.field === undefined
          ? undefined
          : aggregateField(options.schema, measure.eventType, measure.field);
      return (customerId) => aggregate(select(customerId), measure, field);
    }
    case 'feature': {
      const field = featureRuleField(measure.feature) ?? bug(`unknown feature ${measure.feature}`);
      return (customerId) => featureQuantity(data.features?.get(customerId)?.[measure.feature], field);
    }
  }
};

type GraphRule = Extract<SegmentRule, { type: 'graph' }>;

/**
 * Breadth-first from the base: a node is found at the first hop that reaches it, with the weight
 * of the strongest qualifying edge from a node of the previous hop.
 */
const expandGraph = (evaluation: Evaluation, rule: GraphRule, base: ReadonlySet<string>): Set<string> => {
  const kinds = rule.kinds === undefined ? null : new Set(rule.kinds);
  const direction = rule.direction ?? 'any';
  const edges: { readonly from: string; readonly to: string; readonly weight: number }[] = [];
  for (const relation of evaluation.data.relations) {
    if (kinds !== null && !kinds.has(relation.kind)) continue;
    if (rule.minWeight !== undefined && relation.weight < rule.minWeight) continue;
    if (direction !== 'in') edges.push({ from: relation.src, to: relation.dst, weight: relation.weight });
    if (direction !== 'out') edges.push({ from: relation.dst, to: relation.src, weight: relation.weight });
  }
  const reached = new Set(base);
  let frontier: ReadonlySet<string> = base;
  const found: { readonly id: string; readonly hop: number; readonly weight: number }[] = [];
  for (let hop = 1; hop <= rule.hops; hop += 1) {
    const strongest = new Map<string, number>();
    for (const edge of edges) {
      if (!frontier.has(edge.from) || reached.has(edge.to)) continue;
      const weight = strongest.get(edge.to);
      if (weight === undefined || edge.weight > weight) strongest.set(edge.to, edge.weight);
    }
    for (const [id, weight] of strongest) {
      reached.add(id);
      found.push({ id, hop, weight });
    }
    frontier = new Set(strongest.keys());
  }
  const ranked = found
    .filter((node) => evaluation.prepared.customers.has(node.id))
    .sort((a, b) => a.hop - b.hop || b.weight - a.weight || compareIds(a.id, b.id));
  const kept = rule.cap === undefined ? ranked : ranked.slice(0, rule.cap);
  const members = new Set(rule.excludeBase === true ? [] : base);
  for (const node of kept) members.add(node.id);
  return members;
};

const evaluate = (evaluation: Evaluation, rule: SegmentRule): ReadonlySet<string> => {
  const { options, prepared, data } = evaluation;
  const everyone = (): ReadonlySet<string> => new Set(prepared.customerIds);
  switch (rule.type) {
    case 'and': {
      const parts = rule.rules.map((child) => evaluate(evaluation, child));
      return customersWhere(evaluation, (id) => parts.every((part) => part.has(id)));
    }
    case 'or': {
      const parts = rule.rules.map((child) => evaluate(evaluation, child));
      return customersWhere(evaluation, (id) => parts.some((part) => part.has(id)));
    }
    case 'not': {
      const excluded = evaluate(evaluation, rule.rule);
      return customersWhere(evaluation, (id) => !excluded.has(id));
    }
    case 'attribute': {
      const test = conditionTest(rule, customerRuleFields(options.schema), options.clock);
      return customersWhere(evaluation, (id) => {
        const row = prepared.customers.get(id);
        return row !== undefined && test(row);
      });
    }
    case 'event': {
      const select = eventSelector(rule, prepared, options);
      const field =
        rule.aggregate === 'count'
          ? undefined
          : aggregateField(options.schema, rule.eventType, required(rule.field, 'field'));
      return customersWhere(evaluation, (id) => measureHolds(aggregate(select(id), rule, field), rule));
    }
    case 'activity': {
      const select = eventSelector(rule, prepared, options);
      return customersWhere(evaluation, (id) => select(id).length > 0 === rule.done);
    }
    case 'recency': {
      const select = eventSelector(rule, prepared, options);
      const range = recencyRange(rule, options.clock);
      const after = instantOrNull(range.after);
      const atOrBefore = instantOrNull(range.atOrBefore);
      return customersWhere(evaluation, (id) => {
        const times = select(id).map((event) => event.ts);
        if (times.length === 0 || range.empty) return false;
        const ts = rule.since === 'first' ? Math.min(...times) : Math.max(...times);
        const inside = (after === null || ts > after) && (atOrBefore === null || ts <= atOrBefore);
        return inside !== range.negate;
      });
    }
    case 'feature': {
      const field = featureRuleField(rule.feature) ?? bug(`unknown feature ${rule.feature}`);
      return customersWhere(evaluation, (id) =>
        measureHolds(featureQuantity(data.features?.get(id)?.[rule.feature], field), rule),
      );
    }
    case 'segment': {
      const known = evaluation.segments.get(rule.segment);
      if (known) return known;
      if (evaluation.evaluating.has(rule.segment)) return bug(`segment ${rule.segment} refers to itself`);
      const saved = data.segments?.(rule.segment) ?? bug(`unknown segment ${rule.segment}`);
      evaluation.evaluating.add(rule.segment);
      const members = evaluate(evaluation, saved);
      evaluation.evaluating.delete(rule.segment);
      evaluation.segments.set(rule.segment, members);
      return members;
    }
    case 'list': {
      const listed = data.lists?.get(rule.list) ?? new Set<string>();
      return customersWhere(evaluation, (id) => listed.has(id));
    }
    case 'graph':
      return expandGraph(evaluation, rule, evaluate(evaluation, rule.base));
    case 'top': {
      const candidates = rule.of === undefined ? everyone() : evaluate(evaluation, rule.of);
      const measure = measureOf(evaluation, rule.by);
      const direction = rule.order === 'asc' ? 1 : -1;
      const ranked = [...candidates].flatMap((id) => {
        const rank = measure(id);
        return rank === null ? [] : [{ id, rank }];
      });
      ranked.sort((a, b) => direction * compareRanks(a.rank, b.rank) || compareIds(a.id, b.id));
      return new Set(ranked.slice(0, rule.n).map((entry) => entry.id));
    }
    case 'sample': {
      const candidates = rule.of === undefined ? everyone() : evaluate(evaluation, rule.of);
      const { seed, percent, count } = rule;
      if (percent !== undefined) {
        const below = Math.round(percent * 100);
        return new Set([...candidates].filter((id) => bucketOf(seed, id) < below));
      }
      const ordered = [...candidates]
        .map((id) => ({ id, hash: hashOf(seed, id) }))
        .sort((a, b) => a.hash - b.hash || compareIds(a.id, b.id));
      return new Set(ordered.slice(0, required(count, 'count or percent')).map((entry) => entry.id));
    }
  }
};

/** The ids of the customers a rule selects at `clock.now`. */
export const evaluateSegment = (
  rule: SegmentRule,
  data: ReferenceData,
  options: EvaluateOptions,
): ReadonlySet<string> =>
  evaluate({ data, prepared: prepare(data), options, segments: new Map(), evaluating: new Set() }, rule);

export { compareIds } from './evaluate-quantities.ts';

/**
 * Whether one row (an event as it arrives, a customer's attributes) meets every condition, with
 * the same meaning as in a rule: a real-time trigger tests the event it is handed this way.
 * The conditions must have passed `checkSegmentRule` for these fields.
 */
export const rowMatcher = (
  conditions: readonly AttributeCondition[],
  fields: ReadonlyMap<string, RuleField>,
  clock: RuleClock,
): ((row: NormalizedRow) => boolean) => {
  const tests = conditions.map((condition) => conditionTest(condition, fields, clock));
  return (row) => tests.every((test) => test(row));
};
