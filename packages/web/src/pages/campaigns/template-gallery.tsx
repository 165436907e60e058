import {
  Alert,
  Badge,
  Button,
  Card,
  Center,
  Group,
  List,
  Loader,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert, useIssueText } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { type CampaignsMessages, campaignsMessages } from '../../i18n/campaigns-messages.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useLocale, useMessages } from '../../i18n/i18n.tsx';
import { type CampaignTemplateEntry, campaignApi, issuesOf } from './campaign-api.ts';

/** The channels a scenario has content for (SMS and push). */
const TEMPLATE_CHANNELS = ['sms', 'push'] as const;

const localized = (text: Readonly<Record<string, string>>, locale: string): string =>
  text[locale] ?? text.en ?? Object.values(text)[0] ?? '';

/**
 * Who of the scenario's audience its offer is open to, counted once when the form opens: a
 * warning before the draft is made when nobody is. Silent when it cannot be counted (a scenario
 * that does not fit the workspace says why on its card).
 */
const TemplateReach = ({
  template,
  t,
}: {
  readonly template: CampaignTemplateEntry;
  readonly t: CampaignsMessages;
}) => {
  const format = useFormat();
  const { audience, eligibility } = template;
  const counted = useLoad(
    async () => (audience === null ? null : campaignApi.eligibleCount(audience, [eligibility])),
    [template.key],
  );
  if (counted.status !== 'ready' || counted.value === null) return null;
  return counted.value === 0 ? (
    <Alert color="orange" title={t.nobodyEligibleTitle} role="alert" data-testid="template-nobody-eligible">
      {t.templateNobody}
    </Alert>
  ) : (
    <Text size="sm" c="dimmed" data-testid="template-eligible-count">
      {t.templateEligible(format.integer(counted.value))}
    </Text>
  );
};

