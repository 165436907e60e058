import { TextInput } from '@mantine/core';
import { homeMessages } from '../../i18n/home-messages.ts';
import { useMessages } from '../../i18n/i18n.tsx';

export interface Period {
  readonly from: string;
  readonly to: string;
}

/** The first day and the (exclusive) end of a period, as date fields. */
export const PeriodFields = ({
  value,
  onChange,
}: {
  readonly value: Period;
  readonly onChange: (period: Period) => void;
}) => {
  const t = useMessages(homeMessages);
  return (
    <>
      <TextInput
        type="date"
        label={t.from}
        value={value.from}
        max={value.to}
        onChange={(event) => onChange({ ...value, from: event.currentTarget.value })}
        required
      />
      <TextInput
        type="date"
        label={t.to}
        value={value.to}
        min={value.from}
        onChange={(event) => onChange({ ...value, to: event.currentTarget.value })}
        required
      />
    </>
  );
};
