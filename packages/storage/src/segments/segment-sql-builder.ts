import {
  type AttributeCondition,
  type ConditionValue,
  customerRuleFields,
  eventRuleFields,
  isRelativeDate,
  type Measure,
  type MeasureOperator,
  type RuleField,
  relativeDate,
  relativeInstant,
  ruleInstant,
  type SegmentRule,
} from '@opencvm/core';
import type { Dialect } from '../sql/dialect.ts';
import { ident } from '../sql/sql-types.ts';
import {
  COMPARISON_SQL,
  type CompileOptions,
  type EventMeasure,
  type FieldKind,
  SegmentCompileError,
} from './compile-types.ts';
import { EventAggregates } from './event-aggregates.ts';
import { hashSql } from './hash-sql.ts';
import { rulePredicate } from './rule-predicate.ts';
import { necessary, ranksAllCustomers } from './segment-scope.ts';
import type { SqlBuildContext } from './sql-build-context.ts';

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

/** Builds one query: parameters, event measure columns and helper CTEs are shared by every node. */
export class SegmentSqlBuilder implements SqlBuildContext {
  readonly params: string[] = [];
  readonly events: EventAggregates = new EventAggregates(this);
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

  constructor(readonly options: CompileOptions) {
    this.customerFields = customerRuleFields(options.schema);
  }

  /** The fields a `where` on events of this type (or that type's measures) can name. */
  eventFields(eventType: string): ReadonlyMap<string, RuleField> {
    return eventRuleFields(this.options.schema, eventType) ?? new Map();
  }

  get dialect(): Dialect {
    return this.options.dialect;
  }

  param(value: string, kind: FieldKind): string {
    this.params.push(value);
    return `CAST($${this.params.length} AS ${castType(kind, this.dialect)})`;
  }

  private now(): string {
    return this.param(this.options.clock.now.toISOString(), 'timestamp');
  }

  nextAlias(prefix: string): string {
    this.aliasCount += 1;
    return `${prefix}${this.aliasCount}`;
  }

  fieldKind(fields: ReadonlyMap<string, RuleField>, name: string, path: string): FieldKind {
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
  twoValued(sql: string): string {
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

  compare(
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

  measureKind(eventType: string, field: string | undefined, path: string): FieldKind {
    return field === undefined
      ? 'integer'
      : this.fieldKind(this.eventFields(eventType), field, `${path}.field`);
  }

  /** A number-valued SQL expression over `alias` for a top-N measure (NULL when missing). */
  measureExpression(measure: Measure, alias: string, path: string): string {
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
          `${alias}.${ident(this.events.measure(measure, m, measure.field, path))}`;
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

  cte(key: string, build: (name: string) => string): string {
    const found = this.ctes.get(key);
    if (found) return found.name;
    this.cteCount += 1;
    const name = `__q${this.cteCount}`;
    // A CTE's body may register CTEs it depends on: they are added to the map first, so come first.
    const sql = build(name);
    this.ctes.set(key, { name, sql });
    return name;
  }

  collate(expression: string): string {
    return this.dialect.byteOrder(expression);
  }

  hash(seed: string, id: string): string {
    return hashSql(this.dialect, this.param(seed, 'text'), id);
  }

  /** A predicate over the `base` row aliased `alias`, two-valued unless `filtering`. */
  predicate(rule: SegmentRule, alias: string, path: string, segments: readonly string[] = []): string {
    return rulePredicate(this, rule, { alias, path, segments });
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

  baseRead(): string {
    this.baseReads += 1;
    return 'base';
  }

  /** Limits the event scan to the customers `rule` can select, where that is sound. */
  scopeOf(rule: SegmentRule): void {
    if (this.events.size === 0 || ranksAllCustomers(rule, this.options.segmentRule, [])) return;
    this.scope = necessary(this, rule, []);
  }

  private scope: string | null = null;

  /** The WITH clause: the event measures, `base`, then the CTEs nodes asked for. */
  withClause(): string {
    const parts: string[] = [];
    const joins: string[] = [];
    // Only what predicates read: `base` may be materialized when several nodes read it.
    const columns = [
      'c.id',
      ...[...this.attributes].filter((name) => name !== 'id').map((name) => `c.${ident(name)}`),
    ];
    if (this.events.size > 0) {
      const types = this.events.types();
      const from = this.events.earliest();
      const where = [
        `e.ts <= ${this.now()}`,
        `e.type IN (${types.map((type) => this.param(type, 'text')).join(', ')})`,
        ...(from === undefined || from === null ? [] : [`e.ts >= ${this.param(from, 'timestamp')}`]),
        ...(this.scope === null
          ? []
          : [`e.customer_id IN (SELECT c.id FROM customers c WHERE ${this.scope})`]),
      ];
      const measures = this.events.aggregates();
      parts.push(
        `ev AS ${this.materialized(true)}(SELECT e.customer_id, ${measures.join(', ')} FROM events e WHERE ${where.join(' AND ')} GROUP BY e.customer_id)`,
      );
      joins.push('LEFT JOIN ev ON ev.customer_id = c.id');
      columns.push(...this.events.columns().map((column) => `ev.${ident(column)}`));
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
