import { Button, Stack, Text, Textarea, TextInput } from '@mantine/core';
import type { JourneyNode } from '@opencvm/core';
import { LOCALES, useMessages } from '../../i18n/i18n.tsx';
import { journeysMessages } from '../../i18n/journeys-messages.ts';
import { JsonField } from './panel-fields.tsx';

type Send = Extract<JourneyNode, { type: 'send' }>;

/** A send's content: per locale, SMS text or a push title and body; other channels as JSON. */
export const SendFields = ({
  node,
  onChange,
  disabled,
}: {
  readonly node: Send;
  readonly onChange: (node: Send) => void;
  readonly disabled: boolean;
}) => {
  const t = useMessages(journeysMessages);
  const content = node.content;
  const { content: _content, ...without } = node;
  if (content === undefined) {
    const start = (): Send['content'] | undefined => {
      if (node.channel === 'sms') return { type: 'sms', locales: { en: { text: '' }, ru: { text: '' } } };
      if (node.channel === 'push')
        return { type: 'push', locales: { en: { title: '', body: '' }, ru: { title: '', body: '' } } };
      return undefined;
    };
    const fresh = start();
    return (
      <Stack gap={4}>
        <Text size="sm" fw={600}>
          {t.content}
        </Text>
        {fresh === undefined ? (
          <JsonField
            label={t.contentJson}
            value={undefined}
            disabled={disabled}
            onChange={(value) =>
              onChange(value === undefined ? without : { ...without, content: value as never })
            }
          />
        ) : (
          <Button
            size="compact-sm"
            variant="light"
            disabled={disabled}
            onClick={() => onChange({ ...without, content: fresh })}
          >
            {t.addContent}
          </Button>
        )}
      </Stack>
    );
  }
  const locales = [...new Set([...LOCALES, ...Object.keys(content.locales)])];
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600}>
        {t.content}
      </Text>
      {content.type === 'sms' &&
        locales.map((locale) => (
          <Textarea
            key={locale}
            label={t.localeText(locale)}
            autosize
            minRows={2}
            disabled={disabled}
            value={content.locales[locale]?.text ?? ''}
            onChange={(event) =>
              onChange({
                ...node,
                content: {
                  ...content,
                  locales: { ...content.locales, [locale]: { text: event.currentTarget.value } },
                },
              })
            }
          />
        ))}
      {content.type === 'push' &&
        locales.map((locale) => {
          const fields = content.locales[locale] ?? { title: '', body: '' };
          const set = (change: Partial<typeof fields>) =>
            onChange({
              ...node,
              content: { ...content, locales: { ...content.locales, [locale]: { ...fields, ...change } } },
            });
          return (
            <Stack key={locale} gap={2}>
              <TextInput
                label={t.localeTitle(locale)}
                value={fields.title}
                disabled={disabled}
                onChange={(event) => set({ title: event.currentTarget.value })}
              />
              <Textarea
                label={t.localeBody(locale)}
                autosize
                minRows={2}
                value={fields.body}
                disabled={disabled}
                onChange={(event) => set({ body: event.currentTarget.value })}
              />
            </Stack>
          );
        })}
      {content.type !== 'sms' && content.type !== 'push' && (
        <>
          <Text size="xs" c="dimmed">
            {t.contentOtherChannel}
          </Text>
          <JsonField
            label={t.contentJson}
            value={content}
            disabled={disabled}
            onChange={(value) =>
              onChange(value === undefined ? without : { ...without, content: value as never })
            }
          />
        </>
      )}
      <Button
        size="compact-xs"
        variant="subtle"
        color="red"
        disabled={disabled}
        onClick={() => onChange(without)}
      >
        {t.removeContent}
      </Button>
    </Stack>
  );
};
