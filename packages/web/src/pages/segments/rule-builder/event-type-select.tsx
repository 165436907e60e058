import { Select } from '@mantine/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { eventTypes } from '../rule-model.ts';
import { useBuilder } from './builder-context.ts';

export const EventTypeSelect = (props: {
  readonly value: string;
  readonly error: string | null;
  readonly onChange: (eventType: string) => void;
}) => {
  const t = useMessages(segmentsMessages);
  const { schema } = useBuilder().context;
  return (
    <Select
      label={t.eventType}
      data={eventTypes(schema).map((type) => {
        const description = schema.events[type]?.description;
        return { value: type, label: description === undefined ? type : `${type} — ${description}` };
      })}
      value={props.value === '' ? null : props.value}
      allowDeselect={false}
      searchable
      w={280}
      error={props.error}
      onChange={(value) => value !== null && props.onChange(value)}
    />
  );
};