const FromTemplateForm = ({
  template,
  onClose,
}: {
  readonly template: CampaignTemplateEntry;
  readonly onClose: () => void;
}) => {
  const t = useMessages(campaignsMessages);
  const c = useMessages(commonMessages);
  const { locale } = useLocale();
  const navigate = useNavigate();
  const [id, setId] = useState(template.key.replaceAll(/[^a-z0-9_-]/g, '-'));
  const [channel, setChannel] = useState<string>('sms');
  const [language, setLanguage] = useState<string>(locale);
  const [validFrom, setValidFrom] = useState('');
  const [validTo, setValidTo] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const issues = issuesOf(error);
  const issueText = useIssueText();
  const fieldError = (path: string) =>
    issues
      .filter((issue) => issue.path === path)
      .map((issue) => issueText(issue))
      .join('; ') || null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await campaignApi.fromTemplate(template.key, {
        id: id.trim(),
        channel,
        locale: language,
        ...(validFrom === '' ? {} : { validFrom }),
        ...(validTo === '' ? {} : { validTo }),
      });
      navigate(`/campaigns/${created.campaign.campaign.id}/edit`, {
        state: created.offerCreated ? { offerCreated: template.offerId } : null,
      });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const known = new Set(['id', 'channel', 'locale', 'validFrom', 'validTo']);
  const otherIssues = issues.filter((issue) => !known.has(issue.path));

  return (
    <Stack component="form" onSubmit={submit}>
      {template.available && <TemplateReach template={template} t={t} />}
      <TextInput
        label={t.campaignId}
        description={t.campaignIdHint}
        value={id}
        onChange={(event) => setId(event.currentTarget.value)}
        required
        error={fieldError('id')}
        data-autofocus
      />
      <Select
        label={t.channel}
        data={TEMPLATE_CHANNELS.map((value) => ({ value, label: t.channels[value] }))}
        value={channel}
        onChange={(value) => setChannel(value ?? 'sms')}
        allowDeselect={false}
        error={fieldError('channel')}
      />
      <Select
        label={t.contentLanguage}
        data={[
          { value: 'en', label: c.languages.en },
          { value: 'ru', label: c.languages.ru },
        ]}
        value={language}
        onChange={(value) => setLanguage(value ?? 'en')}
        allowDeselect={false}
        error={fieldError('locale')}
      />
      <Group grow>
        <TextInput
          type="date"
          label={t.validFrom}
          description={t.validFromHint}
          value={validFrom}
          onChange={(event) => setValidFrom(event.currentTarget.value)}
          error={fieldError('validFrom')}
        />
        <TextInput
          type="date"
          label={t.validTo}
          value={validTo}
          onChange={(event) => setValidTo(event.currentTarget.value)}
          error={fieldError('validTo')}
        />
      </Group>
      {error !== null && (otherIssues.length > 0 || !(error instanceof ApiError) || issues.length === 0) && (
        <ErrorAlert error={error} />
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          {c.cancel}
        </Button>
        <Button type="submit" loading={busy}>
          {t.createDraft}
        </Button>
      </Group>
    </Stack>
  );
};

/** Ready scenarios, each saying whether it fits this workspace and, if not, what is missing. */
export const TemplateGallery = () => {
  const t = useMessages(campaignsMessages);
  const issueText = useIssueText();
  const c = useMessages(commonMessages);
  const { locale } = useLocale();
  const auth = useAuth();
  const loaded = useLoad(() => campaignApi.templates(), []);
  const [chosen, setChosen] = useState<CampaignTemplateEntry | null>(null);

  if (loaded.status === 'loading')
    return (
      <Center p="xl">
        <Loader aria-label={c.loading} />
      </Center>
    );
  if (loaded.status === 'error') return <ErrorAlert error={loaded.error} />;
  return (
    <Stack>
      <Text c="dimmed">{t.galleryIntro}</Text>
      <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }}>
        {loaded.value.map((template) => {
          const name = localized(template.name, locale);
          const uses = [
            [t.requiresAttributes, template.requires.customerAttributes],
            [t.requiresEvents, template.requires.eventTypes],
            [t.requiresFeatures, template.requires.features],
          ] as const;
          return (
            <Card key={template.key} withBorder padding="lg" component="article" aria-label={name}>
              <Stack gap="sm" h="100%">
                <Group justify="space-between" align="flex-start" wrap="nowrap">
                  <Title order={3} size="h4">
                    {name}
                  </Title>
                  <Badge
                    color={template.available ? 'green' : 'gray'}
                    variant="light"
                    style={{ flexShrink: 0 }}
                  >
                    {template.available ? t.fits : t.doesNotFit}
                  </Badge>
                </Group>
                <Text size="sm">{localized(template.description, locale)}</Text>
                <Text size="xs" c="dimmed">
                  {t.offer(template.offerId)}
                </Text>
                <Text size="xs" c="dimmed">
                  {t.requires}{' '}
                  {uses
                    .filter(([, names]) => names.length > 0)
                    .map(([label, names]) => `${label}: ${names.join(', ')}`)
                    .join('; ') || '—'}
                </Text>
                {!template.available && (
                  <Alert color="orange" title={t.whyNot} p="xs">
                    <List size="xs">
                      {template.issues.map((issue) => (
                        <List.Item key={`${issue.path}:${issue.message}`}>
                          <Text span ff="monospace" size="xs">
                            {issue.path}
                          </Text>
                          : {issueText(issue)}
                        </List.Item>
                      ))}
                    </List>
                  </Alert>
                )}
                {auth.can('campaigns.write') && (
                  <Group mt="auto">
                    <Button
                      disabled={!template.available}
                      onClick={() => setChosen(template)}
                      aria-label={`${t.useScenario}: ${name}`}
                    >
                      {t.useScenario}
                    </Button>
                  </Group>
                )}
              </Stack>
            </Card>
          );
        })}
      </SimpleGrid>
      <Modal
        opened={chosen !== null}
        onClose={() => setChosen(null)}
        title={chosen === null ? '' : t.fromTemplateTitle(localized(chosen.name, locale))}
        size="lg"
      >
        {chosen !== null && <FromTemplateForm template={chosen} onClose={() => setChosen(null)} />}
      </Modal>
    </Stack>
  );
};
