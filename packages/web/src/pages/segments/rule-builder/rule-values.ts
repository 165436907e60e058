import {
  AGGREGATES,
  type Aggregate,
  type AttributeOperator,
  MEASURE_OPERATORS,
  type MeasureOperator,
  SEGMENT_RULE_TYPES,
  type SegmentRuleType,
} from '@opencvm/core';

/** A number typed into an input; empty or unreadable input leaves the value out (the API names it). */
export const numberOf = (input: number | string): number | undefined => {
  if (typeof input === 'number') return input;
  if (input.trim() === '') return undefined;
  const parsed = Number(input.replace(',', '.'));
  return Number.isFinite(parsed) ? parsed : undefined;
};

export const FEATURE_OPERATORS = [...MEASURE_OPERATORS, 'in', 'not in', 'is null', 'is not null'] as const;
export type FeatureOperator = (typeof FEATURE_OPERATORS)[number];

export const isMeasureOperator = (op: string): op is MeasureOperator =>
  MEASURE_OPERATORS.some((known) => known === op);
export const isFeatureOperator = (op: string): op is FeatureOperator =>
  FEATURE_OPERATORS.some((known) => known === op);
export const isAttributeOperator = (
  op: string,
  known: readonly AttributeOperator[],
): op is AttributeOperator => known.some((candidate) => candidate === op);
export const isRuleType = (type: string): type is SegmentRuleType =>
  SEGMENT_RULE_TYPES.some((known) => known === type);
export const isAggregate = (value: string): value is Aggregate => AGGREGATES.some((known) => known === value);
