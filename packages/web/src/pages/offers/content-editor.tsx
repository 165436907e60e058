import {
  Alert,
  Badge,
  Box,
  Button,
  Code,
  Grid,
  Group,
  Loader,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { DELIVERY_CHANNELS, type DeliveryChannel, LOCALE_TAG } from '@opencvm/core';
import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { ErrorAlert, useErrorText, useIssueText } from '../../components/error-alert.tsx';
import type { Issue } from '../../components/error-text.ts';
import { useLoad } from '../../components/use-api.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { offersMessages } from '../../i18n/offers-messages.ts';
import { type ContentPreview, issuesOf, offerApi } from './offer-api.ts';

/** The fields of each channel's content, in the order the editor shows them. */
const FIELDS: Readonly<Record<DeliveryChannel, readonly string[]>> = {
  sms: ['text'],
  email: ['subject', 'html', 'text'],
  push: ['title', 'body'],
  webhook: ['payload'],
};

/** Fields written on one line; the rest are text areas. */
const SINGLE_LINE = new Set(['subject', 'title']);

type Fields = Readonly<Record<string, string>>;
/** Per channel, per locale, per field: what the user typed, kept when they switch channels. */
type Drafts = Readonly<Record<DeliveryChannel, Readonly<Record<string, Fields>>>>;

const STARTERS: Readonly<Record<DeliveryChannel, Readonly<Record<string, Fields>>>> = {
  sms: {
    en: { text: 'Hello! {{ offer.name }} is waiting for you: details in the app.' },
    ru: { text: 'Здравствуйте! Для вас — {{ offer.name }}. Подробности в приложении.' },
  },
  email: {},
  push: {},
  webhook: {},
};

const isChannel = (value: string): value is DeliveryChannel =>
  DELIVERY_CHANNELS.some((channel) => channel === value);

/** The template to send: locales with nothing written are left out; a webhook payload must be JSON. */
const templateOf = (
  channel: DeliveryChannel,
  locales: readonly string[],
  drafts: Drafts,
  notJson: string,
): { template: unknown; local: Issue[] } => {
  const written: Record<string, unknown> = {};
  const local: Issue[] = [];
  for (const locale of locales) {
    const fields = drafts[channel][locale] ?? {};
    if (FIELDS[channel].every((field) => (fields[field] ?? '') === '')) continue;
    if (channel === 'webhook') {
      try {
        written[locale] = { payload: JSON.parse(fields.payload ?? '') };
      } catch {
        local.push({ path: `content.locales.${locale}.payload`, message: notJson });
      }
    } else {
      written[locale] = Object.fromEntries(FIELDS[channel].map((field) => [field, fields[field] ?? '']));
    }
  }
  return { template: { type: channel, locales: written }, local };
};

const fieldPath = (locale: string, field: string) => `content.locales.${locale}.${field}`;
const under = (path: string, prefix: string) =>
  path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

const valueText = (value: string | number | boolean | null): string =>
  value === null ? '∅' : typeof value === 'string' ? value : String(value);

const SmsFacts = ({ sms }: { readonly sms: NonNullable<ContentPreview['sms']> }) => {
  const t = useMessages(offersMessages);
  const format = useFormat();
  return (
    <Stack gap="xs">
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <div>
          <Text size="xs" c="dimmed">
            {t.content.sms.encoding}
          </Text>
          <Badge
            color={sms.encoding === 'UCS-2' ? 'orange' : 'green'}
            variant="light"
            size="lg"
            data-testid="sms-encoding"
          >
            {sms.encoding}
          </Badge>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            {t.content.sms.characters}
          </Text>
          <Text fw={600} data-testid="sms-characters">
            {format.integer(sms.characters)}
          </Text>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            {t.content.sms.segments}
          </Text>
          <Text fw={600} data-testid="sms-segments">
            {format.integer(sms.segments)}
          </Text>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            {t.content.sms.perSegment}
          </Text>
          <Text fw={600}>{format.integer(sms.perSegment)}</Text>
        </div>
      </SimpleGrid>
      {sms.encoding === 'UCS-2' && (
        <Text size="xs" c="dimmed">
          {t.content.sms.ucs2Hint}
        </Text>
      )}
    </Stack>
  );
};

const text = (record: Readonly<Record<string, unknown>>, key: string): string => {
  const value = record[key];
  return typeof value === 'string' ? value : '';
};

const Rendered = ({ rendered }: { readonly rendered: Readonly<Record<string, unknown>> }) => {
  const t = useMessages(offersMessages);
  const block = (label: string, value: string, testId?: string) => (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Paper withBorder p="sm" bg="gray.0" data-testid={testId}>
        <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
          {value}
        </Text>
      </Paper>
    </div>
  );
  switch (rendered.type) {
    case 'sms':
      return block(t.content.text, text(rendered, 'text'), 'preview-text');
    case 'push':
      return (
        <Stack gap="xs">
          {block(t.content.titleField, text(rendered, 'title'), 'preview-title')}
          {block(t.content.text, text(rendered, 'body'), 'preview-text')}
        </Stack>
      );
    case 'email':
      return (
        <Stack gap="xs">
          {block(t.content.subject, text(rendered, 'subject'), 'preview-subject')}
          <div>
            <Text size="xs" c="dimmed">
              {t.content.html}
            </Text>
            {/* No scripts, no same origin: the HTML is only looked at. */}
            <Box
              component="iframe"
              title={t.content.html}
              sandbox=""
              srcDoc={text(rendered, 'html')}
              w="100%"
              h={260}
              style={{
                border: '1px solid var(--mantine-color-gray-4)',
                borderRadius: 4,
                background: 'white',
              }}
            />
          </div>
          {block(t.content.fields.textAlt, text(rendered, 'text'), 'preview-text')}
        </Stack>
      );
    default:
      return (
        <div>
          <Text size="xs" c="dimmed">
            {t.content.payload}
          </Text>
          <Code block data-testid="preview-text">
            {JSON.stringify(rendered.payload ?? null, null, 2)}
          </Code>
        </div>
      );
  }
};

/** `/offers/content`: write a message per language and preview it, live, on a real customer. */
export const ContentEditor = () => {
  const t = useMessages(offersMessages);
  const issueText = useIssueText();
  const errorText = useErrorText();
  const workspace = useLoad(() => offerApi.workspace(), []);
  const offers = useLoad(() => offerApi.list(), []);
  const defaultLocale = workspace.status === 'ready' ? workspace.value.workspace.defaultLocale : null;

  const [channel, setChannel] = useState<DeliveryChannel>('sms');
  const [extraLocales, setExtraLocales] = useState<readonly string[]>([]);
  const [removed, setRemoved] = useState<readonly string[]>([]);
  const [drafts, setDrafts] = useState<Drafts>(STARTERS);
  const [activeLocale, setActiveLocale] = useState<string | null>('en');
  const [newLocale, setNewLocale] = useState('');
  const [newLocaleError, setNewLocaleError] = useState<string | null>(null);
  const [customerId, setCustomerId] = useState('');
  const [offerId, setOfferId] = useState<string | null>(null);
  const [previewLocale, setPreviewLocale] = useState<string | null>(null);

  const locales = useMemo(() => {
    const all = ['en', 'ru', ...(defaultLocale === null ? [] : [defaultLocale]), ...extraLocales];
    return [...new Set(all)].filter((locale) => !removed.includes(locale));
  }, [defaultLocale, extraLocales, removed]);
  const current =
    activeLocale !== null && locales.includes(activeLocale) ? activeLocale : (locales[0] ?? null);

  const built = useMemo(
    () => templateOf(channel, locales, drafts, t.form.ruleNotJson),
    [channel, locales, drafts, t],
  );
  const request = useMemo(
    () =>
      customerId.trim() === ''
        ? null
        : {
            content: built.template,
            customerId: customerId.trim(),
            ...(previewLocale === null ? {} : { locale: previewLocale }),
            ...(offerId === null ? {} : { offerId }),
          },
    [built, customerId, previewLocale, offerId],
  );
  const [debounced] = useDebouncedValue(request, 400);
  const [preview, setPreview] = useState<
    | { status: 'idle' }
    | { status: 'loading'; last: ContentPreview | null }
    | { status: 'ready'; value: ContentPreview }
    | { status: 'error'; error: unknown; issues: Issue[] }
  >({ status: 'idle' });

  useEffect(() => {
    if (debounced === null) {
      setPreview({ status: 'idle' });
      return;
    }
    let live = true;
    setPreview((before) => ({
      status: 'loading',
      last: before.status === 'ready' ? before.value : before.status === 'loading' ? before.last : null,
    }));
    offerApi.preview(debounced).then(
      (value) => {
        if (live) setPreview({ status: 'ready', value });
      },
      (error: unknown) => {
        if (live) setPreview({ status: 'error', error, issues: issuesOf(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [debounced]);

  const shown =
    preview.status === 'ready' ? preview.value : preview.status === 'loading' ? preview.last : null;
  const issues: Issue[] = [
    ...built.local,
    ...(preview.status === 'error' ? preview.issues : []),
    ...(shown?.issues ?? []),
  ];
  const fieldIssues = (locale: string, field: string) =>
    issues.filter((issue) => under(issue.path, fieldPath(locale, field)));
  const localeHasIssues = (locale: string) =>
    issues.some((issue) => under(issue.path, `content.locales.${locale}`));
  const customerIssue = issues.find((issue) => issue.path === 'customerId');
  const customerError =
    preview.status === 'error' && preview.error instanceof ApiError && preview.error.status === 404
      ? errorText(preview.error).text
      : customerIssue === undefined
        ? null
        : issueText(customerIssue);
  const generalIssues = issues.filter(
    (issue) =>
      !locales.some((locale) => under(issue.path, `content.locales.${locale}`)) &&
      issue.path !== 'customerId',
  );

  const setField = (locale: string, field: string, value: string) =>
    setDrafts((before) => ({
      ...before,
      [channel]: { ...before[channel], [locale]: { ...(before[channel][locale] ?? {}), [field]: value } },
    }));

  const addLocale = () => {
    const tag = newLocale.trim();
    if (!LOCALE_TAG.test(tag)) {
      setNewLocaleError(t.content.badLocale);
      return;
    }
    setNewLocaleError(null);
    setRemoved((before) => before.filter((locale) => locale !== tag));
    setExtraLocales((before) => (before.includes(tag) ? before : [...before, tag]));
    setActiveLocale(tag);
    setNewLocale('');
  };

  const fieldLabel = (field: string) =>
    channel === 'email' && field === 'text'
      ? t.content.fields.textAlt
      : field === 'subject'
        ? t.content.fields.subject
        : field === 'html'
          ? t.content.fields.html
          : field === 'title'
            ? t.content.fields.title
            : field === 'body'
              ? t.content.fields.body
              : field === 'payload'
                ? t.content.fields.payload
                : t.content.fields.text;

  const offerOptions =
    offers.status === 'ready'
      ? offers.value.map(({ offer }) => ({ value: offer.id, label: offer.name }))
      : [];

  return (
    <Stack>
      <Title order={3}>{t.content.title}</Title>
      <Text c="dimmed" size="sm">
        {t.content.intro}
      </Text>
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack>
            <div>
              <Text size="sm" fw={500} id="content-channel-label">
                {t.content.channel}
              </Text>
              <SegmentedControl
                aria-labelledby="content-channel-label"
                value={channel}
                onChange={(value) => {
                  if (isChannel(value)) setChannel(value);
                }}
                data={DELIVERY_CHANNELS.map((value) => ({ value, label: t.channels[value] }))}
              />
            </div>
            <Tabs value={current} onChange={setActiveLocale} keepMounted={false}>
              <Tabs.List aria-label={t.content.locales}>
                {locales.map((locale) => (
                  <Tabs.Tab
                    key={locale}
                    value={locale}
                    {...(localeHasIssues(locale)
                      ? {
                          color: 'red',
                          rightSection: (
                            <Badge color="red" size="xs" circle>
                              !
                            </Badge>
                          ),
                        }
                      : {})}
                  >
                    {locale}
                  </Tabs.Tab>
                ))}
              </Tabs.List>
              {locales.map((locale) => (
                <Tabs.Panel key={locale} value={locale} pt="sm">
                  <Stack gap="sm">
                    {FIELDS[channel].map((field) => {
                      const found = fieldIssues(locale, field);
                      const error =
                        found.length === 0
                          ? null
                          : found
                              .map((issue) =>
                                issue.path === fieldPath(locale, field)
                                  ? issueText(issue)
                                  : `${issue.path.slice(fieldPath(locale, field).length + 1)}: ${issueText(issue)}`,
                              )
                              .join('; ');
                      const common = {
                        label: `${fieldLabel(field)} (${locale})`,
                        value: drafts[channel][locale]?.[field] ?? '',
                        error,
                        onChange: (event: { currentTarget: { value: string } }) =>
                          setField(locale, field, event.currentTarget.value),
                      };
                      return SINGLE_LINE.has(field) ? (
                        <TextInput key={field} {...common} />
                      ) : (
                        <Textarea
                          key={field}
                          {...common}
                          autosize
                          minRows={field === 'text' && channel === 'sms' ? 4 : 3}
                          maxRows={14}
                          {...(field === 'payload' || field === 'html'
                            ? { styles: { input: { fontFamily: 'monospace' } } }
                            : {})}
                        />
                      );
                    })}
                    {locales.length > 1 && (
                      <Group justify="flex-end">
                        <Button
                          variant="subtle"
                          color="red"
                          size="xs"
                          onClick={() => {
                            setRemoved((before) => [...before, locale]);
                            setExtraLocales((before) => before.filter((tag) => tag !== locale));
                          }}
                        >
                          {t.content.removeLocale(locale)}
                        </Button>
                      </Group>
                    )}
                  </Stack>
                </Tabs.Panel>
              ))}
            </Tabs>
            <Text size="xs" c="dimmed">
              {t.content.variablesHelp}
            </Text>
            <details>
              <summary>
                <Text span size="sm">
                  {t.content.json}
                </Text>
              </summary>
              <Code block mt="xs" data-testid="content-json">
                {JSON.stringify(built.template, null, 2)}
              </Code>
            </details>
            <Group align="flex-end">
              <TextInput
                label={t.content.addLocaleLabel}
                placeholder={t.content.addLocaleHint}
                value={newLocale}
                onChange={(event) => setNewLocale(event.currentTarget.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') {
                    event.preventDefault();
                    addLocale();
                  }
                }}
                error={newLocaleError}
                w={200}
              />
              <Button variant="default" onClick={addLocale}>
                {t.content.addLocale}
              </Button>
            </Group>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Paper withBorder p="md" component="section" aria-label={t.content.preview}>
            <Stack>
              <Group justify="space-between">
                <Title order={4}>{t.content.preview}</Title>
                {preview.status === 'loading' && <Loader size="xs" aria-label={t.content.preview} />}
              </Group>
              <TextInput
                label={t.content.customerId}
                description={t.content.customerIdHint}
                value={customerId}
                onChange={(event) => setCustomerId(event.currentTarget.value)}
                error={customerError}
                autoComplete="off"
              />
              <Group grow align="flex-start">
                <Select
                  label={t.content.offer}
                  placeholder={t.content.offerPlaceholder}
                  data={offerOptions}
                  value={offerId}
                  onChange={setOfferId}
                  clearable
                  searchable
                />
                <Select
                  label={t.content.previewLocale}
                  placeholder={t.content.previewLocaleAuto}
                  data={locales}
                  value={previewLocale}
                  onChange={setPreviewLocale}
                  clearable
                />
              </Group>
              {preview.status === 'idle' && <Text c="dimmed">{t.content.previewEmpty}</Text>}
              {preview.status === 'error' && preview.issues.length === 0 && customerError === null && (
                <ErrorAlert error={preview.error} />
              )}
              {shown !== null && (
                <Stack gap="sm" data-testid="content-preview">
                  <Text size="sm" c="dimmed">
                    {t.content.previewFor(shown.customerId, shown.locale)}
                  </Text>
                  {shown.rendered === null ? (
                    <Alert color="yellow">{t.content.notRendered}</Alert>
                  ) : (
                    <Rendered rendered={shown.rendered} />
                  )}
                  {shown.sms !== null && <SmsFacts sms={shown.sms} />}
                  {shown.rendered !== null && (
                    <div>
                      <Title order={5}>{t.content.variables}</Title>
                      {shown.variables.length === 0 ? (
                        <Text size="sm" c="dimmed">
                          {t.content.noVariables}
                        </Text>
                      ) : (
                        <Table withTableBorder aria-label={t.content.variables}>
                          <Table.Thead>
                            <Table.Tr>
                              <Table.Th>{t.content.variable}</Table.Th>
                              <Table.Th>{t.content.value}</Table.Th>
                            </Table.Tr>
                          </Table.Thead>
                          <Table.Tbody>
                            {shown.variables.map((variable) => (
                              <Table.Tr key={variable.name}>
                                <Table.Td>
                                  <Code>{variable.name}</Code>
                                </Table.Td>
                                <Table.Td style={{ wordBreak: 'break-word' }}>
                                  {valueText(variable.value)}
                                </Table.Td>
                              </Table.Tr>
                            ))}
                          </Table.Tbody>
                        </Table>
                      )}
                    </div>
                  )}
                  <div>
                    <Title order={5}>{t.content.issues}</Title>
                    {issues.length === 0 ? (
                      <Text size="sm" c="green" data-testid="content-issues">
                        {t.content.noIssues}
                      </Text>
                    ) : (
                      <Stack gap={4} data-testid="content-issues">
                        {issues.map((issue) => (
                          <Text key={`${issue.path}:${issue.message}`} size="sm" c="red">
                            <Code>{issue.path}</Code> {issueText(issue)}
                          </Text>
                        ))}
                      </Stack>
                    )}
                  </div>
                </Stack>
              )}
              {shown === null && generalIssues.length > 0 && (
                <Stack gap={4}>
                  {generalIssues.map((issue) => (
                    <Text key={`${issue.path}:${issue.message}`} size="sm" c="red">
                      <Code>{issue.path}</Code> {issueText(issue)}
                    </Text>
                  ))}
                </Stack>
              )}
            </Stack>
          </Paper>
        </Grid.Col>
      </Grid>
    </Stack>
  );
};
