import { MultiSelect, TagsInput } from '@mantine/core';
import type { RuleField, ScalarValue } from '@opencvm/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { isNumeric } from '../rule-model.ts';
import { numberOf } from './rule-values.ts';

/** The values of `in` / `not in`: enum values picked, others typed one by one. */
export const ListInput = (props: {
  readonly field: RuleField | undefined;
  readonly values: readonly ScalarValue[];
  readonly error: string | null;
  readonly onChange: (values: ScalarValue[] | undefined) => void;
}) => {
  const { field, values, error, onChange } = props;
  const t = useMessages(segmentsMessages);
  const shown = values.map(String);
  const listOrNothing = (list: ScalarValue[]) => (list.length === 0 ? undefined : list);
  if (field?.kind === 'enum')
    return (
      <MultiSelect
        label={t.values}
        data={field.values.map((option) => option)}
        value={shown}
        searchable
        miw={240}
        maw={420}
        error={error}
        onChange={(next) => onChange(listOrNothing(next))}
      />
    );
  return (
    <TagsInput
      label={t.values}
      placeholder={t.valuesHint}
      value={shown}
      miw={240}
      maw={420}
      error={error}
      onChange={(next) =>
        onChange(
          listOrNothing(
            isNumeric(field)
              ? next.map((text) => numberOf(text)).filter((n): n is number => n !== undefined)
              : next,
          ),
        )
      }
    />
  );
};
