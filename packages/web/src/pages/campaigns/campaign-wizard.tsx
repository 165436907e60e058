import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Center,
  Code,
  Group,
  List,
  Loader,
  MultiSelect,
  NumberInput,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Stepper,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { DELIVERY_CHANNELS, type DeliveryChannel, GOAL_KPIS, PURPOSES, type RunFunnel } from '@opencvm/core';
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert, useIssueText } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { type CampaignsMessages, campaignsMessages } from '../../i18n/campaigns-messages.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import {
  type ContentPreview,
  campaignApi,
  issuesOf,
  type Plan,
  type SchemaView,
  type StoredCampaign,
  type StoredOffer,
} from './campaign-api.ts';
import {
  audienceOf,
  type CampaignForm,
  CONTENT_FIELDS,
  contentOf,
  definitionOf,
  emptyForm,
  formOf,
  type Issue,
  messagesAt,
  STEP_KEYS,
  stepOf,
} from './campaign-form.ts';
import { FunnelTable, StatusBadge, useScheduleText } from './campaign-parts.tsx';

type Update = <K extends keyof CampaignForm>(key: K, value: CampaignForm[K]) => void;

interface StepProps {
  readonly form: CampaignForm;
  readonly update: Update;
  readonly issues: readonly Issue[];
  readonly t: CampaignsMessages;
}

const fieldLabels = (t: CampaignsMessages, channel: DeliveryChannel, field: string): string => {
  if (channel === 'email')
    return field === 'subject' ? t.emailSubject : field === 'html' ? t.emailHtml : t.emailText;
  if (channel === 'push') return field === 'title' ? t.pushTitle : t.pushBody;
  if (channel === 'webhook') return t.webhookPayload;
  return t.smsText;
};

/** The warnings of a rendered message (an SMS longer than allowed), as text. */
const warningsOf = (rendered: Readonly<Record<string, unknown>> | null): string[] => {
  const warnings = rendered?.warnings;
  if (!Array.isArray(warnings)) return [];
  return warnings.flatMap((warning: unknown) =>
    typeof warning === 'object' &&
    warning !== null &&
    'message' in warning &&
    typeof warning.message === 'string'
      ? [warning.message]
      : [],
  );
};

// Step 1 ------------------------------------------------------------------------------------------

const AudienceStep = ({ form, update, issues, t, isNew }: StepProps & { readonly isNew: boolean }) => {
  const format = useFormat();
  const segments = useLoad(() => campaignApi.segments(), []);
  const [count, setCount] = useState<{ value: number | null; error: unknown; busy: boolean }>({
    value: null,
    error: null,
    busy: false,
  });
  const countAudience = async () => {
    const audience = audienceOf(form);
    if (audience === null) return;
    setCount({ value: null, error: null, busy: true });
    try {
      setCount({ value: await campaignApi.audienceCount(audience), error: null, busy: false });
    } catch (error) {
      setCount({ value: null, error, busy: false });
    }
  };
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <TextInput
          label={t.campaignId}
          description={t.campaignIdHint}
          value={form.id}
          onChange={(event) => update('id', event.currentTarget.value)}
          disabled={!isNew}
          required
          error={messagesAt(issues, 'id')}
        />
        <TextInput
          label={t.name}
          value={form.name}
          onChange={(event) => update('name', event.currentTarget.value)}
          required
          error={messagesAt(issues, 'name')}
        />
      </SimpleGrid>
      <Textarea
        label={t.description}
        value={form.description}
        onChange={(event) => update('description', event.currentTarget.value)}
        autosize
        minRows={2}
        error={messagesAt(issues, 'description')}
      />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Select
          label={t.purpose}
          description={t.purposeHint}
          data={PURPOSES.map((value) => ({ value, label: t.purposes[value] }))}
          value={form.purpose}
          onChange={(value) =>
            value !== null && update('purpose', value === 'service' ? 'service' : 'marketing')
          }
          allowDeselect={false}
          error={messagesAt(issues, 'purpose')}
        />
        <NumberInput
          label={t.priority}
          description={t.priorityHint}
          value={form.priority}
          onChange={(value) => update('priority', value)}
          min={0}
          max={1000}
          allowDecimal={false}
          error={messagesAt(issues, 'priority')}
        />
      </SimpleGrid>
      <Radio.Group
        label={t.audienceType}
        value={form.audienceType}
        onChange={(value) => update('audienceType', value === 'rule' ? 'rule' : 'segment')}
        error={
          issues.some((issue) => issue.path === 'audience' || issue.path === 'audience.type')
            ? messagesAt(
                issues.filter((issue) => issue.path === 'audience' || issue.path === 'audience.type'),
                'audience',
              )
            : null
        }
      >
        <Group mt="xs">
          <Radio value="segment" label={t.audienceSegment} />
          <Radio value="rule" label={t.audienceRule} />
        </Group>
      </Radio.Group>
      {form.audienceType === 'segment' ? (
        <Stack gap={4}>
          {segments.status === 'error' && <ErrorAlert error={segments.error} />}
          <Select
            label={t.segment}
            placeholder={t.segmentPlaceholder}
            data={
              segments.status === 'ready'
                ? segments.value.map((s) => ({ value: s.id, label: `${s.name} (${s.id})` }))
                : []
            }
            value={form.segment === '' ? null : form.segment}
            onChange={(value) => update('segment', value ?? '')}
            searchable
            nothingFoundMessage={t.noSegments}
            error={messagesAt(issues, 'audience.segment')}
            rightSection={segments.status === 'loading' ? <Loader size="xs" /> : undefined}
          />
          {segments.status === 'ready' && segments.value.length === 0 && (
            <Text size="sm" c="dimmed">
              {t.noSegments}
            </Text>
          )}
        </Stack>
      ) : (
        <Textarea
          label={t.rule}
          description={t.ruleHint}
          value={form.ruleText}
          onChange={(event) => update('ruleText', event.currentTarget.value)}
          autosize
          minRows={5}
          styles={{ input: { fontFamily: 'monospace' } }}
          error={messagesAt(issues, 'audience.rule')}
        />
      )}
      <Anchor component={Link} to="/segments" size="sm">
        {t.segmentBuilderLink} →
      </Anchor>
      <Group align="center">
        <Button
          variant="light"
          onClick={() => void countAudience()}
          loading={count.busy}
          disabled={audienceOf(form) === null}
        >
          {t.countAudience}
        </Button>
        {count.value !== null && (
          <Text>
            {t.audienceSize}: <b data-testid="audience-count">{format.integer(count.value)}</b>
          </Text>
        )}
      </Group>
      <ErrorAlert error={count.error} />
    </Stack>
  );
};

