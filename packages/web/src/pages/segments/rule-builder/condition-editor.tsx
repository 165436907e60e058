import { Group, Select } from '@mantine/core';
import type { AttributeCondition, RuleField } from '@opencvm/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { ListInput } from './list-input.tsx';
import { useConditionEdits } from './use-rule-edits.ts';
import { ValueInput } from './value-input.tsx';

/** A condition on an attribute (of the customer, or inside `where`, of the event). */
export const ConditionEditor = (props: {
  readonly condition: AttributeCondition;
  readonly fields: readonly [string, RuleField][];
  readonly issue: (field: string) => string | null;
  readonly onChange: (condition: AttributeCondition) => void;
}) => {
  const { condition, fields, issue, onChange } = props;
  const t = useMessages(segmentsMessages);
  const { field, operators, names, chooseAttribute, chooseOperator } = useConditionEdits({
    condition,
    fields,
    onChange,
  });
  return (
    <Group align="flex-start" gap="xs" wrap="wrap">
      <Select
        label={t.attribute}
        data={names}
        value={condition.attribute === '' ? null : condition.attribute}
        allowDeselect={false}
        searchable
        w={220}
        error={issue('attribute')}
        onChange={(name) => name !== null && chooseAttribute(name)}
      />
      <Select
        label={t.operator}
        data={operators.map((op) => ({ value: op, label: t.ops[op] }))}
        value={condition.op}
        allowDeselect={false}
        w={150}
        error={issue('op')}
        onChange={(op) => op !== null && chooseOperator(op)}
      />
      {(condition.op === 'in' || condition.op === 'not in') && (
        <ListInput
          field={field}
          values={condition.values ?? []}
          error={issue('values')}
          onChange={(values) => onChange({ ...condition, values })}
        />
      )}
      {condition.op === 'between' && (
        <>
          <ValueInput
            label={t.from}
            field={field}
            value={condition.from}
            error={issue('from')}
            onChange={(from) => onChange({ ...condition, from })}
          />
          <ValueInput
            label={t.to}
            field={field}
            value={condition.to}
            error={issue('to')}
            onChange={(to) => onChange({ ...condition, to })}
          />
        </>
      )}
      {!['in', 'not in', 'between', 'is null', 'is not null'].includes(condition.op) && (
        <ValueInput
          label={t.value}
          field={field}
          value={condition.value}
          error={issue('value')}
          onChange={(value) => onChange({ ...condition, value })}
        />
      )}
    </Group>
  );
};
