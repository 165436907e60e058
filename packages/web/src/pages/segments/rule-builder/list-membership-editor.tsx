import { Select, Stack, Text } from '@mantine/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { type EditorProps, useBuilder } from './builder-context.ts';

/** Membership of a customer list (stop lists and imported lists). */
export const ListMembershipEditor = ({ rule, onChange, issue }: EditorProps<'list'>) => {
  const t = useMessages(segmentsMessages);
  const builder = useBuilder();
  return (
    <Stack gap={4}>
      <Select
        label={t.list}
        data={builder.context.lists.map((name) => name)}
        value={rule.list === '' ? null : rule.list}
        searchable
        maw={420}
        error={issue('list')}
        onChange={(value) => onChange({ ...rule, list: value ?? '' })}
      />
      {builder.context.lists.length === 0 && (
        <Text size="xs" c="dimmed">
          {t.noLists}
        </Text>
      )}
    </Stack>
  );
};
