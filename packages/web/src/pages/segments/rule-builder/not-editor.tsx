import { Stack } from '@mantine/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { childPath } from '../rule-model.ts';
import type { NestingEditorProps } from './builder-context.ts';

/** not: the rule it negates; removing the not keeps that rule. */
export const NotEditor = ({ rule, onChange, path, depth, RuleNode }: NestingEditorProps<'not'>) => {
  const t = useMessages(segmentsMessages);
  return (
    <Stack pl="md">
      <RuleNode
        rule={rule.rule}
        path={childPath(path, 'rule')}
        depth={depth + 1}
        onChange={(next) => onChange({ ...rule, rule: next })}
        onRemove={() => onChange(rule.rule)}
        removeLabel={t.remove}
      />
    </Stack>
  );
};
