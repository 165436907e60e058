import { Group, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { childPath } from '../rule-model.ts';
import type { NestingEditorProps } from './builder-context.ts';
import { OptionalChild } from './optional-child.tsx';
import { numberOf } from './rule-values.ts';

/** A stable random sample, by percent or count, of everyone or of a nested rule's customers. */
export const SampleEditor = ({
  rule,
  onChange,
  issue,
  path,
  depth,
  RuleNode,
}: NestingEditorProps<'sample'>) => {
  const t = useMessages(segmentsMessages);
  const byPercent = rule.count === undefined;
  return (
    <Stack gap="xs">
      <Group align="flex-start" gap="xs" wrap="wrap">
        <Select
          label={t.sampleBy}
          data={[
            { value: 'percent', label: t.sampleModes.percent },
            { value: 'count', label: t.sampleModes.count },
          ]}
          value={byPercent ? 'percent' : 'count'}
          allowDeselect={false}
          w={160}
          onChange={(value) => {
            const { count: _count, percent: _percent, ...rest } = rule;
            onChange(value === 'count' ? { ...rest, count: 100 } : { ...rest, percent: 10 });
          }}
        />
        {byPercent ? (
          <NumberInput
            label={t.percent}
            value={rule.percent ?? ''}
            min={0.01}
            max={100}
            decimalScale={2}
            w={120}
            error={issue('percent')}
            onChange={(value) => onChange({ ...rule, percent: numberOf(value) })}
          />
        ) : (
          <NumberInput
            label={t.count}
            value={rule.count ?? ''}
            min={1}
            allowDecimal={false}
            w={140}
            error={issue('count')}
            onChange={(value) => onChange({ ...rule, count: numberOf(value) })}
          />
        )}
        <TextInput
          label={t.seed}
          description={t.seedHint}
          value={rule.seed}
          w={240}
          error={issue('seed')}
          onChange={(event) => onChange({ ...rule, seed: event.currentTarget.value })}
        />
      </Group>
      {issue('count') !== null && byPercent && (
        <Text c="red" size="sm" role="alert">
          {issue('count')}
        </Text>
      )}
      <OptionalChild
        label={t.among}
        child={rule.of}
        path={childPath(path, 'of')}
        depth={depth}
        onChange={(of) => onChange({ ...rule, of })}
        RuleNode={RuleNode}
      />
    </Stack>
  );
};
