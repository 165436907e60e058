import { Alert, Badge, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { importApi } from '@opencvm/core';
import { call } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { homeMessages } from '../../i18n/home-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';

/** Data older than this is flagged: feeds are expected at least every other day. */
const STALE_AFTER_DAYS = 2;
const DAY_MS = 86_400_000;

/** When the last event happened and the last import finished, flagged when stale. */
export const FreshnessCard = () => {
  const t = useMessages(homeMessages);
  const common = useMessages(commonMessages);
  const format = useFormat();
  const summary = useLoad(() => call(importApi.summary), []);
  if (summary.status === 'loading') return <Loader size="sm" aria-label={common.loading} />;
  if (summary.status === 'error') return <ErrorAlert error={summary.error} />;
  const { lastEventAt, lastImportAt, customers, events } = summary.value;
  const now = Date.now();
  const ageDays = (at: string | null) => (at === null ? null : Math.floor((now - Date.parse(at)) / DAY_MS));
  const eventAge = ageDays(lastEventAt);
  const importAge = ageDays(lastImportAt);
  const ages = [eventAge, importAge].flatMap((age) => (age === null ? [] : [age]));
  const oldest = ages.length === 0 ? null : Math.max(...ages);
  const stale = oldest === null || oldest > STALE_AFTER_DAYS;
  const line = (label: string, at: string | null, age: number | null) => (
    <Group gap="xs">
      <Text size="sm" c="dimmed">
        {label}:
      </Text>
      <Text size="sm" fw={600} c={age === null || age > STALE_AFTER_DAYS ? 'orange.8' : 'dark'}>
        {at === null ? t.never : format.dateTime(at)}
      </Text>
    </Group>
  );
  return (
    <Paper withBorder p="md" component="section" aria-label={t.freshnessTitle}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3}>{t.freshnessTitle}</Title>
          <Badge color={stale ? 'orange' : 'teal'} variant="filled" data-testid="data-freshness">
            {stale ? t.stale : t.fresh}
          </Badge>
        </Group>
        {line(t.lastEvent, lastEventAt, eventAge)}
        {line(t.lastImport, lastImportAt, importAge)}
        <Text size="sm" c="dimmed">
          {t.counts(format.integer(customers), format.integer(events))}
        </Text>
        {oldest === null ? (
          <Alert color="orange">{t.noData}</Alert>
        ) : (
          stale && <Alert color="orange">{t.staleHint(oldest)}</Alert>
        )}
      </Stack>
    </Paper>
  );
};
