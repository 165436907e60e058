import { Select } from '@mantine/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { type EditorProps, useBuilder } from './builder-context.ts';

/** Membership of another saved segment (never the one being edited). */
export const SegmentMembershipEditor = ({ rule, onChange, issue }: EditorProps<'segment'>) => {
  const t = useMessages(segmentsMessages);
  const builder = useBuilder();
  const others = builder.context.segments.filter((segment) => segment.id !== builder.context.selfId);
  return (
    <Select
      label={t.segment}
      data={others.map((segment) => ({ value: segment.id, label: `${segment.name} (${segment.id})` }))}
      value={rule.segment === '' ? null : rule.segment}
      searchable
      maw={420}
      error={issue('segment')}
      onChange={(value) => onChange({ ...rule, segment: value ?? '' })}
    />
  );
};
