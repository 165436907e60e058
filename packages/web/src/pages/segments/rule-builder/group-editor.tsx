import { Button, Group, Stack, Text } from '@mantine/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { childPath } from '../rule-model.ts';
import { type NestingEditorProps, useBuilder } from './builder-context.ts';
import { useGroupEdits } from './use-rule-edits.ts';

/** An and / or group: its conditions, each removable while more than one is left, and buttons to add more. */
export const GroupEditor = ({
  rule,
  onChange,
  issue,
  path,
  depth,
  RuleNode,
}: NestingEditorProps<'and' | 'or'>) => {
  const t = useMessages(segmentsMessages);
  const builder = useBuilder();
  const { replace, remove, addCondition, addGroup } = useGroupEdits(rule, onChange);
  return (
    <Stack gap="xs" pl="md">
      {rule.rules.map((child, index) => (
        <RuleNode
          // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity beyond their place.
          key={index}
          rule={child}
          path={childPath(path, `rules[${index}]`)}
          depth={depth + 1}
          onChange={(next) => replace(index, next)}
          onRemove={remove === undefined ? undefined : () => remove(index)}
          removeLabel={t.removeCondition(index + 1)}
          parentType={rule.type}
        />
      ))}
      {issue('rules') !== null && (
        <Text c="red" size="sm" role="alert">
          {issue('rules')}
        </Text>
      )}
      {!builder.readOnly && (
        <Group gap="xs">
          <Button variant="light" size="xs" onClick={addCondition}>
            {t.addCondition}
          </Button>
          <Button variant="default" size="xs" onClick={addGroup}>
            {t.addGroup}
          </Button>
        </Group>
      )}
    </Stack>
  );
};
