import { Group, Select, Stack } from '@mantine/core';
import { AGGREGATES, MEASURE_OPERATORS } from '@opencvm/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { eventFields, isNumeric } from '../rule-model.ts';
import { type EditorProps, useBuilder } from './builder-context.ts';
import { EventScope } from './event-scope.tsx';
import { EventTypeSelect } from './event-type-select.tsx';
import { MeasureInputs } from './measure-inputs.tsx';
import { isAggregate } from './rule-values.ts';

/** An aggregate (count, sum, …) of a customer's events of one type, compared with a number. */
export const EventEditor = ({ rule, onChange, issue }: EditorProps<'event'>) => {
  const t = useMessages(segmentsMessages);
  const { schema } = useBuilder().context;
  const fields = eventFields(schema, rule.eventType).filter(([, field]) => isNumeric(field));
  return (
    <Stack gap="xs">
      <Group align="flex-start" gap="xs" wrap="wrap">
        <EventTypeSelect
          value={rule.eventType}
          error={issue('eventType')}
          onChange={(eventType) => onChange({ ...rule, eventType, where: undefined })}
        />
        <Select
          label={t.aggregate}
          data={AGGREGATES.map((aggregate) => ({ value: aggregate, label: t.aggregates[aggregate] }))}
          value={rule.aggregate}
          allowDeselect={false}
          w={150}
          error={issue('aggregate')}
          onChange={(value) => {
            if (value === null || !isAggregate(value)) return;
            const { field: _field, ...rest } = rule;
            onChange(
              value === 'count'
                ? { ...rest, aggregate: value }
                : { ...rest, aggregate: value, field: rule.field ?? fields[0]?.[0] ?? 'amount' },
            );
          }}
        />
        {rule.aggregate !== 'count' && (
          <Select
            label={t.field}
            data={fields.map(([name]) => name)}
            value={rule.field ?? null}
            w={160}
            error={issue('field')}
            onChange={(value) => onChange({ ...rule, field: value ?? undefined })}
          />
        )}
        <MeasureInputs
          measure={rule}
          operators={MEASURE_OPERATORS}
          issue={issue}
          onChange={(next) => onChange({ ...rule, ...next })}
        />
      </Group>
      <EventScope rule={rule} issue={issue} onChange={(next) => onChange({ ...rule, ...next })} />
    </Stack>
  );
};