// Step 2 ------------------------------------------------------------------------------------------

/**
 * Who of the audience at least one chosen offer is open to, counted as the form changes: a
 * warning when nobody is, before the draft goes for approval. Silent while the audience or the
 * offers are not chosen yet, or cannot be counted (the step's own issues say why).
 */
const EligibleAudience = ({
  form,
  offers,
  t,
}: {
  readonly form: CampaignForm;
  readonly offers: readonly StoredOffer[];
  readonly t: CampaignsMessages;
}) => {
  const format = useFormat();
  const audience = audienceOf(form);
  const chosen = offers.filter(({ offer }) => form.offers.includes(offer.id));
  const key = JSON.stringify([audience, chosen.map(({ offer }) => offer.eligibility ?? null)]);
  const counted = useLoad(
    async () =>
      audience === null || chosen.length === 0
        ? null
        : campaignApi.eligibleCount(
            audience,
            chosen.map(({ offer }) => offer.eligibility ?? null),
          ),
    [key],
  );
  if (counted.status === 'loading')
    return audience === null || chosen.length === 0 ? null : (
      <Text size="sm" c="dimmed">
        {t.eligibleCounting}
      </Text>
    );
  if (counted.status === 'error' || counted.value === null) return null;
  return counted.value === 0 ? (
    <Alert color="orange" title={t.nobodyEligibleTitle} role="alert" data-testid="nobody-eligible">
      {t.nobodyEligible}
    </Alert>
  ) : (
    <Text size="sm" data-testid="eligible-count">
      {t.eligibleCount(format.integer(counted.value))}
    </Text>
  );
};

