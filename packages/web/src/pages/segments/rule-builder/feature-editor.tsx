import { Group, NumberInput, Select, Stack, TagsInput, Text } from '@mantine/core';
import { FEATURE_NAMES, type SegmentRule } from '@opencvm/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import type { EditorProps } from './builder-context.ts';
import {
  FEATURE_OPERATORS,
  type FeatureOperator,
  isFeatureOperator,
  isMeasureOperator,
  numberOf,
} from './rule-values.ts';

/** A computed feature (RFM scores and their parts) compared with a number or a list. */
export const FeatureEditor = ({ rule, onChange, issue }: EditorProps<'feature'>) => {
  const t = useMessages(segmentsMessages);
  return (
    <Stack gap={4}>
      <Group align="flex-start" gap="xs" wrap="wrap">
        <Select
          label={t.feature}
          data={FEATURE_NAMES.map((name) => name)}
          value={rule.feature}
          allowDeselect={false}
          searchable
          w={200}
          error={issue('feature')}
          onChange={(value) => value !== null && onChange({ ...rule, feature: value })}
        />
        <FeatureInputs rule={rule} issue={issue} onChange={onChange} />
      </Group>
      <Text size="xs" c="dimmed">
        {t.featureHint}
      </Text>
    </Stack>
  );
};

export const FeatureInputs = (props: {
  readonly rule: Extract<SegmentRule, { type: 'feature' }>;
  readonly issue: (field: string) => string | null;
  readonly onChange: (rule: SegmentRule) => void;
}) => {
  const { rule, issue, onChange } = props;
  const t = useMessages(segmentsMessages);
  const { value: _value, values: _values, from: _from, to: _to, ...base } = rule;
  const seed = rule.value ?? rule.from ?? rule.values?.[0] ?? 0;
  const setOp = (op: FeatureOperator) => {
    if (op === 'between') onChange({ ...base, op, from: rule.from ?? seed, to: rule.to ?? seed });
    else if (op === 'in' || op === 'not in') onChange({ ...base, op, values: rule.values ?? [seed] });
    else if (op === 'is null' || op === 'is not null') onChange({ ...base, op });
    else onChange({ ...base, op, value: rule.value ?? seed });
  };
  return (
    <>
      <Select
        label={t.operator}
        data={FEATURE_OPERATORS.map((op) => ({ value: op, label: t.ops[op] }))}
        value={rule.op}
        allowDeselect={false}
        w={150}
        error={issue('op')}
        onChange={(op) => op !== null && isFeatureOperator(op) && setOp(op)}
      />
      {(rule.op === 'in' || rule.op === 'not in') && (
        <TagsInput
          label={t.values}
          placeholder={t.valuesHint}
          value={(rule.values ?? []).map(String)}
          w={240}
          error={issue('values')}
          onChange={(next) => {
            const values = next.map((text) => numberOf(text)).filter((n): n is number => n !== undefined);
            onChange({ ...rule, values: values.length === 0 ? undefined : values });
          }}
        />
      )}
      {rule.op === 'between' && (
        <>
          <NumberInput
            label={t.from}
            value={rule.from ?? ''}
            w={120}
            error={issue('from')}
            onChange={(value) => onChange({ ...rule, from: numberOf(value) })}
          />
          <NumberInput
            label={t.to}
            value={rule.to ?? ''}
            w={120}
            error={issue('to')}
            onChange={(value) => onChange({ ...rule, to: numberOf(value) })}
          />
        </>
      )}
      {isMeasureOperator(rule.op) && rule.op !== 'between' && (
        <NumberInput
          label={t.value}
          value={rule.value ?? ''}
          w={130}
          error={issue('value')}
          onChange={(value) => onChange({ ...rule, value: numberOf(value) })}
        />
      )}
    </>
  );
};
