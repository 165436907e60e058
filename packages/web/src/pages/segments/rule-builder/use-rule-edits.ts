import { type AttributeCondition, OPERATORS_BY_KIND, type RuleField, type SegmentRule } from '@opencvm/core';
import { newAttributeCondition, newRule, withOperator } from '../rule-model.ts';
import { useBuilder } from './builder-context.ts';
import { isAttributeOperator } from './rule-values.ts';

type Group = Extract<SegmentRule, { readonly type: 'and' | 'or' }>;

/** The changes a user makes to an and / or group: a child replaced, removed, or added. */
export const useGroupEdits = (rule: Group, onChange: (rule: SegmentRule) => void) => {
  const { context } = useBuilder();
  return {
    replace: (index: number, next: SegmentRule) =>
      onChange({ ...rule, rules: rule.rules.map((child, i) => (i === index ? next : child)) }),
    /** Undefined while only one condition is left: a group holds at least one. */
    remove:
      rule.rules.length > 1
        ? (index: number) => onChange({ ...rule, rules: rule.rules.filter((_, i) => i !== index) })
        : undefined,
    addCondition: () => onChange({ ...rule, rules: [...rule.rules, newRule('attribute', context)] }),
    /** A group of the other kind, so that and / or alternate as the rule nests. */
    addGroup: () =>
      onChange({ ...rule, rules: [...rule.rules, newRule(rule.type === 'and' ? 'or' : 'and', context)] }),
  };
};

/**
 * An attribute condition as its editor sees it: the field it is on, the operators that field's
 * kind allows, the names to choose from, and the changes of attribute and operator (a new
 * attribute starts afresh; a new operator keeps what still fits).
 */
export const useConditionEdits = (options: {
  readonly condition: AttributeCondition;
  readonly fields: readonly [string, RuleField][];
  readonly onChange: (condition: AttributeCondition) => void;
}) => {
  const { condition, fields, onChange } = options;
  const field = fields.find(([name]) => name === condition.attribute)?.[1];
  const operators = field === undefined ? OPERATORS_BY_KIND.text : OPERATORS_BY_KIND[field.kind];
  const names = fields.map(([name]) => name);
  return {
    field,
    operators,
    /** The schema's names, and the condition's own when the schema does not know it (shown as an issue). */
    names:
      names.includes(condition.attribute) || condition.attribute === ''
        ? names
        : [...names, condition.attribute],
    chooseAttribute: (name: string) => {
      const next = fields.find(([candidate]) => candidate === name)?.[1];
      onChange(newAttributeCondition(name, next));
    },
    chooseOperator: (op: string) => {
      if (isAttributeOperator(op, operators)) onChange(withOperator(condition, op, field));
    },
  };
};
