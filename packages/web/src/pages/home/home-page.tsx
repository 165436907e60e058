import { Button, Group, Loader, SimpleGrid, Stack, Title } from '@mantine/core';
import { resultsApi } from '@opencvm/core';
import { type FormEvent, useState } from 'react';
import { call } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { homeMessages } from '../../i18n/home-messages.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { lastDays } from '../results/results-api.ts';
import { ContactPressureSection } from './contact-pressure-section.tsx';
import { FreshnessCard } from './freshness-card.tsx';
import { PeriodFields } from './period-fields.tsx';
import { ProgrammeSection, RunningCampaigns } from './programme-section.tsx';

/** The programme at a glance: its effect against the UCG, running campaigns, pressure, freshness. */
export const HomePage = () => {
  const t = useMessages(homeMessages);
  const common = useMessages(commonMessages);
  const [draft, setDraft] = useState(() => lastDays(90));
  const [period, setPeriod] = useState(draft);
  const context = useLoad(() => call(resultsApi.context), []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setPeriod(draft);
  };
  const reset = () => {
    const last = lastDays(90);
    setDraft(last);
    setPeriod(last);
  };
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <Title order={2}>{t.title}</Title>
        <Group component="form" onSubmit={submit} align="flex-end" aria-label={t.period}>
          <PeriodFields value={draft} onChange={setDraft} />
          <Button type="submit" variant="light">
            {t.apply}
          </Button>
          <Button variant="subtle" onClick={reset}>
            {t.last90}
          </Button>
        </Group>
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <FreshnessCard />
        <RunningCampaigns />
      </SimpleGrid>
      {context.status === 'loading' && <Loader size="sm" aria-label={common.loading} />}
      {context.status === 'error' && <ErrorAlert error={context.error} />}
      {context.status === 'ready' && (
        <ProgrammeSection from={period.from} to={period.to} currency={context.value.currency} />
      )}
      <ContactPressureSection from={period.from} to={period.to} />
    </Stack>
  );
};
