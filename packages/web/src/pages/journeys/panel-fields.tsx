import { Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useMessages } from '../../i18n/i18n.tsx';
import { journeysMessages } from '../../i18n/journeys-messages.ts';

/** A value edited as JSON: taken when the text parses (empty: undefined), refused with a note otherwise. */
export const JsonField = ({
  label,
  value,
  onChange,
  disabled,
}: {
  readonly label: string;
  readonly value: unknown;
  readonly onChange: (value: unknown) => void;
  readonly disabled: boolean;
}) => {
  const t = useMessages(journeysMessages);
  const shown = value === undefined ? '' : JSON.stringify(value, null, 2);
  const [text, setText] = useState(shown);
  const [bad, setBad] = useState(false);
  useEffect(() => {
    setText(shown);
    setBad(false);
  }, [shown]);
  return (
    <Textarea
      label={label}
      value={text}
      autosize
      minRows={2}
      maxRows={8}
      disabled={disabled}
      error={bad ? t.invalidJson : undefined}
      styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }}
      onChange={(event) => setText(event.currentTarget.value)}
      onBlur={() => {
        if (text.trim() === '') {
          setBad(false);
          onChange(undefined);
          return;
        }
        try {
          const parsed: unknown = JSON.parse(text);
          setBad(false);
          onChange(parsed);
        } catch {
          setBad(true);
        }
      }}
    />
  );
};

/** A whole number from a number input, or undefined when empty. */
export const wholeOrUndefined = (value: string | number): number | undefined =>
  value === '' || Number.isNaN(Number(value)) ? undefined : Math.trunc(Number(value));
