import { Group, NumberInput, Select, TextInput } from '@mantine/core';
import type { ConditionValue, RuleField } from '@opencvm/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { numberOf } from './rule-values.ts';

/** One value, typed by the field: numbers, dates (absolute or N days ago), enum values, yes/no, text. */
export const ValueInput = (props: {
  readonly label: string;
  readonly field: RuleField | undefined;
  readonly value: ConditionValue | undefined;
  readonly error: string | null;
  readonly onChange: (value: ConditionValue | undefined) => void;
}) => {
  const { label, field, value, error, onChange } = props;
  const t = useMessages(segmentsMessages);
  switch (field?.kind) {
    case 'enum':
      return (
        <Select
          label={label}
          data={field.values.map((option) => option)}
          value={typeof value === 'string' && value !== '' ? value : null}
          searchable
          w={200}
          error={error}
          onChange={(next) => onChange(next ?? undefined)}
        />
      );
    case 'boolean':
      return (
        <Select
          label={label}
          data={[
            { value: 'true', label: t.trueValue },
            { value: 'false', label: t.falseValue },
          ]}
          value={value === true ? 'true' : value === false ? 'false' : null}
          w={110}
          error={error}
          onChange={(next) => onChange(next === null ? undefined : next === 'true')}
        />
      );
    case 'integer':
    case 'number':
    case 'money':
      return (
        <NumberInput
          label={label}
          value={typeof value === 'number' ? value : ''}
          allowDecimal={field.kind !== 'integer'}
          decimalScale={field.kind === 'money' ? 4 : 12}
          w={150}
          error={error}
          onChange={(next) => onChange(numberOf(next))}
        />
      );
    case 'date':
    case 'timestamp': {
      const relative = typeof value === 'object';
      return (
        <Group gap={4} align="flex-start" wrap="nowrap">
          <Select
            label={label === t.value ? t.dateMode : `${label}: ${t.dateMode}`}
            data={[
              { value: 'relative', label: t.dateModes.relative },
              { value: 'absolute', label: t.dateModes.absolute },
            ]}
            value={relative ? 'relative' : 'absolute'}
            allowDeselect={false}
            w={150}
            onChange={(mode) => onChange(mode === 'relative' ? { daysAgo: 30 } : '')}
          />
          {relative ? (
            <NumberInput
              label={label === t.value ? t.daysAgo : `${label}: ${t.daysAgo}`}
              value={value.daysAgo}
              min={0}
              allowDecimal={false}
              w={130}
              error={error}
              onChange={(next) => onChange({ daysAgo: numberOf(next) ?? 0 })}
            />
          ) : (
            <TextInput
              type={field.kind === 'date' ? 'date' : 'datetime-local'}
              label={label}
              value={typeof value === 'string' ? value : ''}
              w={field.kind === 'date' ? 160 : 210}
              error={error}
              onChange={(event) => onChange(event.currentTarget.value)}
            />
          )}
        </Group>
      );
    }
    default:
      return (
        <TextInput
          label={label}
          value={typeof value === 'string' ? value : value === undefined ? '' : String(value)}
          w={200}
          error={error}
          onChange={(event) => onChange(event.currentTarget.value)}
        />
      );
  }
};
