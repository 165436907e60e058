import { NumberInput, Select } from '@mantine/core';
import { type MeasureOperator, OPERATORS_BY_KIND } from '@opencvm/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { isAttributeOperator, isMeasureOperator, numberOf } from './rule-values.ts';

interface MeasureFields {
  readonly op: string;
  readonly value?: number | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/** `op value`, or `between from and to`, on a measured number (aggregate, days, score). */
export const MeasureInputs = (props: {
  readonly measure: MeasureFields;
  readonly operators: readonly string[];
  readonly issue: (field: string) => string | null;
  readonly unit?: string;
  readonly onChange: (next: {
    op: MeasureOperator;
    value?: number | undefined;
    from?: number | undefined;
    to?: number | undefined;
  }) => void;
}) => {
  const { measure, issue, onChange } = props;
  const t = useMessages(segmentsMessages);
  const seed = measure.value ?? measure.from ?? 0;
  return (
    <>
      <Select
        label={t.operator}
        data={props.operators.map((op) => ({
          value: op,
          label: isAttributeOperator(op, OPERATORS_BY_KIND.number) ? t.ops[op] : op,
        }))}
        value={measure.op}
        allowDeselect={false}
        w={120}
        error={issue('op')}
        onChange={(op) => {
          if (op === null || !isMeasureOperator(op)) return;
          onChange(
            op === 'between'
              ? { op, value: undefined, from: measure.from ?? seed, to: measure.to ?? seed }
              : { op, value: measure.value ?? seed, from: undefined, to: undefined },
          );
        }}
      />
      {measure.op === 'between' ? (
        <>
          <NumberInput
            label={props.unit === undefined ? t.from : `${t.from} (${props.unit})`}
            value={measure.from ?? ''}
            w={120}
            error={issue('from')}
            onChange={(value) => onChange({ op: 'between', from: numberOf(value), to: measure.to })}
          />
          <NumberInput
            label={props.unit === undefined ? t.to : `${t.to} (${props.unit})`}
            value={measure.to ?? ''}
            w={120}
            error={issue('to')}
            onChange={(value) => onChange({ op: 'between', from: measure.from, to: numberOf(value) })}
          />
        </>
      ) : (
        <NumberInput
          label={props.unit ?? t.value}
          value={measure.value ?? ''}
          w={130}
          error={issue('value')}
          onChange={(value) => {
            if (isMeasureOperator(measure.op)) onChange({ op: measure.op, value: numberOf(value) });
          }}
        />
      )}
    </>
  );
};
