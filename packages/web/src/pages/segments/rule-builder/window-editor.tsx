import { Group, NumberInput, Select, TextInput } from '@mantine/core';
import type { EventWindow } from '@opencvm/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { numberOf } from './rule-values.ts';

export const WindowEditor = (props: {
  readonly window: EventWindow | undefined;
  readonly issue: (field: string) => string | null;
  readonly onChange: (window: EventWindow | undefined) => void;
}) => {
  const { window, issue, onChange } = props;
  const t = useMessages(segmentsMessages);
  const mode = window === undefined ? 'all' : window.days !== undefined ? 'days' : 'range';
  return (
    <Group align="flex-start" gap="xs" wrap="wrap">
      <Select
        label={t.window}
        data={(['all', 'days', 'range'] as const).map((value) => ({ value, label: t.windowModes[value] }))}
        value={mode}
        allowDeselect={false}
        w={180}
        error={mode === 'range' ? null : issue('window')}
        onChange={(value) =>
          onChange(value === 'days' ? { days: 30 } : value === 'range' ? { from: '', to: '' } : undefined)
        }
      />
      {mode === 'days' && (
        <NumberInput
          label={t.windowDays}
          value={window?.days ?? ''}
          min={1}
          allowDecimal={false}
          w={130}
          error={issue('window.days')}
          onChange={(value) => onChange({ days: numberOf(value) })}
        />
      )}
      {mode === 'range' && (
        <>
          <TextInput
            type="date"
            label={t.windowFrom}
            value={window?.from ?? ''}
            w={170}
            error={issue('window.from') ?? issue('window')}
            onChange={(event) => onChange({ ...window, from: event.currentTarget.value })}
          />
          <TextInput
            type="date"
            label={t.windowTo}
            value={window?.to ?? ''}
            w={170}
            error={issue('window.to')}
            onChange={(event) => onChange({ ...window, to: event.currentTarget.value })}
          />
        </>
      )}
    </Group>
  );
};
