import { Group, Select, Stack } from '@mantine/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import type { EditorProps } from './builder-context.ts';
import { EventScope } from './event-scope.tsx';
import { EventTypeSelect } from './event-type-select.tsx';

/** Whether a customer did (or did not do) an event of one type in the window. */
export const ActivityEditor = ({ rule, onChange, issue }: EditorProps<'activity'>) => {
  const t = useMessages(segmentsMessages);
  return (
    <Stack gap="xs">
      <Group align="flex-start" gap="xs" wrap="wrap">
        <Select
          label={t.done}
          data={[
            { value: 'yes', label: t.doneOptions.yes },
            { value: 'no', label: t.doneOptions.no },
          ]}
          value={rule.done ? 'yes' : 'no'}
          allowDeselect={false}
          w={170}
          error={issue('done')}
          onChange={(value) => onChange({ ...rule, done: value === 'yes' })}
        />
        <EventTypeSelect
          value={rule.eventType}
          error={issue('eventType')}
          onChange={(eventType) => onChange({ ...rule, eventType, where: undefined })}
        />
      </Group>
      <EventScope rule={rule} issue={issue} onChange={(next) => onChange({ ...rule, ...next })} />
    </Stack>
  );
};
