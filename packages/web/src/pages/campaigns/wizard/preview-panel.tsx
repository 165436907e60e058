import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  List,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { ErrorAlert, useIssueText } from '../../../components/error-alert.tsx';
import type { CampaignsMessages } from '../../../i18n/campaigns-messages.ts';
import { useFormat } from '../../../i18n/i18n.tsx';
import { type ContentPreview, campaignApi, issuesOf } from '../campaign-api.ts';
import { audienceOf, type CampaignForm, CONTENT_FIELDS, contentOf, messagesAt } from '../campaign-form.ts';
import { fieldLabels, warningsOf } from './content-labels.ts';

/** Renders the content for one customer of the audience, in one of the campaign's languages. */
export const PreviewPanel = ({ form, t }: { readonly form: CampaignForm; readonly t: CampaignsMessages }) => {
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
