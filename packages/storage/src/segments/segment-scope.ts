import type { SegmentRule } from '@opencvm/core';
import type { SqlBuildContext } from './sql-build-context.ts';

/** Whether a rule holds a node that ranks, samples or expands over all customers. */
export const ranksAllCustomers = (
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

/**
 * A condition on the customer row alone that every member must meet, or null: the top-level
 * attribute (and list) conditions. The events of other customers cannot change membership, so
 * the event scan only aggregates the events of customers who meet it, which is most of the
 * work saved. Not sound when a node ranks or expands over all customers (top, sample, graph):
 * `scopeOf` returns null for those.
 */
export const necessary = (
  builder: SqlBuildContext,
  rule: SegmentRule,
  segments: readonly string[],
): string | null => {
  const start = builder.params.length;
  // Only and/or lead to its conditions, and it filters the customers of a WHERE.
  const found = builder.inContext(true, () => necessaryCondition(builder, rule, segments));
  // A parameter the SQL does not use is an error in both engines.
  if (found === null) builder.params.length = start;
  return found;
};

const necessaryCondition = (
  builder: SqlBuildContext,
  rule: SegmentRule,
  segments: readonly string[],
): string | null => {
  switch (rule.type) {
    case 'attribute':
      return builder.condition(rule, { alias: 'c' }, '(scope)');
    case 'list':
      return `(c.id IN (SELECT l.customer_id FROM list_members l WHERE l.list_name = ${builder.param(rule.list, 'text')}))`;
    case 'and': {
      const parts = rule.rules
        .map((child) => necessary(builder, child, segments))
        .filter((part) => part !== null);
      return parts.length === 0 ? null : `(${parts.join(' AND ')})`;
    }
    case 'or': {
      const parts = rule.rules.map((child) => necessary(builder, child, segments));
      return parts.some((part) => part === null) ? null : `(${parts.join(' OR ')})`;
    }
    case 'segment': {
      const referenced = builder.options.segmentRule(rule.segment);
      return referenced === undefined || segments.includes(rule.segment)
        ? null
        : necessary(builder, referenced, [...segments, rule.segment]);
    }
    default:
      return null;
  }
};
