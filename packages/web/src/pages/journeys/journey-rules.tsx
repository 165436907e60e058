import { Button, Fieldset, Group, Stack, Switch, Text } from '@mantine/core';
import type { AttributeCondition, SegmentRule } from '@opencvm/core';
import { useMemo } from 'react';
import { useMessages } from '../../i18n/i18n.tsx';
import { journeysMessages } from '../../i18n/journeys-messages.ts';
import { type Builder, BuilderContext } from '../segments/rule-builder/builder-context.ts';
import { ConditionEditor } from '../segments/rule-builder/condition-editor.tsx';
import { RuleBuilder } from '../segments/rule-builder.tsx';
import { customerFields, newRule, type RuleContext } from '../segments/rule-model.ts';

/**
 * An entry's customer rule in the segment rule builder: off means everyone the trigger brings
 * in; on starts from one condition on the first declared attribute.
 */
export const CustomerRuleField = ({
  rule,
  context,
  onChange,
  disabled,
}: {
  readonly rule: SegmentRule | undefined;
  readonly context: RuleContext;
  readonly onChange: (rule: SegmentRule | undefined) => void;
  readonly disabled: boolean;
}) => {
  const t = useMessages(journeysMessages);
  return (
    <Stack gap={4}>
      <Switch
        label={t.onlyMatching}
        checked={rule !== undefined}
        disabled={disabled}
        onChange={(event) =>
          onChange(event.currentTarget.checked ? newRule('attribute', context) : undefined)
        }
      />
      {rule !== undefined && (
        <RuleBuilder
          rule={rule}
          onChange={onChange}
          context={context}
          explain={null}
          issues={[]}
          readOnly={disabled}
        />
      )}
    </Stack>
  );
};

const conditionOf = (rule: SegmentRule): AttributeCondition | null => {
  if (rule.type !== 'attribute') return null;
  const { type: _type, ...condition } = rule;
  return condition;
};

/** A branch's conditions on customer attributes (all must hold), each as the segment builder edits one. */
export const AttributeConditions = ({
  where,
  context,
  onChange,
  disabled,
}: {
  readonly where: readonly AttributeCondition[];
  readonly context: RuleContext;
  readonly onChange: (where: AttributeCondition[]) => void;
  readonly disabled: boolean;
}) => {
  const t = useMessages(journeysMessages);
  const builder = useMemo<Builder>(
    () => ({ context, explain: new Map(), issues: [], readOnly: disabled }),
    [context, disabled],
  );
  const fields = useMemo(() => customerFields(context.schema), [context.schema]);
  const fresh = conditionOf(newRule('attribute', context));
  return (
    <BuilderContext.Provider value={builder}>
      <Fieldset variant="unstyled" disabled={disabled}>
        <Stack gap={4} role="group" aria-label={t.attributesAll}>
          <Text size="xs" c="dimmed">
            {t.attributesAll}
          </Text>
          {where.map((condition, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no id; their place is what is edited.
            <Group key={index} gap={4} align="flex-end" wrap="nowrap">
              <ConditionEditor
                condition={condition}
                fields={fields}
                issue={() => null}
                onChange={(next) => onChange(where.map((old, at) => (at === index ? next : old)))}
              />
              {where.length > 1 && (
                <Button
                  size="compact-xs"
                  variant="subtle"
                  color="red"
                  disabled={disabled}
                  onClick={() => onChange(where.filter((_, at) => at !== index))}
                >
                  {t.removeCondition}
                </Button>
              )}
            </Group>
          ))}
          {fresh !== null && (
            <Button
              size="compact-xs"
              variant="light"
              disabled={disabled}
              onClick={() => onChange([...where, fresh])}
            >
              {t.addCondition}
            </Button>
          )}
        </Stack>
      </Fieldset>
    </BuilderContext.Provider>
  );
};
