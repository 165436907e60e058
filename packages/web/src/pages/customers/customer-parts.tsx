import { Text } from '@mantine/core';
import { customersMessages } from '../../i18n/customers-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import type { FieldValue } from './customer-api.ts';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** One attribute value as a reader expects it: yes/no, numbers and times by locale, a dash when missing. */
export const AttributeValue = ({ value }: { readonly value: FieldValue }) => {
  const t = useMessages(customersMessages);
  const format = useFormat();
  if (value === null)
    return (
      <Text span c="dimmed">
        {t.empty}
      </Text>
    );
  if (typeof value === 'boolean') return <>{value ? t.yes : t.no}</>;
  if (typeof value === 'number') return <>{format.decimal(value)}</>;
  if (TIMESTAMP.test(value)) return <>{format.dateTime(value)}</>;
  return <>{value}</>;
};
