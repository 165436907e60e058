import { Button, Group, Stack, Text } from '@mantine/core';
import type { AttributeCondition, EventWindow } from '@opencvm/core';
import { useMessages } from '../../../i18n/i18n.tsx';
import { segmentsMessages } from '../../../i18n/segments-messages.ts';
import { eventFields, newAttributeCondition } from '../rule-model.ts';
import { useBuilder } from './builder-context.ts';
import { ConditionEditor } from './condition-editor.tsx';
import { WindowEditor } from './window-editor.tsx';

/** The window and the `where` filters of an event condition. */
export const EventScope = (props: {
  readonly rule: {
    readonly eventType: string;
    readonly where?: readonly AttributeCondition[] | undefined;
    readonly window?: EventWindow | undefined;
  };
  readonly issue: (field: string) => string | null;
  readonly onChange: (next: {
    where?: readonly AttributeCondition[] | undefined;
    window?: EventWindow | undefined;
  }) => void;
}) => {
  const { rule, issue, onChange } = props;
  const t = useMessages(segmentsMessages);
  const builder = useBuilder();
  const fields = eventFields(builder.context.schema, rule.eventType);
  const where = rule.where ?? [];
  return (
    <Stack gap="xs">
      <WindowEditor window={rule.window} issue={issue} onChange={(window) => onChange({ window })} />
      {where.length > 0 && (
        <Text size="sm" fw={500}>
          {t.where}
        </Text>
      )}
      {where.map((condition, index) => (
        <Group
          // biome-ignore lint/suspicious/noArrayIndexKey: filters have no identity beyond their place.
          key={index}
          align="flex-end"
          gap="xs"
          pl="md"
          wrap="nowrap"
        >
          <ConditionEditor
            condition={condition}
            fields={fields}
            issue={(field) =>
              issue(`where[${index}].${field}`) ?? (field === 'attribute' ? issue(`where[${index}]`) : null)
            }
            onChange={(next) => onChange({ where: where.map((c, i) => (i === index ? next : c)) })}
          />
          {!builder.readOnly && (
            <Button
              variant="subtle"
              color="red"
              size="compact-sm"
              mb={4}
              aria-label={t.removeCondition(index + 1)}
              onClick={() => {
                const rest = where.filter((_, i) => i !== index);
                onChange({ where: rest.length === 0 ? undefined : rest });
              }}
            >
              {t.remove}
            </Button>
          )}
        </Group>
      ))}
      {!builder.readOnly && fields.length > 0 && (
        <Group>
          <Button
            variant="subtle"
            size="compact-sm"
            onClick={() => {
              const [name, field] = fields[0] ?? ['amount', undefined];
              onChange({ where: [...where, newAttributeCondition(name, field)] });
            }}
          >
            {t.addWhere}
          </Button>
        </Group>
      )}
    </Stack>
  );
};
