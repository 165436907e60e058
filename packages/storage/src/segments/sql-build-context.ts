import type { AttributeCondition, Measure, MeasureOperator, RuleField, SegmentRule } from '@opencvm/core';
import type { CompileOptions, EventMeasure, EventSelection, FieldKind } from './compile-types.ts';

/**
 * What compiling an attribute condition needs of the query being built: its parameters and
 * whether the condition filters a WHERE. Event aggregates compile their `where` with it.
 */
export interface SqlConditionContext {
  readonly options: CompileOptions;
  /** A value as the next parameter, cast to the kind's SQL type. */
  param(value: string, kind: FieldKind): string;
  /** Builds `build` with filtering set as given, then restores it. */
  inContext<T>(filtering: boolean, build: () => T): T;
  /** A predicate for an attribute condition on a customer row or an event row of a type. */
  condition(
    condition: AttributeCondition,
    target: { readonly alias: string; readonly eventType?: string },
    path: string,
  ): string;
  fieldKind(fields: ReadonlyMap<string, RuleField>, name: string, path: string): FieldKind;
  /** The fields a `where` on events of this type (or that type's measures) can name. */
  eventFields(eventType: string): ReadonlyMap<string, RuleField>;
}

/** The event measure columns of `base`, each computed once however many nodes ask for it. */
export interface EventMeasures {
  measure(selection: EventSelection, measure: EventMeasure, field: string | undefined, path: string): string;
}

/**
 * What the rule nodes, the event scan's scope and graph CTEs need of the query being built. The
 * builder implements it; the helpers depend on this alone, so none of them imports the builder.
 */
export interface SqlBuildContext extends SqlConditionContext {
  /** Parameters so far; the scope drops those of a condition it does not use. */
  readonly params: string[];
  readonly events: EventMeasures;
  /** Features a node reads, joined into `base`. */
  readonly features: Set<string>;
  nextAlias(prefix: string): string;
  /** A condition as the context needs it: bare in a filter, else NULL read as FALSE. */
  twoValued(sql: string): string;
  compare(
    expression: string,
    comparison: {
      op: MeasureOperator;
      value?: number | undefined;
      from?: number | undefined;
      to?: number | undefined;
    },
    kind: FieldKind,
  ): string;
  /** A number compared with a measure of the given kind, as a parameter. */
  number(value: number, kind: FieldKind): string;
  measureKind(eventType: string, field: string | undefined, path: string): FieldKind;
  /** A number-valued SQL expression over `alias` for a top-N measure (NULL when missing). */
  measureExpression(measure: Measure, alias: string, path: string): string;
  /** The name of the CTE registered under `key`, built once. */
  cte(key: string, build: (name: string) => string): string;
  collate(expression: string): string;
  hash(seed: string, id: string): string;
  /** A predicate over the `base` row aliased `alias`, two-valued unless filtering. */
  predicate(rule: SegmentRule, alias: string, path: string, segments?: readonly string[]): string;
  /** `base`, counted as one more pass over it. */
  baseRead(): string;
}
