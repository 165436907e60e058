import { Checkbox, Group, MultiSelect, NumberInput, Select, Stack, Text } from '@mantine/core';
import { RELATION_DIRECTIONS } from '@opencvm/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { childPath } from '../rule-model.ts';
import { type NestingEditorProps, useBuilder } from './builder-context.ts';
import { numberOf } from './rule-values.ts';

/** The customers related to a base rule's customers through the relation graph. */
export const GraphEditor = ({
  rule,
  onChange,
  issue,
  path,
  depth,
  RuleNode,
}: NestingEditorProps<'graph'>) => {
  const t = useMessages(segmentsMessages);
  const { schema } = useBuilder().context;
  return (
    <Stack gap="xs">
      <Group align="flex-start" gap="xs" wrap="wrap">
        <MultiSelect
          label={t.kinds}
          placeholder={rule.kinds === undefined ? t.kindsHint : undefined}
          data={schema.relations.kinds.map((kind) => kind)}
          value={[...(rule.kinds ?? [])]}
          w={240}
          error={issue('kinds')}
          onChange={(kinds) => onChange({ ...rule, kinds: kinds.length === 0 ? undefined : kinds })}
        />
        <Select
          label={t.hops}
          data={['1', '2', '3']}
          value={String(rule.hops)}
          allowDeselect={false}
          w={90}
          error={issue('hops')}
          onChange={(value) => onChange({ ...rule, hops: Number(value ?? 1) })}
        />
        <Select
          label={t.direction}
          data={RELATION_DIRECTIONS.map((direction) => ({
            value: direction,
            label: t.directions[direction],
          }))}
          value={rule.direction ?? 'any'}
          allowDeselect={false}
          w={160}
          error={issue('direction')}
          onChange={(value) =>
            onChange({
              ...rule,
              direction: RELATION_DIRECTIONS.find((direction) => direction === value) ?? 'any',
            })
          }
        />
        <NumberInput
          label={t.minWeight}
          value={rule.minWeight ?? ''}
          w={170}
          error={issue('minWeight')}
          onChange={(value) => onChange({ ...rule, minWeight: numberOf(value) })}
        />
        <NumberInput
          label={t.cap}
          value={rule.cap ?? ''}
          min={1}
          allowDecimal={false}
          w={210}
          error={issue('cap')}
          onChange={(value) => onChange({ ...rule, cap: numberOf(value) })}
        />
      </Group>
      <Checkbox
        label={t.excludeBase}
        checked={rule.excludeBase ?? false}
        onChange={(event) => onChange({ ...rule, excludeBase: event.currentTarget.checked || undefined })}
      />
      <Text size="sm" fw={500}>
        {t.base}
      </Text>
      <Stack pl="md">
        <RuleNode
          rule={rule.base}
          path={childPath(path, 'base')}
          depth={depth + 1}
          onChange={(base) => onChange({ ...rule, base })}
        />
      </Stack>
    </Stack>
  );
};
