import { Group, Select, Stack } from '@mantine/core';
import { MEASURE_OPERATORS } from '@opencvm/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import type { EditorProps } from './builder-context.ts';
import { EventScope } from './event-scope.tsx';
import { EventTypeSelect } from './event-type-select.tsx';
import { MeasureInputs } from './measure-inputs.tsx';

/** Days since a customer's last (or first) event of one type, compared with a number. */
export const RecencyEditor = ({ rule, onChange, issue }: EditorProps<'recency'>) => {
  const t = useMessages(segmentsMessages);
  return (
    <Stack gap="xs">
      <Group align="flex-start" gap="xs" wrap="wrap">
        <Select
          label={t.since}
          data={[
            { value: 'last', label: t.sinceOptions.last },
            { value: 'first', label: t.sinceOptions.first },
          ]}
          value={rule.since ?? 'last'}
          allowDeselect={false}
          w={190}
          error={issue('since')}
          onChange={(value) => onChange({ ...rule, since: value === 'first' ? 'first' : 'last' })}
        />
        <EventTypeSelect
          value={rule.eventType}
          error={issue('eventType')}
          onChange={(eventType) => onChange({ ...rule, eventType, where: undefined })}
        />
        <MeasureInputs
          measure={rule}
          operators={MEASURE_OPERATORS}
          issue={issue}
          unit={t.days}
          onChange={(next) => onChange({ ...rule, ...next })}
        />
      </Group>
      <EventScope rule={rule} issue={issue} onChange={(next) => onChange({ ...rule, ...next })} />
    </Stack>
  );
};
