import { Button, Group, Select, Stack, Tabs, Text, Textarea, TextInput } from '@mantine/core';
import { DELIVERY_CHANNELS, type DeliveryChannel } from '@opencvm/core';
import { useState } from 'react';
import { CONTENT_FIELDS, messagesAt } from '../campaign-form.ts';
import { fieldLabels } from './content-labels.ts';
import { PreviewPanel } from './preview-panel.tsx';
import type { StepProps } from './step-props.ts';

/** Step 3: the channel and the message in each language, with a preview for a real customer. */
export const ContentStep = ({
  form,
  update,
  issues,
  t,
  defaultLocale,
}: StepProps & { readonly defaultLocale: string }) => {
  const [tab, setTab] = useState<string | null>(form.locales[0] ?? null);
  const [newLocale, setNewLocale] = useState('');
  const activeTab = tab !== null && form.locales.includes(tab) ? tab : (form.locales[0] ?? null);

  const setChannel = (channel: DeliveryChannel) => {
    const content: Record<string, Record<string, string>> = {};
    for (const locale of form.locales) {
      const old = form.content[locale] ?? {};
      content[locale] = Object.fromEntries(CONTENT_FIELDS[channel].map((key) => [key, old[key] ?? '']));
    }
    update('channel', channel);
    update('content', content);
  };
  const setField = (locale: string, key: string, value: string) =>
    update('content', { ...form.content, [locale]: { ...(form.content[locale] ?? {}), [key]: value } });
  const addLocale = () => {
    const tag = newLocale.trim();
    if (tag === '' || form.locales.includes(tag)) return;
    update('locales', [...form.locales, tag]);
    update('content', {
      ...form.content,
      [tag]: Object.fromEntries(CONTENT_FIELDS[form.channel].map((key) => [key, ''])),
    });
    setNewLocale('');
    setTab(tag);
  };
  const removeLocale = (locale: string) => {
    update(
      'locales',
      form.locales.filter((l) => l !== locale),
    );
    const { [locale]: _removed, ...rest } = form.content;
    update('content', rest);
  };
  const localesError = messagesAt(
    issues.filter(
      (issue) =>
        issue.path === 'content.locales' || issue.path === 'content' || issue.path === 'content.type',
    ),
    'content',
  );

  return (
    <Stack>
      <Select
        label={t.channel}
        data={DELIVERY_CHANNELS.map((value) => ({ value, label: t.channels[value] }))}
        value={form.channel}
        onChange={(value) => {
          const channel = DELIVERY_CHANNELS.find((c) => c === value);
          if (channel !== undefined) setChannel(channel);
        }}
        allowDeselect={false}
        error={messagesAt(issues, 'channel')}
        w={260}
      />
      <Text size="sm" c="dimmed">
        {t.defaultLocaleNote(defaultLocale)}
      </Text>
      {localesError !== null && (
        <Text c="red" size="sm" role="alert">
          {localesError}
        </Text>
      )}
      <Tabs value={activeTab} onChange={setTab} aria-label={t.locales}>
        <Tabs.List>
          {form.locales.map((locale) => (
            <Tabs.Tab
              key={locale}
              value={locale}
              {...(messagesAt(issues, `content.locales.${locale}`) === null ? {} : { color: 'red' })}
            >
              {locale}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {form.locales.map((locale) => (
          <Tabs.Panel key={locale} value={locale} pt="md">
            <Stack>
              {CONTENT_FIELDS[form.channel].map((key) => {
                const label = `${fieldLabels(t, form.channel, key)} (${locale})`;
                const value = form.content[locale]?.[key] ?? '';
                const error = messagesAt(issues, `content.locales.${locale}.${key}`);
                return (form.channel === 'email' && key === 'subject') ||
                  (form.channel === 'push' && key === 'title') ? (
                  <TextInput
                    key={key}
                    label={label}
                    value={value}
                    onChange={(event) => setField(locale, key, event.currentTarget.value)}
                    error={error}
                  />
                ) : (
                  <Textarea
                    key={key}
                    label={label}
                    description={t.templateHint}
                    value={value}
                    onChange={(event) => setField(locale, key, event.currentTarget.value)}
                    autosize
                    minRows={key === 'html' || key === 'payload' ? 6 : 3}
                    styles={key === 'html' || key === 'payload' ? { input: { fontFamily: 'monospace' } } : {}}
                    error={error}
                  />
                );
              })}
              {form.locales.length > 1 && (
                <Group>
                  <Button variant="subtle" color="red" size="xs" onClick={() => removeLocale(locale)}>
                    {t.removeLocale(locale)}
                  </Button>
                </Group>
              )}
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>
      <Group align="flex-end">
        <TextInput
          label={t.newLocale}
          description={t.newLocaleHint}
          value={newLocale}
          onChange={(event) => setNewLocale(event.currentTarget.value)}
          w={200}
        />
        <Button variant="light" onClick={addLocale} disabled={newLocale.trim() === ''}>
          {t.addLocale}
        </Button>
      </Group>
      <PreviewPanel form={form} t={t} />
    </Stack>
  );
};
