import {
  type AttributeCondition,
  type ConditionValue,
  customerRuleFields,
  type EventWindow,
  eventRuleFields,
  featureRuleField,
  isRelativeDate,
  type Measure,
  type MeasureOperator,
  type RuleClock,
  type RuleField,
  type RuleFieldKind,
  recencyRange,
  relativeDate,
  relativeInstant,
  ruleInstant,
  type SegmentRule,
  type WorkspaceSchema,
  windowRange,
} from '@opencvm/core';
import type { Dialect } from '../sql/dialect.ts';
import { ident } from '../sql/sql-types.ts';

/**
 * Compiles a segment rule to SQL for DuckDB or PostgreSQL, following the meaning written down in
 * core's segment-rule.ts. Names come only from the workspace schema (quoted); every value, bound
 * and seed is a parameter, so a rule cannot inject SQL. All time arithmetic is done in core
 * (rule-time.ts) and arrives as parameters, so both engines and the reference evaluator compare
 * against the very same instants.
 *
 * Shape: one `ev` CTE aggregates, in a single scan of the events, every event measure the rule
 * needs (one column per measure, `FILTER`ed by its selection); `base` joins it and the features
 * to the customers; each rule node becomes a two-valued predicate over a `base` row.
 */

/** How a column compares, as core's rule checks see it. */
export type FieldKind = RuleFieldKind;

/** How a compared number is cast: measures are compared with any number a rule gives, exactly. */

export interface CompileOptions {
  readonly dialect: Dialect;
  readonly schema: WorkspaceSchema;
  readonly clock: RuleClock;
  /** The saved rule of a segment a rule refers to; references were checked for cycles on save. */
  readonly segmentRule: (id: string) => SegmentRule | undefined;
}

/** A predicate for one node of the rule tree, by its path (`rules[1].base`), for explain. */
/**
 * One node of the rule tree for explain, by its path (`rules[1].base`). Its condition is given
 * over the flag columns `f0, f1, …` of `leaves`: each leaf condition is evaluated once per
 * customer, and/or/not nodes combine the flags.
 */
export interface CompiledNode {
  readonly path: string;
  readonly type: SegmentRule['type'];
  readonly flag: string;
  /** For the children of `and`/`or`: this child combined with its earlier siblings. */
  readonly cumulative?: string;
}

export interface CompiledSegment {
  /** `WITH …` defining `base` (and what it needs); select from `base b`. */
  readonly with: string;
  /** The root predicate over `b`. */
  readonly predicate: string;
  readonly params: readonly string[];
  readonly nodes: readonly CompiledNode[];
  /** Predicates over `b` of the leaves `nodes` refer to as `f0, f1, …` (explain only). */
  readonly leaves: readonly string[];
  /** Columns of `customers` the rule reads, for previews. */
  readonly attributes: readonly string[];
}

export class SegmentCompileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'SegmentCompileError';
  }
}

const castType = (kind: FieldKind, dialect: Dialect): string => {
  switch (kind) {
    case 'integer':
      return 'BIGINT';
    case 'number':
      return dialect.types.number;
    case 'money':
      return 'DECIMAL(18,4)';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    default:
      return 'VARCHAR';
  }
};

