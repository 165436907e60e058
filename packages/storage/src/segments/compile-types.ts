import type {
  AttributeCondition,
  EventWindow,
  RuleClock,
  RuleFieldKind,
  SegmentRule,
  WorkspaceSchema,
} from '@opencvm/core';
import type { Dialect } from '../sql/dialect.ts';

/** How a column compares, as core's rule checks see it. */
export type FieldKind = RuleFieldKind;

export interface CompileOptions {
  readonly dialect: Dialect;
  readonly schema: WorkspaceSchema;
  readonly clock: RuleClock;
  /** The saved rule of a segment a rule refers to; references were checked for cycles on save. */
  readonly segmentRule: (id: string) => SegmentRule | undefined;
}

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

export const COMPARISON_SQL: Readonly<Record<string, string>> = {
  '=': '=',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

/** The events a measure is taken over: a type, a window and conditions on their attributes. */
export interface EventSelection {
  readonly eventType: string;
  readonly where?: readonly AttributeCondition[] | undefined;
  readonly window?: EventWindow | undefined;
}

export type EventMeasure = 'count' | 'sum' | 'nonnull' | 'min' | 'max' | 'last' | 'first';
