import { Group, NumberInput, Select, Stack } from '@mantine/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { childPath } from '../rule-model.ts';
import type { NestingEditorProps } from './builder-context.ts';
import { MeasureEditor } from './measure-editor.tsx';
import { OptionalChild } from './optional-child.tsx';
import { numberOf } from './rule-values.ts';

/** The first N customers by a measure, of everyone or of a nested rule's customers. */
export const TopEditor = ({ rule, onChange, issue, path, depth, RuleNode }: NestingEditorProps<'top'>) => {
  const t = useMessages(segmentsMessages);
  return (
    <Stack gap="xs">
      <Group align="flex-start" gap="xs" wrap="wrap">
        <NumberInput
          label={t.n}
          value={rule.n}
          min={1}
          allowDecimal={false}
          w={130}
          error={issue('n')}
          onChange={(value) => onChange({ ...rule, n: numberOf(value) ?? 0 })}
        />
        <Select
          label={t.order}
          data={[
            { value: 'desc', label: t.orders.desc },
            { value: 'asc', label: t.orders.asc },
          ]}
          value={rule.order ?? 'desc'}
          allowDeselect={false}
          w={190}
          error={issue('order')}
          onChange={(value) => onChange({ ...rule, order: value === 'asc' ? 'asc' : 'desc' })}
        />
      </Group>
      <MeasureEditor
        measure={rule.by}
        issue={(field) => issue(`by.${field}`) ?? issue('by')}
        onChange={(by) => onChange({ ...rule, by })}
      />
      <OptionalChild
        label={t.restrict}
        child={rule.of}
        path={childPath(path, 'of')}
        depth={depth}
        onChange={(of) => onChange({ ...rule, of })}
        RuleNode={RuleNode}
      />
    </Stack>
  );
};