const COMPARISON_SQL: Readonly<Record<string, string>> = {
  '=': '=',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

interface EventSelection {
  readonly eventType: string;
  readonly where?: readonly AttributeCondition[] | undefined;
  readonly window?: EventWindow | undefined;
}

type EventMeasure = 'count' | 'sum' | 'nonnull' | 'min' | 'max' | 'last' | 'first';

/** Builds one query: parameters, event measure columns and helper CTEs are shared by every node. */
class SegmentSqlBuilder {
  readonly params: string[] = [];
  private readonly selections = new Map<
    string,
    { index: number; sql: string; from: string | null; type: string }
  >();
  private readonly measures = new Map<string, { column: string; sql: string }>();
  private readonly ctes = new Map<string, { name: string; sql: string }>();
  readonly attributes = new Set<string>();
  readonly features = new Set<string>();
  private readonly customerFields: ReadonlyMap<string, RuleField>;
  private aliasCount = 0;
  private cteCount = 0;
  /**
   * Whether the predicate being built is a conjunct of a WHERE, with no NOT above it. There, an
   * unknown (NULL) condition drops the row exactly as FALSE would (and/or alone cannot turn an
   * unknown into TRUE), so conditions are left bare: the engine then filters a column while
   * scanning it (and PostgreSQL can use an index) instead of evaluating COALESCE on every row.
   * Under NOT, and for explain's flags, conditions are two-valued.
   */
  private filtering = false;

  constructor(private readonly options: CompileOptions) {
    this.customerFields = customerRuleFields(options.schema);
  }

  /** The fields a `where` on events of this type (or that type's measures) can name. */
  private eventFields(eventType: string): ReadonlyMap<string, RuleField> {
    return eventRuleFields(this.options.schema, eventType) ?? new Map();
  }

  private get dialect(): Dialect {
    return this.options.dialect;
  }

  param(value: string, kind: FieldKind): string {
    this.params.push(value);
    return `CAST($${this.params.length} AS ${castType(kind, this.dialect)})`;
  }

  private now(): string {
    return this.param(this.options.clock.now.toISOString(), 'timestamp');
  }

  private nextAlias(prefix: string): string {
    this.aliasCount += 1;
    return `${prefix}${this.aliasCount}`;
  }

  private fieldKind(fields: ReadonlyMap<string, RuleField>, name: string, path: string): FieldKind {
    const field = fields.get(name);
    if (field === undefined) throw new SegmentCompileError(path, `unknown attribute "${name}"`);
    return field.kind;
  }

  /** A rule value in the stored form of the attribute's kind, as a parameter. */
  private value(value: ConditionValue, kind: FieldKind, path: string): string {
    if (isRelativeDate(value)) {
      if (kind === 'date') return this.param(relativeDate(value, this.options.clock), 'date');
      if (kind === 'timestamp') return this.param(relativeInstant(value, this.options.clock), 'timestamp');
      throw new SegmentCompileError(path, 'daysAgo applies to date and timestamp attributes only');
    }
    if (kind === 'timestamp') {
      const instant = typeof value === 'string' ? ruleInstant(value, this.options.clock) : null;
      if (instant === null)
        throw new SegmentCompileError(path, 'must be a timestamp such as 2024-05-01T09:30:00Z');
      return this.param(instant, 'timestamp');
    }
    return this.param(String(value), kind);
  }

  /** A condition as the context needs it: bare in a filter, else NULL read as FALSE. */
  private twoValued(sql: string): string {
    return this.filtering ? `(${sql})` : `COALESCE(${sql}, FALSE)`;
  }

  /** Builds `build` with `filtering` set as given, then restores it. */
  inContext<T>(filtering: boolean, build: () => T): T {
    const outer = this.filtering;
    this.filtering = filtering;
    try {
      return build();
    } finally {
      this.filtering = outer;
    }
  }

  /** A predicate for an attribute condition on `alias`'s column (see `filtering`). */
  condition(
    condition: AttributeCondition,
    /** A customer row, or an event row of the given type. */
    target: { readonly alias: string; readonly eventType?: string },
    path: string,
  ): string {
    const fields = target.eventType === undefined ? this.customerFields : this.eventFields(target.eventType);
    const kind = this.fieldKind(fields, condition.attribute, `${path}.attribute`);
    if (target.eventType === undefined) this.attributes.add(condition.attribute);
    const column = `${target.alias}.${ident(condition.attribute)}`;
    switch (condition.op) {
      case 'is null':
        return `(${column} IS NULL)`;
      case 'is not null':
        return `(${column} IS NOT NULL)`;
      case 'in':
      case 'not in': {
        const values = (condition.values ?? []).map((value, index) =>
          this.value(value, kind, `${path}.values[${index}]`),
        );
        return this.twoValued(`${column} ${condition.op === 'in' ? 'IN' : 'NOT IN'} (${values.join(', ')})`);
      }
      case 'between': {
        const from = this.value(condition.from ?? '', kind, `${path}.from`);
        const to = this.value(condition.to ?? '', kind, `${path}.to`);
        return this.twoValued(`${column} BETWEEN ${from} AND ${to}`);
      }
      case 'contains':
        return this.twoValued(`strpos(${column}, ${this.param(String(condition.value ?? ''), 'text')}) > 0`);
      case 'starts with':
        return this.twoValued(`starts_with(${column}, ${this.param(String(condition.value ?? ''), 'text')})`);
      default:
        return this.twoValued(
          `${column} ${COMPARISON_SQL[condition.op]} ${this.value(condition.value ?? '', kind, `${path}.value`)}`,
        );
    }
  }

  /** The FILTER of an event selection: type, window and `where`, over events aliased `e`. */
  private selection(selection: EventSelection, path: string): { index: number } {
    const key = JSON.stringify([selection.eventType, selection.where ?? [], selection.window ?? null]);
    const found = this.selections.get(key);
    if (found) return found;
    if (!Object.hasOwn(this.options.schema.events, selection.eventType)) {
      throw new SegmentCompileError(`${path}.eventType`, `unknown event type "${selection.eventType}"`);
    }
    const range = windowRange(selection.window, this.options.clock);
    const parts = [`e.type = ${this.param(selection.eventType, 'text')}`];
    if (range.from !== null) parts.push(`e.ts >= ${this.param(range.from, 'timestamp')}`);
    if (range.before !== null) parts.push(`e.ts < ${this.param(range.before, 'timestamp')}`);
    // A FILTER of the aggregate: an unknown drops the event as FALSE would, under any node.
    (selection.where ?? []).forEach((condition, index) => {
      parts.push(
        this.inContext(true, () =>
          this.condition(
            condition,
            { alias: 'e', eventType: selection.eventType },
            `${path}.where[${index}]`,
          ),
        ),
      );
    });
    const entry = {
      index: this.selections.size + 1,
      sql: parts.join(' AND '),
      from: range.from,
      type: selection.eventType,
    };
    this.selections.set(key, entry);
    return entry;
  }

  /** The `base` column holding one measure of a selection's events. */
  private eventMeasure(
    selection: EventSelection,
    measure: EventMeasure,
    field: string | undefined,
    path: string,
  ): string {
    const { index } = this.selection(selection, path);
    const key = JSON.stringify([index, measure, field ?? null]);
    const found = this.measures.get(key);
    if (found) return found.column;
    const filter = [...this.selections.values()].find((entry) => entry.index === index)?.sql ?? 'FALSE';
    let fieldSql = '';
    if (field !== undefined) {
      const kind = this.fieldKind(this.eventFields(selection.eventType), field, `${path}.field`);
      if (kind !== 'money' && kind !== 'integer' && kind !== 'number') {
        throw new SegmentCompileError(`${path}.field`, `"${field}" is not a number`);
      }
      fieldSql = `e.${ident(field)}`;
    }
    const column = `__e${this.measures.size + 1}`;
    const aggregate: Record<EventMeasure, string> = {
      count: 'count(*)',
      sum: `sum(${fieldSql})`,
      nonnull: `count(${fieldSql})`,
      min: `min(${fieldSql})`,
      max: `max(${fieldSql})`,
      last: 'max(e.ts)',
      first: 'min(e.ts)',
    };
    this.measures.set(key, {
      column,
      sql: `${aggregate[measure]} FILTER (WHERE ${filter}) AS ${ident(column)}`,
    });
    return column;
  }

  private compare(
    expression: string,
    comparison: {
      op: MeasureOperator;
      value?: number | undefined;
      from?: number | undefined;
      to?: number | undefined;
    },
    kind: FieldKind,
  ): string {
    if (comparison.op === 'between') {
      return `(${expression} BETWEEN ${this.number(comparison.from ?? 0, kind)} AND ${this.number(comparison.to ?? 0, kind)})`;
    }
    return `(${expression} ${COMPARISON_SQL[comparison.op]} ${this.number(comparison.value ?? 0, kind)})`;
  }

  /**
   * A number compared with a measure of the given kind, cast so the comparison stays exact: an
   * integer or a 4-decimal amount keeps its kind; any other number compares as a double (it
   * cannot equal a stored value, and doubles order it correctly).
   */
  number(value: number, kind: FieldKind): string {
    const text = String(value);
    const plain = !text.includes('e');
    const decimals = plain && text.includes('.') ? (text.split('.')[1] ?? '').length : 0;
    if (kind === 'integer' && plain && Number.isInteger(value)) return this.param(text, 'integer');
    if (kind === 'money' && plain && decimals <= 4) return this.param(text, 'money');
    return this.param(text, 'number');
  }

  private measureKind(eventType: string, field: string | undefined, path: string): FieldKind {
    return field === undefined
      ? 'integer'
      : this.fieldKind(this.eventFields(eventType), field, `${path}.field`);
  }

  /** A number-valued SQL expression over `alias` for a top-N measure (NULL when missing). */
  private measureExpression(measure: Measure, alias: string, path: string): string {
    switch (measure.type) {
      case 'attribute': {
        this.fieldKind(this.customerFields, measure.attribute, `${path}.attribute`);
        this.attributes.add(measure.attribute);
        return `${alias}.${ident(measure.attribute)}`;
      }
      case 'feature':
        this.features.add(measure.feature);
        return `${alias}.${ident(`__f_${measure.feature}`)}`;
      case 'event': {
        const column = (m: EventMeasure): string =>
          `${alias}.${ident(this.eventMeasure(measure, m, measure.field, path))}`;
        switch (measure.aggregate) {
          case 'count':
            return `COALESCE(${column('count')}, 0)`;
          case 'sum':
            return `COALESCE(${column('sum')}, 0)`;
          case 'avg':
            return `(${column('sum')} / NULLIF(${column('nonnull')}, 0))`;
          default:
            return column(measure.aggregate);
        }
      }
    }
  }

  private cte(key: string, build: (name: string) => string): string {
    const found = this.ctes.get(key);
    if (found) return found.name;
    this.cteCount += 1;
    const name = `__q${this.cteCount}`;
    // A CTE's body may register CTEs it depends on: they are added to the map first, so come first.
    const sql = build(name);
    this.ctes.set(key, { name, sql });
    return name;
  }

  private collate(expression: string): string {
    return this.dialect.byteOrder(expression);
  }

  private hash(seed: string, id: string): string {
    return hashSql(this.dialect, this.param(seed, 'text'), id);
  }

  private graph(
    rule: Extract<SegmentRule, { type: 'graph' }>,
    path: string,
    segments: readonly string[],
  ): string {
    const key = JSON.stringify(['graph', rule, segments]);
    return this.cte(key, (name) => {
      const inner = this.nextAlias('g');
      // Each of these subqueries filters in a WHERE of its own, whatever surrounds the node.
      const basePredicate = this.inContext(true, () =>
        this.predicate(rule.base, inner, `${path}.base`, segments),
      );
      // No kinds: every relation, and no filter for the engine to evaluate on each of them.
      const edgeFilter = [
        ...(rule.kinds === undefined
          ? []
          : [`r.kind IN (${rule.kinds.map((kind) => this.param(kind, 'text')).join(', ')})`]),
        ...(rule.minWeight === undefined
          ? []
          : [`r.weight >= ${this.param(String(rule.minWeight), 'number')}`]),
      ];
      const where = edgeFilter.length === 0 ? '' : ` WHERE ${edgeFilter.join(' AND ')}`;
      const direction = rule.direction ?? 'any';
      const baseName = `${name}_base`;
      const parts = [
        `${baseName} AS (SELECT ${inner}.id FROM ${this.baseRead()} ${inner} WHERE ${basePredicate})`,
      ];
      const hops: string[] = [];
      let frontier = baseName;
      for (let hop = 1; hop <= rule.hops; hop += 1) {
        const hopName = `${name}_h${hop}`;
        const steps: string[] = [];
        if (direction !== 'in') {
          steps.push(
            `SELECT r.dst AS id, r.weight FROM relations r JOIN ${frontier} f ON r.src = f.id${where}`,
          );
        }
        if (direction !== 'out') {
          steps.push(
            `SELECT r.src AS id, r.weight FROM relations r JOIN ${frontier} f ON r.dst = f.id${where}`,
          );
        }
        const seen = [baseName, ...hops].map(
          (earlier) => `NOT EXISTS (SELECT 1 FROM ${earlier} s WHERE s.id = n.id)`,
        );
        parts.push(
          `${hopName} AS (SELECT n.id, max(n.weight) AS weight FROM (${steps.join(' UNION ALL ')}) n WHERE ${seen.join(' AND ')} GROUP BY n.id)`,
        );
        hops.push(hopName);
        frontier = hopName;
      }
      const found = hops
        .map((hopName, index) => `SELECT h.id, ${index + 1} AS hop, h.weight FROM ${hopName} h`)
        .join(' UNION ALL ');
      // Only a cap needs the ranking, and only the ranking needs to know who is a customer: the
      // membership test against `base` keeps customers alone anyway.
      const members =
        rule.cap === undefined
          ? found
          : `SELECT x.id FROM (${found}) x JOIN customers c ON c.id = x.id ORDER BY x.hop, x.weight DESC, ${this.collate('x.id')} LIMIT ${Math.floor(rule.cap)}`;
      const body = rule.excludeBase
        ? `SELECT id FROM (${members}) m`
        : `SELECT id FROM (${members}) m UNION SELECT id FROM ${baseName}`;
      parts.push(`${name} AS (${body})`);
      return parts.join(',\n');
    });
  }

  /** A predicate over the `base` row aliased `alias`, two-valued unless `filtering`. */
  predicate(rule: SegmentRule, alias: string, path: string, segments: readonly string[] = []): string {
    const at = (suffix: string): string => (path === '' ? suffix : `${path}.${suffix}`);
    switch (rule.type) {
      case 'and':
      case 'or': {
        const parts = rule.rules.map((child, index) =>
          this.predicate(child, alias, at(`rules[${index}]`), segments),
        );
        return `(${parts.join(rule.type === 'and' ? ' AND ' : ' OR ')})`;
      }
      case 'not':
        return `(NOT ${this.inContext(false, () => this.predicate(rule.rule, alias, at('rule'), segments))})`;
      case 'attribute':
        return this.condition(rule, { alias }, path || '(root)');
      case 'event': {
        const column = (m: EventMeasure): string =>
          `${alias}.${ident(this.eventMeasure(rule, m, rule.field, path))}`;
        const kind =
          rule.aggregate === 'count' ? 'integer' : this.measureKind(rule.eventType, rule.field, path);
        switch (rule.aggregate) {
          case 'count':
            return this.twoValued(this.compare(`COALESCE(${column('count')}, 0)`, rule, kind));
          case 'sum':
            return this.twoValued(this.compare(`COALESCE(${column('sum')}, 0)`, rule, kind));
          case 'avg': {
            // Exact: sum op value × count, never a rounded quotient.
            const sum = column('sum');
            const count = column('nonnull');
            const scaled = (value: number | undefined): string =>
              `${this.number(value ?? 0, kind)} * ${count}`;
            const test =
              rule.op === 'between'
                ? `${sum} >= ${scaled(rule.from)} AND ${sum} <= ${scaled(rule.to)}`
                : `${sum} ${COMPARISON_SQL[rule.op]} ${scaled(rule.value)}`;
            return this.twoValued(`${count} > 0 AND ${test}`);
          }
          default:
            return this.twoValued(this.compare(column(rule.aggregate), rule, kind));
        }
      }
      case 'activity': {
        const count = `COALESCE(${alias}.${ident(this.eventMeasure(rule, 'count', undefined, path))}, 0)`;
        return rule.done ? `(${count} > 0)` : `(${count} = 0)`;
      }
      case 'recency': {
        const ts = `${alias}.${ident(this.eventMeasure(rule, rule.since === 'first' ? 'first' : 'last', undefined, path))}`;
        const range = recencyRange(rule, this.options.clock);
        if (range.empty) return 'FALSE';
        const bounds = [
          ...(range.after === null ? [] : [`${ts} > ${this.param(range.after, 'timestamp')}`]),
          ...(range.atOrBefore === null ? [] : [`${ts} <= ${this.param(range.atOrBefore, 'timestamp')}`]),
        ];
        const inside = bounds.length === 0 ? 'TRUE' : bounds.join(' AND ');
        return this.twoValued(`${ts} IS NOT NULL AND ${range.negate ? `NOT (${inside})` : `(${inside})`}`);
      }
      case 'feature': {
        this.features.add(rule.feature);
        const column = `${alias}.${ident(`__f_${rule.feature}`)}`;
        const kind = featureRuleField(rule.feature)?.kind ?? 'integer';
        switch (rule.op) {
          case 'is null':
            return `(${column} IS NULL)`;
          case 'is not null':
            return `(${column} IS NOT NULL)`;
          case 'in':
          case 'not in': {
            const values = (rule.values ?? []).map((value) => this.number(value, kind));
            return this.twoValued(`${column} ${rule.op === 'in' ? 'IN' : 'NOT IN'} (${values.join(', ')})`);
          }
          default:
            return this.twoValued(this.compare(column, { ...rule, op: rule.op }, kind));
        }
      }
      case 'segment': {
        if (segments.includes(rule.segment)) {
          throw new SegmentCompileError(
            at('segment'),
            `segment "${rule.segment}" refers to itself through ${[...segments, rule.segment].join(' → ')}`,
          );
        }
        const referenced = this.options.segmentRule(rule.segment);
        if (referenced === undefined)
          throw new SegmentCompileError(at('segment'), `unknown segment "${rule.segment}"`);
        return this.predicate(referenced, alias, at('segment'), [...segments, rule.segment]);
      }
      case 'list':
        return `(${alias}.id IN (SELECT l.customer_id FROM list_members l WHERE l.list_name = ${this.param(rule.list, 'text')}))`;
      case 'graph':
        return `(${alias}.id IN (SELECT id FROM ${this.graph(rule, path, segments)}))`;
      case 'top': {
        const inner = this.nextAlias('t');
        const measure = this.measureExpression(rule.by, inner, at('by'));
        const of = rule.of;
        const filter =
          of === undefined
            ? 'TRUE'
            : this.inContext(true, () => this.predicate(of, inner, at('of'), segments));
        const direction = rule.order === 'asc' ? 'ASC' : 'DESC';
        return `(${alias}.id IN (SELECT ${inner}.id FROM ${this.baseRead()} ${inner} WHERE ${filter} AND ${measure} IS NOT NULL ORDER BY ${measure} ${direction}, ${this.collate(`${inner}.id`)} LIMIT ${Math.floor(rule.n)}))`;
      }
      case 'sample': {
        const inner = this.nextAlias('s');
        const of = rule.of;
        const filter =
          of === undefined
            ? 'TRUE'
            : this.inContext(true, () => this.predicate(of, inner, at('of'), segments));
        if (rule.percent !== undefined) {
          const buckets = this.param(String(Math.round(rule.percent * 100)), 'integer');
          return `(${this.hash(rule.seed, `${alias}.id`)} % 10000 < ${buckets} AND ${alias}.id IN (SELECT ${inner}.id FROM ${this.baseRead()} ${inner} WHERE ${filter}))`;
        }
        return `(${alias}.id IN (SELECT ${inner}.id FROM ${this.baseRead()} ${inner} WHERE ${filter} ORDER BY ${this.hash(rule.seed, `${inner}.id`)}, ${this.collate(`${inner}.id`)} LIMIT ${Math.floor(rule.count ?? 0)}))`;
      }
    }
  }

  /**
   * PostgreSQL materializes a CTE read more than once, and inlines one read once. The event
   * aggregate is computed once either way; `base`, read by every node that needs its own pass
   * over the customers (graph, top, sample), is inlined, so each pass can use the indexes and
   * filters of its own query instead of scanning a copy of all customers. DuckDB decides well.
   */
  private materialized(materialize: boolean): string {
    if (this.baseReads === 0) return '';
    return this.dialect.materialized(materialize);
  }

  /** Passes over `base` besides the main one (graph, top, sample nodes). */
  private baseReads = 0;

  private baseRead(): string {
    this.baseReads += 1;
    return 'base';
  }

  /** The WITH clause: the event measures, `base`, then the CTEs nodes asked for. */
  /**
   * A condition on the customer row alone that every member must meet, or null: the top-level
   * attribute (and list) conditions. The events of other customers cannot change membership, so
   * the event scan only aggregates the events of customers who meet it, which is most of the
   * work saved. Not sound when a node ranks or expands over all customers (top, sample, graph):
   * `scopeOf` returns null for those.
   */
  private necessary(rule: SegmentRule, segments: readonly string[]): string | null {
    const start = this.params.length;
    // Only and/or lead to its conditions, and it filters the customers of a WHERE.
    const found = this.inContext(true, () => this.necessaryCondition(rule, segments));
    // A parameter the SQL does not use is an error in both engines.
    if (found === null) this.params.length = start;
    return found;
  }

  private necessaryCondition(rule: SegmentRule, segments: readonly string[]): string | null {
    switch (rule.type) {
      case 'attribute':
        return this.condition(rule, { alias: 'c' }, '(scope)');
      case 'list':
        return `(c.id IN (SELECT l.customer_id FROM list_members l WHERE l.list_name = ${this.param(rule.list, 'text')}))`;
      case 'and': {
        const parts = rule.rules
          .map((child) => this.necessary(child, segments))
          .filter((part) => part !== null);
        return parts.length === 0 ? null : `(${parts.join(' AND ')})`;
      }
      case 'or': {
        const parts = rule.rules.map((child) => this.necessary(child, segments));
        return parts.some((part) => part === null) ? null : `(${parts.join(' OR ')})`;
      }
      case 'segment': {
        const referenced = this.options.segmentRule(rule.segment);
        return referenced === undefined || segments.includes(rule.segment)
          ? null
          : this.necessary(referenced, [...segments, rule.segment]);
      }
      default:
        return null;
    }
  }

  /** Limits the event scan to the customers `rule` can select, where that is sound. */
  scopeOf(rule: SegmentRule): void {
    if (this.measures.size === 0 || ranksAllCustomers(rule, this.options.segmentRule, [])) return;
    this.scope = this.necessary(rule, []);
  }

  private scope: string | null = null;

  withClause(): string {
    const parts: string[] = [];
    const joins: string[] = [];
    // Only what predicates read: `base` may be materialized when several nodes read it.
    const columns = [
      'c.id',
      ...[...this.attributes].filter((name) => name !== 'id').map((name) => `c.${ident(name)}`),
    ];
    if (this.measures.size > 0) {
      const types = [...new Set([...this.selections.values()].map((entry) => entry.type))];
      const lowest = [...this.selections.values()].map((entry) => entry.from);
      const from = lowest.some((bound) => bound === null) ? null : lowest.filter((b) => b !== null).sort()[0];
      const where = [
        `e.ts <= ${this.now()}`,
        `e.type IN (${types.map((type) => this.param(type, 'text')).join(', ')})`,
        ...(from === undefined || from === null ? [] : [`e.ts >= ${this.param(from, 'timestamp')}`]),
        ...(this.scope === null
          ? []
          : [`e.customer_id IN (SELECT c.id FROM customers c WHERE ${this.scope})`]),
      ];
      const measures = [...this.measures.values()].map((measure) => measure.sql);
      parts.push(
        `ev AS ${this.materialized(true)}(SELECT e.customer_id, ${measures.join(', ')} FROM events e WHERE ${where.join(' AND ')} GROUP BY e.customer_id)`,
      );
      joins.push('LEFT JOIN ev ON ev.customer_id = c.id');
      columns.push(...[...this.measures.values()].map((measure) => `ev.${ident(measure.column)}`));
    }
    if (this.features.size > 0) {
      joins.push('LEFT JOIN customer_features f ON f.customer_id = c.id');
      columns.push(
        ...[...this.features].map((feature) => `f.${ident(feature)} AS ${ident(`__f_${feature}`)}`),
      );
    }
    parts.push(
      `base AS ${this.materialized(false)}(SELECT ${columns.join(', ')} FROM customers c ${joins.join(' ')})`,
    );
    parts.push(...[...this.ctes.values()].map((cte) => cte.sql));
    return `WITH ${parts.join(',\n')}`;
  }
}

/** Whether a rule holds a node that ranks, samples or expands over all customers. */
const ranksAllCustomers = (
  rule: SegmentRule,
  segmentRule: (id: string) => SegmentRule | undefined,
  seen: readonly string[],
): boolean => {
  switch (rule.type) {
    case 'top':
    case 'sample':
    case 'graph':
      return true;
    case 'and':
    case 'or':
      return rule.rules.some((child) => ranksAllCustomers(child, segmentRule, seen));
    case 'not':
      return ranksAllCustomers(rule.rule, segmentRule, seen);
    case 'segment': {
      const referenced = segmentRule(rule.segment);
      return referenced !== undefined && !seen.includes(rule.segment)
        ? ranksAllCustomers(referenced, segmentRule, [...seen, rule.segment])
        : false;
    }
    default:
      return false;
  }
};

const collectNodes = (
  builder: SegmentSqlBuilder,
  rule: SegmentRule,
  path: string,
  out: { readonly nodes: CompiledNode[]; readonly leaves: string[] },
): string => {
  const index = out.nodes.length;
  out.nodes.push({ path: path || '(root)', type: rule.type, flag: '' });
  const childPath = (suffix: string) => (path === '' ? suffix : `${path}.${suffix}`);
  let flag: string;
  if (rule.type === 'and' || rule.type === 'or') {
    const joiner = rule.type === 'and' ? ' AND ' : ' OR ';
    const seen: string[] = [];
    rule.rules.forEach((child, childIndex) => {
      const at = out.nodes.length;
      seen.push(collectNodes(builder, child, childPath(`rules[${childIndex}]`), out));
      const entry = out.nodes[at];
      if (entry !== undefined) out.nodes[at] = { ...entry, cumulative: `(${seen.join(joiner)})` };
    });
    flag = `(${seen.join(joiner)})`;
  } else if (rule.type === 'not') {
    flag = `(NOT ${collectNodes(builder, rule.rule, childPath('rule'), out)})`;
  } else {
    flag = `f${out.leaves.length}`;
    out.leaves.push(builder.predicate(rule, 'b', path));
  }
  const entry = out.nodes[index];
  if (entry !== undefined) out.nodes[index] = { ...entry, flag };
  return flag;
};

/**
 * core's `hashOf(salt, id)` in SQL: the first 8 hex digits of md5(`salt:id`) as a number, so
 * samples and control groups computed by a store agree with the core's.
 */
export const hashSql = (dialect: Dialect, saltExpression: string, idExpression: string): string => {
  const text = `${saltExpression} || ':' || ${idExpression}`;
  return dialect.md5Bucket(text);
};

/** Compiles a rule; with `explain`, also a predicate per node of its and/or/not tree. */
export const compileSegment = (
  rule: SegmentRule,
  options: CompileOptions & { readonly explain?: boolean },
): CompiledSegment => {
  const builder = new SegmentSqlBuilder(options);
  const explained: { readonly nodes: CompiledNode[]; readonly leaves: string[] } = { nodes: [], leaves: [] };
  if (options.explain) collectNodes(builder, rule, '', explained);
  // Outside explain the root predicate is the WHERE of every query that uses it.
  const predicate = options.explain
    ? 'TRUE'
    : builder.inContext(true, () => builder.predicate(rule, 'b', ''));
  // Explain counts every condition over the whole base, so only plain queries are scoped.
  if (!options.explain) builder.scopeOf(rule);
  return {
    with: builder.withClause(),
    predicate,
    params: builder.params,
    nodes: explained.nodes,
    leaves: explained.leaves,
    attributes: [...builder.attributes],
  };
};

/**
 * The `where` conditions of an event type over events aliased `alias`, as one two-valued predicate
 * (TRUE when there are none) whose parameters are numbered after `paramsBefore` others: a
 * campaign goal selects events exactly as a segment rule's `where` does.
 */
export const compileEventConditions = (
  options: CompileOptions & {
    readonly eventType: string;
    readonly where: readonly AttributeCondition[];
    readonly alias: string;
    readonly paramsBefore: number;
    readonly path: string;
  },
): { readonly sql: string; readonly params: readonly string[] } => {
  const builder = new SegmentSqlBuilder(options);
  for (let index = 0; index < options.paramsBefore; index += 1) builder.params.push('');
  const parts = options.where.map((condition, index) =>
    builder.condition(
      condition,
      { alias: options.alias, eventType: options.eventType },
      `${options.path}[${index}]`,
    ),
  );
  return {
    sql: parts.length === 0 ? 'TRUE' : parts.join(' AND '),
    params: builder.params.slice(options.paramsBefore),
  };
};