const OffersStep = ({ form, update, issues, t }: StepProps) => {
  const offers = useLoad(() => campaignApi.offers(), []);
  const format = useFormat();
  if (offers.status === 'loading') return <Loader />;
  if (offers.status === 'error') return <ErrorAlert error={offers.error} />;
  const list = offers.value;
  return (
    <Stack>
      {list.length === 0 ? (
        <Alert color="yellow">
          <Stack gap="xs">
            <Text size="sm">{t.noOffers}</Text>
            <Anchor component={Link} to="/offers" size="sm">
              {t.offersLink} →
            </Anchor>
          </Stack>
        </Alert>
      ) : (
        <MultiSelect
          label={t.offers}
          description={t.offersHint}
          data={list.map(({ offer }) => ({ value: offer.id, label: `${offer.name} (${offer.id})` }))}
          value={[...form.offers]}
          onChange={(value) => update('offers', value)}
          searchable
          error={messagesAt(issues, 'offers')}
        />
      )}
      {list.length > 0 && form.offers.length > 0 && (
        <Table withTableBorder striped aria-label={t.offers}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.columns.name}</Table.Th>
              <Table.Th>{t.columns.id}</Table.Th>
              <Table.Th>{t.columns.channel}</Table.Th>
              <Table.Th>{t.validFrom}</Table.Th>
              <Table.Th>{t.validTo}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list
              .filter(({ offer }) => form.offers.includes(offer.id))
              .map(({ offer }) => (
                <Table.Tr key={offer.id}>
                  <Table.Td>{offer.name}</Table.Td>
                  <Table.Td>
                    <Code>{offer.id}</Code>
                  </Table.Td>
                  <Table.Td>{offer.channels.join(', ')}</Table.Td>
                  <Table.Td>{format.date(offer.validFrom)}</Table.Td>
                  <Table.Td>{offer.validTo === undefined ? '—' : format.date(offer.validTo)}</Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
      )}
      <EligibleAudience form={form} offers={list} t={t} />
      <Anchor component={Link} to="/offers" size="sm">
        {t.offersLink} →
      </Anchor>
    </Stack>
  );
};

// Step 3 ------------------------------------------------------------------------------------------

const PreviewPanel = ({ form, t }: { readonly form: CampaignForm; readonly t: CampaignsMessages }) => {
  const format = useFormat();
  const issueText = useIssueText();
  const [customerId, setCustomerId] = useState('');
  const [locale, setLocale] = useState<string | null>(form.locales[0] ?? null);
  const [result, setResult] = useState<ContentPreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'pick' | 'preview' | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const pick = async () => {
    const audience = audienceOf(form);
    if (audience === null) return;
    setBusy('pick');
    setError(null);
    setNote(null);
    try {
      const id = await campaignApi.sampleCustomer(audience);
      if (id === null) setNote(t.noCustomerInAudience);
      else setCustomerId(id);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };
  const preview = async () => {
    setBusy('preview');
    setError(null);
    try {
      const { content } = contentOf(form);
      setResult(
        await campaignApi.preview({
          content,
          customerId: customerId.trim(),
          channel: form.channel,
          ...(locale === null ? {} : { locale }),
          ...(form.offers[0] === undefined ? {} : { offerId: form.offers[0] }),
        }),
      );
    } catch (caught) {
      setResult(null);
      setError(caught);
    } finally {
      setBusy(null);
    }
  };
  const previewIssues = issuesOf(error).map((issue) => ({ path: issue.path, message: issueText(issue) }));
  return (
    <Card withBorder>
      <Stack>
        <Title order={4}>{t.previewTitle}</Title>
        <Group align="flex-end">
          <TextInput
            label={t.previewCustomer}
            value={customerId}
            onChange={(event) => setCustomerId(event.currentTarget.value)}
            error={messagesAt(previewIssues, 'customerId')}
          />
          <Button
            variant="default"
            onClick={() => void pick()}
            loading={busy === 'pick'}
            disabled={audienceOf(form) === null}
          >
            {t.pickCustomer}
          </Button>
          <Select
            label={t.previewLocale}
            data={[...form.locales]}
            value={locale}
            onChange={setLocale}
            w={200}
          />
          <Button
            onClick={() => void preview()}
            loading={busy === 'preview'}
            disabled={customerId.trim() === ''}
          >
            {t.preview}
          </Button>
        </Group>
        {note !== null && <Text size="sm">{note}</Text>}
        <ErrorAlert error={error} />
        {result !== null && (
          <Stack gap="xs" data-testid="content-preview">
            {result.sms !== null && (
              <Badge size="lg" variant="light" tt="none" data-testid="sms-segments">
                {t.smsStats(
                  format.integer(result.sms.characters),
                  format.integer(result.sms.segments),
                  result.sms.encoding,
                  format.integer(result.sms.perSegment),
                )}
              </Badge>
            )}
            {result.rendered !== null && (
              <>
                <Text fw={600} size="sm">
                  {t.previewRendered} ({result.locale})
                </Text>
                {CONTENT_FIELDS[form.channel].map((key) => {
                  const value = result.rendered?.[key];
                  return (
                    <Stack key={key} gap={2}>
                      <Text size="xs" c="dimmed">
                        {fieldLabels(t, form.channel, key)}
                      </Text>
                      <Code block style={{ whiteSpace: 'pre-wrap' }}>
                        {typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
                      </Code>
                    </Stack>
                  );
                })}
                {warningsOf(result.rendered).map((warning) => (
                  <Alert key={warning} color="orange" p="xs">
                    {warning}
                  </Alert>
                ))}
              </>
            )}
            {result.issues.length > 0 && (
              <Alert color="orange" title={t.previewIssues}>
                <List size="sm">
                  {result.issues.map((issue) => (
                    <List.Item key={`${issue.path}:${issue.message}`}>
                      <Code>{issue.path}</Code> {issueText(issue)}
                    </List.Item>
                  ))}
                </List>
              </Alert>
            )}
            {result.variables.length > 0 && (
              <Text size="xs" c="dimmed">
                {t.variables}:{' '}
                {result.variables
                  .map((v) => `${v.name} = ${v.value === null ? '∅' : String(v.value)}`)
                  .join(', ')}
              </Text>
            )}
          </Stack>
        )}
      </Stack>
    </Card>
  );
};

const ContentStep = ({
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

// Step 4 ------------------------------------------------------------------------------------------

const ScheduleStep = ({
  form,
  update,
  issues,
  t,
  schema,
}: StepProps & { readonly schema: SchemaView | null }) => {
  const zone = schema?.workspace.timezone ?? '—';
  return (
    <Stack>
      <Radio.Group
        label={t.scheduleType}
        value={form.scheduleType}
        onChange={(value) => update('scheduleType', value === 'recurring' ? 'recurring' : 'once')}
        error={messagesAt(
          issues.filter((issue) => issue.path === 'schedule' || issue.path === 'schedule.type'),
          'schedule',
        )}
      >
        <Group mt="xs">
          <Radio value="once" label={t.scheduleOnceLabel} />
          <Radio value="recurring" label={t.scheduleRecurringLabel} />
        </Group>
      </Radio.Group>
      {form.scheduleType === 'once' ? (
        <TextInput
          type="datetime-local"
          label={t.at}
          description={t.atHint(zone)}
          value={form.at}
          onChange={(event) => update('at', event.currentTarget.value)}
          error={messagesAt(issues, 'schedule.at')}
          w={320}
        />
      ) : (
        <Stack gap="xs">
          <TextInput
            label={t.cron}
            description={t.cronHint(zone)}
            value={form.cron}
            onChange={(event) => update('cron', event.currentTarget.value)}
            error={messagesAt(issues, 'schedule.cron')}
            styles={{ input: { fontFamily: 'monospace' } }}
          />
          <Group gap="xs" role="group" aria-label={t.cronExamples}>
            <Text size="sm" c="dimmed">
              {t.cronExamples}:
            </Text>
            <Button size="xs" variant="default" onClick={() => update('cron', '0 10 * * *')}>
              {t.cronDaily}
            </Button>
            <Button size="xs" variant="default" onClick={() => update('cron', '0 11 * * MON')}>
              {t.cronWeekly}
            </Button>
            <Button size="xs" variant="default" onClick={() => update('cron', '0 12 1 * *')}>
              {t.cronMonthly}
            </Button>
          </Group>
        </Stack>
      )}
      <Alert color="gray" variant="light">
        {t.scheduleTriggerNote}
      </Alert>
      <NumberInput
        label={t.volumeCap}
        description={t.volumeCapHint}
        value={form.volumeCap}
        onChange={(value) => update('volumeCap', value)}
        min={1}
        allowDecimal={false}
        thousandSeparator=" "
        error={messagesAt(issues, 'volumeCap')}
        w={320}
      />
    </Stack>
  );
};

// Step 5 ------------------------------------------------------------------------------------------

const ControlStep = ({
  form,
  update,
  issues,
  t,
  schema,
  audienceSize,
  setAudienceSize,
}: StepProps & {
  readonly schema: SchemaView | null;
  readonly audienceSize: number | null;
  readonly setAudienceSize: (size: number) => void;
}) => {
  const auth = useAuth();
  const format = useFormat();
  const [baseRate, setBaseRate] = useState<number | string>(5);
  const [plan, setPlan] = useState<{ value: Plan | null; error: unknown }>({ value: null, error: null });
  const [counting, setCounting] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  const share = typeof form.controlShare === 'number' ? form.controlShare : Number(form.controlShare);
  const rate = typeof baseRate === 'number' ? baseRate : Number(baseRate);
  const mayPlan = auth.can('results.read');

  useEffect(() => {
    if (!mayPlan || audienceSize === null || !(share > 0) || !(rate > 0 && rate < 100)) {
      setPlan({ value: null, error: null });
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      campaignApi.plan({ baseRate: rate / 100, audience: audienceSize, controlShare: share }).then(
        (value) => current && setPlan({ value, error: null }),
        (error: unknown) => current && setPlan({ value: null, error }),
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [mayPlan, audienceSize, share, rate]);

  const count = async () => {
    const audience = audienceOf(form);
    if (audience === null) return;
    setCounting({ busy: true, error: null });
    try {
      setAudienceSize(await campaignApi.audienceCount(audience));
      setCounting({ busy: false, error: null });
    } catch (error) {
      setCounting({ busy: false, error });
    }
  };
  const lift = typeof form.expectedLift === 'number' ? form.expectedLift : Number(form.expectedLift);
  const events = schema === null ? [] : Object.keys(schema.events);
  const mde = plan.value?.mde ?? null;

  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <NumberInput
          label={t.controlShare}
          description={t.controlShareHint}
          value={form.controlShare}
          onChange={(value) => update('controlShare', value)}
          min={0}
          max={50}
          decimalScale={2}
          step={1}
          error={messagesAt(issues, 'controlShare')}
        />
        <NumberInput
          label={t.baseRate}
          description={t.baseRateHint}
          value={baseRate}
          onChange={setBaseRate}
          min={0.01}
          max={99}
          decimalScale={2}
        />
      </SimpleGrid>
      <Card withBorder bg="gray.0">
        <Stack gap="xs">
          <Title order={4}>{t.mdeTitle}</Title>
          {!mayPlan ? (
            <Text c="dimmed">{t.mdeNoPermission}</Text>
          ) : !(share > 0) ? (
            <Alert color="orange">{t.mdeNoControl}</Alert>
          ) : audienceSize === null ? (
            <Group>
              <Text c="dimmed">{t.mdeNeedsAudience}</Text>
              <Button variant="light" size="xs" onClick={() => void count()} loading={counting.busy}>
                {t.countAudience}
              </Button>
            </Group>
          ) : mde === null ? (
            plan.error === null ? (
              <Loader size="sm" />
            ) : (
              <ErrorAlert error={plan.error} />
            )
          ) : (
            <>
              <Text size="xl" fw={700} data-testid="mde">
                {t.mdeValue(format.decimal(mde.absolute * 100), format.percent(mde.relative))}
              </Text>
              <Text size="sm" c="dimmed">
                {t.mdeFor(format.integer(audienceSize), format.percent(share / 100))}
              </Text>
              {lift > 0 && lift / 100 < mde.relative && (
                <Alert color="orange">
                  {t.mdeTooSmall(format.percent(lift / 100), format.percent(mde.relative))}
                </Alert>
              )}
              <Group>
                <Button variant="subtle" size="xs" onClick={() => void count()} loading={counting.busy}>
                  {t.countAudience}
                </Button>
              </Group>
            </>
          )}
          <ErrorAlert error={counting.error} />
        </Stack>
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {events.length > 0 ? (
          <Select
            label={t.goalEvent}
            description={t.goalEventHint}
            data={events}
            value={form.goalEvent === '' ? null : form.goalEvent}
            onChange={(value) => update('goalEvent', value ?? '')}
            searchable
            error={
              messagesAt(issues, 'goal.eventType') ??
              messagesAt(
                issues.filter((i) => i.path.startsWith('goal.where')),
                'goal',
              )
            }
          />
        ) : (
          <TextInput
            label={t.goalEvent}
            description={t.goalEventHint}
            value={form.goalEvent}
            onChange={(event) => update('goalEvent', event.currentTarget.value)}
            error={messagesAt(issues, 'goal.eventType')}
          />
        )}
        <Select
          label={t.kpi}
          description={t.kpiRevenueNote}
          data={GOAL_KPIS.map((value) => ({ value, label: t.kpis[value] }))}
          value={form.kpi}
          onChange={(value) => {
            const kpi = GOAL_KPIS.find((k) => k === value);
            if (kpi !== undefined) update('kpi', kpi);
          }}
          allowDeselect={false}
          error={messagesAt(issues, 'goal.kpi')}
        />
        <NumberInput
          label={t.attributionDays}
          description={t.attributionHint}
          value={form.attributionDays}
          onChange={(value) => update('attributionDays', value)}
          min={1}
          max={90}
          allowDecimal={false}
          error={messagesAt(issues, 'goal.attributionDays')}
        />
        <NumberInput
          label={t.expectedLift}
          description={t.expectedLiftHint}
          value={form.expectedLift}
          onChange={(value) => update('expectedLift', value)}
          min={0}
          max={1000}
          decimalScale={2}
          error={messagesAt(issues, 'goal.expectedLiftPercent')}
        />
      </SimpleGrid>
      {messagesAt(
        issues.filter((i) => i.path === 'goal'),
        'goal',
      ) !== null && (
        <Text c="red" size="sm" role="alert">
          {messagesAt(
            issues.filter((i) => i.path === 'goal'),
            'goal',
          )}
        </Text>
      )}
    </Stack>
  );
};

// Step 6 ------------------------------------------------------------------------------------------

const PolicySummary = ({ t }: { readonly t: CampaignsMessages }) => {
  const format = useFormat();
  const policy = useLoad(() => campaignApi.contactPolicy(), []);
  if (policy.status === 'loading') return <Loader size="sm" />;
  if (policy.status === 'error') return <ErrorAlert error={policy.error} />;
  const { caps, quietHours } = policy.value.policy;
  const scopes = Object.entries(caps).filter(([, periods]) => periods !== undefined);
  const quiet = Object.entries(quietHours);
  const scopeLabel = (scope: string) =>
    scope === 'total'
      ? t.capTotal
      : scope === 'default'
        ? t.quietDefault
        : (new Map(Object.entries(t.channels)).get(scope) ?? scope);
  const sourceLabel =
    new Map(Object.entries(t.policySources)).get(policy.value.source) ?? policy.value.source;
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        {t.policySource(sourceLabel, format.integer(policy.value.version))}
      </Text>
      {scopes.length === 0 && quiet.length === 0 && <Text>{t.noPolicy}</Text>}
      {scopes.length > 0 && (
        <Table withTableBorder aria-label={t.capsTitle}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.capScope}</Table.Th>
              <Table.Th ta="right">{t.periods.day}</Table.Th>
              <Table.Th ta="right">{t.periods.week}</Table.Th>
              <Table.Th ta="right">{t.periods.month}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {scopes.map(([scope, periods]) => (
              <Table.Tr key={scope}>
                <Table.Td>{scopeLabel(scope)}</Table.Td>
                {(['day', 'week', 'month'] as const).map((period) => (
                  <Table.Td key={period} ta="right">
                    {periods?.[period] === undefined ? t.noCap : format.integer(periods[period])}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {quiet.length > 0 && (
        <>
          <Text fw={600} size="sm">
            {t.quietHoursTitle}
          </Text>
          {quiet.map(([scope, hours]) => (
            <Text key={scope} size="sm">
              {scopeLabel(scope)}:{' '}
              {hours === null || hours === undefined ? t.quietNone : t.quietRange(hours.from, hours.to)}
            </Text>
          ))}
        </>
      )}
    </Stack>
  );
};

const NobodyQueued = ({ t }: { readonly t: CampaignsMessages }) => (
  <Alert color="orange" title={t.nobodyQueuedTitle} role="alert" data-testid="nobody-queued">
    {t.nobodyQueued}
  </Alert>
);

/**
 * What the submit step checks before the draft goes for approval: whether anyone is eligible for
 * the offers, and a dry run of the saved draft (made here once when none was made yet), so that a
 * campaign that would reach nobody is told before approval, not after it.
 */
const SubmitChecks = ({
  form,
  t,
  saved,
  campaignId,
  funnel,
  setFunnel,
}: {
  readonly form: CampaignForm;
  readonly t: CampaignsMessages;
  readonly saved: boolean;
  readonly campaignId: string;
  readonly funnel: RunFunnel | null;
  readonly setFunnel: (funnel: RunFunnel | null) => void;
}) => {
  const offers = useLoad(() => campaignApi.offers(), []);
  const [error, setError] = useState<unknown>(null);
  const tried = useRef(false);
  useEffect(() => {
    if (!saved || funnel !== null || campaignId === '' || tried.current) return;
    tried.current = true;
    campaignApi.dryRun(campaignId).then(
      (run) => setFunnel(run.funnel),
      (caught: unknown) => setError(caught),
    );
  }, [saved, funnel, campaignId, setFunnel]);
  return (
    <Stack gap="xs">
      {offers.status === 'ready' && <EligibleAudience form={form} offers={offers.value} t={t} />}
      {funnel !== null && funnel.queued === 0 && <NobodyQueued t={t} />}
      <ErrorAlert error={error} />
    </Stack>
  );
};

const PolicyStep = ({
  t,
  saved,
  campaignId,
  funnel,
  setFunnel,
}: {
  readonly t: CampaignsMessages;
  readonly saved: boolean;
  readonly campaignId: string;
  readonly funnel: RunFunnel | null;
  readonly setFunnel: (funnel: RunFunnel | null) => void;
}) => {
  const auth = useAuth();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const dryRun = async () => {
    setBusy(true);
    setError(null);
    try {
      const run = await campaignApi.dryRun(campaignId);
      setFunnel(run.funnel);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack>
      <Card withBorder>
        <Stack>
          <Title order={4}>{t.policyTitle}</Title>
          {auth.can('settings.read') ? (
            <PolicySummary t={t} />
          ) : (
            <Text c="dimmed">{t.policyNoPermission}</Text>
          )}
        </Stack>
      </Card>
      <Card withBorder>
        <Stack>
          <Title order={4}>{t.dryRunTitle}</Title>
          <Text size="sm" c="dimmed">
            {t.dryRunHint}
          </Text>
          {!saved && <Alert color="yellow">{t.dryRunNeedsSave}</Alert>}
          <Group>
            <Button onClick={() => void dryRun()} loading={busy} disabled={!saved}>
              {t.dryRun}
            </Button>
          </Group>
          <ErrorAlert error={error} />
          {funnel !== null && funnel.queued === 0 && <NobodyQueued t={t} />}
          {funnel !== null && <FunnelTable funnel={funnel} />}
        </Stack>
      </Card>
    </Stack>
  );
};

// The wizard --------------------------------------------------------------------------------------

const IssueList = ({
  title,
  issues,
  color,
  t,
  goTo,
}: {
  readonly title: string;
  readonly issues: readonly Issue[];
  readonly color: string;
  readonly t: CampaignsMessages;
  readonly goTo: (step: number) => void;
}) => {
  const steps = [...new Set(issues.map((issue) => stepOf(issue.path)))].sort();
  return (
    <Alert color={color} title={title} role={color === 'red' ? 'alert' : 'status'}>
      <Stack gap="xs">
        <List size="sm">
          {issues.map((issue) => (
            <List.Item key={`${issue.path}:${issue.message}`}>
              <Code>{issue.path}</Code> {issue.message}
            </List.Item>
          ))}
        </List>
        <Group gap="xs">
          {steps.map((step) => {
            const key = STEP_KEYS[step] ?? 'audience';
            return (
              <Button key={step} size="xs" variant="light" color={color} onClick={() => goTo(step)}>
                {t.goToStep(t.steps[key])}
              </Button>
            );
          })}
        </Group>
      </Stack>
    </Alert>
  );
};

const Wizard = ({
  initial,
  initialStored,
  schema,
}: {
  readonly initial: CampaignForm;
  readonly initialStored: StoredCampaign | null;
  readonly schema: SchemaView | null;
}) => {
  const t = useMessages(campaignsMessages);
  const format = useFormat();
  const scheduleText = useScheduleText();
  const auth = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [form, setForm] = useState(initial);
  const [stored, setStored] = useState(initialStored);
  const [dirty, setDirty] = useState(initialStored === null);
  const [params] = useSearchParams();
  const [active, setActive] = useState(() => {
    const step = Number(params.get('step') ?? '0');
    return Number.isInteger(step) && step >= 0 && step < STEP_KEYS.length ? step : 0;
  });
  const [issues, setIssues] = useState<readonly Issue[]>([]);
  const issueText = useIssueText();
  /** The step the last save was tried from: issues up to it block, later ones are still to do. */
  const [savedFrom, setSavedFrom] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'save' | 'submit' | null>(null);
  const [audienceSize, setAudienceSize] = useState<number | null>(null);
  const [funnel, setFunnel] = useState<RunFunnel | null>(null);
  const offerCreated: unknown = location.state;
  const createdOffer =
    typeof offerCreated === 'object' &&
    offerCreated !== null &&
    'offerCreated' in offerCreated &&
    typeof offerCreated.offerCreated === 'string'
      ? offerCreated.offerCreated
      : null;

  const update: Update = (key, value) => {
    setForm((current) => ({ ...current, [key]: value }));
    setDirty(true);
  };
  const canWrite = auth.can('campaigns.write');
  const saved = stored !== null && !dirty;

  /** Saves the draft; answers the issues it met (none: saved). */
  const save = async (stepAfterCreate: number): Promise<readonly Issue[] | 'error'> => {
    const { definition, issues: local } = definitionOf(form, { notJson: t.ruleNotJson });
    setError(null);
    setSavedFrom(active);
    if (local.length > 0) {
      setIssues(local);
      return local;
    }
    setBusy('save');
    try {
      const next =
        stored === null
          ? await campaignApi.create(definition)
          : await campaignApi.update(stored.campaign.id, definition, stored.version);
      setStored(next);
      setDirty(false);
      setIssues([]);
      setFunnel(null);
      // The draft now has an address: the wizard reopens there, at the step the user is going to.
      if (stored === null)
        navigate(`/campaigns/${next.campaign.id}/edit?step=${stepAfterCreate}`, { replace: true });
      return [];
    } catch (caught) {
      // The steps show each issue at its field, already in the user's language.
      const found = issuesOf(caught).map((issue) => ({ path: issue.path, message: issueText(issue) }));
      if (caught instanceof ApiError && caught.code === 'invalid_body' && found.length > 0) {
        setIssues(found);
        return found;
      }
      setError(caught);
      return 'error';
    } finally {
      setBusy(null);
    }
  };

  const goNext = async () => {
    if (active >= 5 || !canWrite) {
      setActive((step) => Math.min(step + 1, STEP_KEYS.length - 1));
      return;
    }
    if (!dirty && stored !== null) {
      setActive(active + 1);
      return;
    }
    const found = await save(active + 1);
    if (found === 'error') return;
    if (found.every((issue) => stepOf(issue.path) > active)) setActive(active + 1);
  };

  const submit = async () => {
    if (stored === null) return;
    setBusy('submit');
    setError(null);
    try {
      const moved = await campaignApi.act(stored.campaign.id, 'submit', { version: stored.version });
      navigate(`/campaigns/${moved.campaign.id}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  const setFunnelAndSize = useCallback((next: RunFunnel | null) => {
    setFunnel(next);
    if (next !== null) setAudienceSize(next.audience);
  }, []);

  const earlier = issues.filter((issue) => stepOf(issue.path) <= savedFrom);
  const later = issues.filter((issue) => stepOf(issue.path) > savedFrom);
  const stepProps: StepProps = { form, update, issues, t };
  const stepHasIssues = (step: number) => issues.some((issue) => stepOf(issue.path) === step);
  const body: Record<(typeof STEP_KEYS)[number], ReactNode> = {
    audience: <AudienceStep {...stepProps} isNew={initialStored === null && stored === null} />,
    offers: <OffersStep {...stepProps} />,
    content: <ContentStep {...stepProps} defaultLocale={schema?.workspace.defaultLocale ?? 'en'} />,
    schedule: <ScheduleStep {...stepProps} schema={schema} />,
    control: (
      <ControlStep
        {...stepProps}
        schema={schema}
        audienceSize={audienceSize ?? funnel?.audience ?? null}
        setAudienceSize={setAudienceSize}
      />
    ),
    policy: (
      <PolicyStep
        t={t}
        saved={saved}
        campaignId={stored?.campaign.id ?? ''}
        funnel={funnel}
        setFunnel={setFunnelAndSize}
      />
    ),
    submit: (
      <Stack>
        {stored !== null && (
          <Table withTableBorder aria-label={t.definition} maw={720}>
            <Table.Tbody>
              {[
                [t.name, stored.campaign.name],
                [t.offersSummary, stored.campaign.offers.join(', ')],
                [t.columns.channel, t.channels[stored.campaign.channel]],
                [t.scheduleSummary, scheduleText(stored.campaign.schedule)],
                [t.controlSummary, format.percent(stored.campaign.controlShare / 100)],
                [t.goalSummary, `${t.kpis[stored.campaign.goal.kpi]}: ${stored.campaign.goal.eventType}`],
                ...(funnel === null
                  ? []
                  : [
                      [t.funnelAudience, format.integer(funnel.audience)],
                      [t.funnelQueued, format.integer(funnel.queued)],
                    ]),
              ].map(([label, value]) => (
                <Table.Tr key={label}>
                  <Table.Th w="40%" scope="row">
                    {label}
                  </Table.Th>
                  <Table.Td>{value}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Text>{t.submitHint}</Text>
        {!saved && <Alert color="yellow">{t.submitNeedsSave}</Alert>}
        {canWrite && (
          <SubmitChecks
            key={stored?.version ?? 0}
            form={form}
            t={t}
            saved={saved}
            campaignId={stored?.campaign.id ?? ''}
            funnel={funnel}
            setFunnel={setFunnelAndSize}
          />
        )}
        <Group>
          <Button onClick={() => void submit()} loading={busy === 'submit'} disabled={!saved || !canWrite}>
            {t.submit}
          </Button>
          {stored !== null && (
            <Anchor component={Link} to={`/campaigns/${stored.campaign.id}`}>
              {t.openCampaign}
            </Anchor>
          )}
        </Group>
      </Stack>
    ),
  };

  return (
    <Stack>
      <Anchor component={Link} to={stored === null ? '/campaigns' : `/campaigns/${stored.campaign.id}`}>
        ← {stored === null ? t.backToList : t.openCampaign}
      </Anchor>
      <Group justify="space-between">
        <Group gap="sm">
          <Title order={2}>{stored === null ? t.wizardNew : t.wizardEdit(stored.campaign.name)}</Title>
          {stored !== null && <StatusBadge status={stored.campaign.status} />}
        </Group>
        <Text size="sm" c={dirty ? 'orange.8' : 'dimmed'} data-testid="draft-state">
          {stored === null
            ? t.notSavedYet
            : dirty
              ? t.unsaved
              : t.savedVersion(format.integer(stored.version))}
        </Text>
      </Group>
      {createdOffer !== null && (
        <Alert
          color="blue"
          withCloseButton
          onClose={() => navigate(location.pathname, { replace: true, state: null })}
        >
          {t.offerCreatedNote(createdOffer)}
        </Alert>
      )}
      <Stepper active={active} onStepClick={setActive} size="sm" wrap>
        {STEP_KEYS.map((key, index) => (
          <Stepper.Step key={key} label={t.steps[key]} {...(stepHasIssues(index) ? { color: 'red' } : {})} />
        ))}
      </Stepper>
      <Card withBorder padding="lg">
        <Stack>
          <Title order={3}>{t.steps[STEP_KEYS[active] ?? 'audience']}</Title>
          {earlier.length > 0 && (
            <IssueList title={t.earlierStepIssues} issues={earlier} color="red" t={t} goTo={setActive} />
          )}
          {later.length > 0 && active < 5 && (
            <IssueList title={t.laterStepIssues} issues={later} color="blue" t={t} goTo={setActive} />
          )}
          {body[STEP_KEYS[active] ?? 'audience']}
        </Stack>
      </Card>
      {error instanceof ApiError && error.code === 'conflict' && error.reason === 'stale_version' ? (
        <Alert color="orange" role="alert">
          {t.conflict}
        </Alert>
      ) : (
        <ErrorAlert error={error} />
      )}
      <Group justify="space-between">
        <Button
          variant="default"
          onClick={() => setActive((step) => Math.max(step - 1, 0))}
          disabled={active === 0}
        >
          {t.back}
        </Button>
        <Group>
          {canWrite && (
            <Button
              variant="light"
              onClick={() => void save(active)}
              loading={busy === 'save'}
              disabled={!dirty && stored !== null}
            >
              {t.save}
            </Button>
          )}
          {active < STEP_KEYS.length - 1 && (
            <Button onClick={() => void goNext()} loading={busy === 'save'}>
              {dirty && canWrite && active < 5 ? t.saveAndNext : t.next}
            </Button>
          )}
        </Group>
      </Group>
    </Stack>
  );
};

/** The wizard for a new campaign (`/campaigns/new`) or a draft (`/campaigns/:id/edit`). */
export const CampaignWizard = () => {
  const t = useMessages(campaignsMessages);
  const c = useMessages(commonMessages);
  const { id } = useParams();
  const auth = useAuth();
  const loaded = useLoad(async () => {
    const [schema, stored] = await Promise.all([
      campaignApi.schema().catch(() => null),
      id === undefined ? Promise.resolve(null) : campaignApi.show(id),
    ]);
    return { schema, stored };
  }, [id]);

  if (!auth.can('campaigns.write')) return <Text>{c.notAllowed}</Text>;
  if (loaded.status === 'loading')
    return (
      <Center p="xl">
        <Loader aria-label={c.loading} />
      </Center>
    );
  if (loaded.status === 'error') return <ErrorAlert error={loaded.error} />;
  const { schema, stored } = loaded.value;
  if (stored !== null && stored.campaign.status !== 'draft')
    return (
      <Stack>
        <Alert color="yellow">{t.notDraft}</Alert>
        <Anchor component={Link} to={`/campaigns/${stored.campaign.id}`}>
          {t.openCampaign}
        </Anchor>
      </Stack>
    );
  const initial =
    stored === null
      ? emptyForm({
          defaultLocale: schema?.workspace.defaultLocale ?? 'en',
          goalEvent: Object.keys(schema?.events ?? {})[0] ?? '',
        })
      : formOf(stored.campaign);
  return (
    <Wizard key={stored?.campaign.id ?? 'new'} initial={initial} initialStored={stored} schema={schema} />
  );
};
