import type { FieldValue, NormalizedRow } from '../import/records.ts';
import { parseMoney } from '../money/money.ts';
import type { WorkspaceSchema } from '../workspace/workspace-schema.ts';
import { bucketOf, hashOf } from './bucket.ts';
import {
  customerRuleFields,
  eventRuleFields,
  featureRuleField,
  type RuleField,
} from './check-segment-rule.ts';
import type { RfmConfig } from './features.ts';
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

const DAY_MS = 86_400_000;

const bug = (message: string): never => {
  throw new Error(message);
};

// ---------------------------------------------------------------------------------------------
// Ids, amounts, quantities

/** Orders ids by code point, which is the order of their UTF-8 bytes (PostgreSQL's "C" collation). */
export const compareIds = (a: string, b: string): number => {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(j) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  if (i < a.length) return 1;
  return j < b.length ? -1 : 0;
};

const MONEY_UNIT = 10_000n;
const CANONICAL_MONEY = /^(-?)(\d+)(?:\.(\d{1,4}))?$/;

/** An amount in exact units of 10⁻⁴, from its stored text or a rule's number. */
const moneyUnits = (value: string | number): bigint => {
  const parsed = parseMoney(typeof value === 'number' ? String(value) : value);
  const match = parsed.ok ? CANONICAL_MONEY.exec(parsed.value) : null;
  if (match === null) return bug(`not an amount with at most 4 decimals: ${value}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const units = BigInt(whole) * MONEY_UNIT + BigInt(fraction.padEnd(4, '0'));
  return sign === '-' ? -units : units;
};

/** Units of 10⁻⁴ as canonical decimal text, as `parseMoney` writes it ("12.5", "0", "-3"). */
const moneyText = (units: bigint): string => {
  const magnitude = units < 0n ? -units : units;
  const fraction = (magnitude % MONEY_UNIT).toString().padStart(4, '0').replace(/0+$/, '');
  const text = fraction === '' ? `${magnitude / MONEY_UNIT}` : `${magnitude / MONEY_UNIT}.${fraction}`;
  return units < 0n ? `-${text}` : text;
};

const sign = (difference: number | bigint): number => (difference > 0 ? 1 : difference < 0 ? -1 : 0);

/**
 * A measured number. Amounts are exact fractions of units (an average is sum / (10⁴ × count));
 * the rest are JavaScript numbers kept as total / count, so an average compares as
 * `total op value × count` and never through a rounded quotient.
 */
type Quantity =
  | { readonly kind: 'exact'; readonly units: bigint; readonly divisor: bigint }
  | { readonly kind: 'number'; readonly total: number; readonly count: number };

const exact = (units: bigint, count = 1n): Quantity => ({
  kind: 'exact',
  units,
  divisor: MONEY_UNIT * count,
});
const plain = (total: number, count = 1): Quantity => ({ kind: 'number', total, count });

/** Sign of quantity − constant. */
const compareWithConstant = (quantity: Quantity, constant: number): number =>
  quantity.kind === 'exact'
    ? sign(quantity.units * MONEY_UNIT - moneyUnits(constant) * quantity.divisor)
    : sign(quantity.total - constant * quantity.count);

/** Sign of a − b, for ranking. Plain averages rank by their quotient, as SQL's AVG does. */
const compareQuantities = (a: Quantity, b: Quantity): number => {
  if (a.kind === 'exact' && b.kind === 'exact') return sign(a.units * b.divisor - b.units * a.divisor);
  if (a.kind === 'number' && b.kind === 'number') return sign(a.total / a.count - b.total / b.count);
  return bug('quantities of different kinds compared');
};

interface MeasureComparison {
  readonly op: string;
  readonly value?: number | undefined;
  readonly values?: readonly number[] | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

const required = <T>(value: T | undefined, what: string): T =>
  value === undefined ? bug(`${what} is missing`) : value;

/** A measure compared with the rule's constants; a missing measure satisfies nothing but `is null`. */
const measureHolds = (quantity: Quantity | null, comparison: MeasureComparison): boolean => {
  if (comparison.op === 'is null') return quantity === null;
  if (comparison.op === 'is not null') return quantity !== null;
  if (quantity === null) return false;
  const against = (constant: number | undefined): number =>
    compareWithConstant(quantity, required(constant, `value of ${comparison.op}`));
  switch (comparison.op) {
    case '=':
      return against(comparison.value) === 0;
    case '!=':
      return against(comparison.value) !== 0;
    case '<':
      return against(comparison.value) < 0;
    case '<=':
      return against(comparison.value) <= 0;
    case '>':
      return against(comparison.value) > 0;
    case '>=':
      return against(comparison.value) >= 0;
    case 'between':
      return against(comparison.from) >= 0 && against(comparison.to) <= 0;
    case 'in':
      return required(comparison.values, 'values').some(
        (value) => compareWithConstant(quantity, value) === 0,
      );
    case 'not in':
      return required(comparison.values, 'values').every(
        (value) => compareWithConstant(quantity, value) !== 0,
      );
    default:
      return bug(`unknown operator ${comparison.op}`);
  }
};

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

const text = (value: FieldValue | undefined, what: string): string =>
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

const instantOrNull = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

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

// ---------------------------------------------------------------------------------------------
// RFM

export type RfmValues = {
  readonly rfm_recency_days: number;
  readonly rfm_frequency: number;
  /** Decimal text, as amounts are stored. */
  readonly rfm_monetary: string;
  readonly rfm_r: number;
  readonly rfm_f: number;
  readonly rfm_m: number;
  readonly rfm_score: number;
};

/**
 * Quintile score from SQL's RANK(): 1 + the number of customers strictly before, so ties share
 * the lowest rank; score = 1 + ⌊5 × (rank − 1) / customers⌋.
 */
const scores = <T>(values: readonly T[], before: (other: T, value: T) => boolean): number[] =>
  values.map((value) => {
    const rank = 1 + values.filter((other) => before(other, value)).length;
    return 1 + Math.floor((5 * (rank - 1)) / values.length);
  });

/** RFM features exactly as features.ts defines them: the reference for the stores' refresh. */
export const computeRfm = (
  events: readonly NormalizedRow[],
  config: RfmConfig,
  clock: RuleClock,
): Map<string, RfmValues> => {
  const range = windowRange({ days: config.windowDays }, clock);
  const from = instantOrNull(range.from);
  const atOrBefore = Date.parse(range.atOrBefore);
  const types = new Set(config.eventTypes);
  const totals = new Map<string, { last: number; count: number; units: bigint }>();
  for (const row of events) {
    const type = text(row.type, 'event type');
    const ts = Date.parse(text(row.ts, 'event ts'));
    if (!types.has(type) || ts > atOrBefore || (from !== null && ts < from)) continue;
    const customerId = text(row.customer_id, 'event customer_id');
    const amount = row.amount;
    const units = amount === undefined || amount === null ? 0n : moneyUnits(text(amount, 'amount'));
    const total = totals.get(customerId);
    if (total) {
      total.last = Math.max(total.last, ts);
      total.count += 1;
      total.units += units;
    } else {
      totals.set(customerId, { last: ts, count: 1, units });
    }
  }
  const customers = [...totals].map(([id, total]) => ({
    id,
    days: Math.floor((clock.now.getTime() - total.last) / DAY_MS),
    count: total.count,
    units: total.units,
  }));
  const r = scores(customers, (other, value) => other.days > value.days);
  const f = scores(customers, (other, value) => other.count < value.count);
  const m = scores(customers, (other, value) => other.units < value.units);
  const result = new Map<string, RfmValues>();
  customers.forEach((customer, index) => {
    const rfmR = r[index] ?? 0;
    const rfmF = f[index] ?? 0;
    const rfmM = m[index] ?? 0;
    result.set(customer.id, {
      rfm_recency_days: customer.days,
      rfm_frequency: customer.count,
      rfm_monetary: moneyText(customer.units),
      rfm_r: rfmR,
      rfm_f: rfmF,
      rfm_m: rfmM,
      rfm_score: rfmR * 100 + rfmF * 10 + rfmM,
    });
  });
  return result;
};
