import { Alert, Anchor, Badge, Loader, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { campaignsApi, resultsApi } from '@opencvm/core';
import { Link } from 'react-router';
import { call } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { homeMessages } from '../../i18n/home-messages.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { significanceColor, significanceOf, useResultFormat } from '../results/result-format.ts';
import type { MetricName, MetricResult } from '../results/results-api.ts';

const Figure = ({
  label,
  metric,
  result,
  currency,
  testId,
}: {
  readonly label: string;
  readonly metric: MetricName;
  readonly result: MetricResult | undefined;
  readonly currency: string;
  readonly testId: string;
}) => {
  const t = useMessages(homeMessages);
  const f = useResultFormat(currency);
  const significant = significanceOf(result?.test.pValue ?? null) === 'significant';
  return (
    <Paper withBorder p="md">
      <Text size="sm" c="dimmed">
        {label} ({t.vsUcg})
      </Text>
      <Text size="xl" fw={700} data-testid={testId}>
        {f.incremental(metric, result?.incremental.value ?? null)}
      </Text>
      {result !== undefined && (
        <>
          <Text size="xs" c="dimmed">
            {t.ci95(f.interval(result.incremental.ci, (n) => f.incremental(metric, n)))} ·{' '}
            {t.pValue(f.pValue(result.test.pValue))}
          </Text>
          <Badge mt={6} variant="light" color={significanceColor(result.test.pValue, result.test.lift)}>
            {significant ? t.significant : t.notSignificant}
          </Badge>
        </>
      )}
    </Paper>
  );
};

/** The whole programme against the universal control group over the period. */
export const ProgrammeSection = ({
  from,
  to,
  currency,
}: {
  readonly from: string;
  readonly to: string;
  readonly currency: string;
}) => {
  const t = useMessages(homeMessages);
  const common = useMessages(commonMessages);
  const f = useResultFormat(currency);
  const programme = useLoad(() => call(resultsApi.programme, { query: { from, to } }), [from, to]);
  const body = () => {
    if (programme.status === 'loading') return <Loader size="sm" aria-label={common.loading} />;
    if (programme.status === 'error') return <ErrorAlert error={programme.error} />;
    const { arms, metrics, comparison } = programme.value;
    const treated = arms.target;
    if (treated === undefined || treated.n === 0)
      return (
        <Alert color="blue">
          {t.noProgramme}{' '}
          <Anchor component={Link} to="/campaigns">
            {t.goToCampaigns}
          </Anchor>
        </Alert>
      );
    if (comparison !== 'ucg') return <Alert color="yellow">{t.noUcg}</Alert>;
    const ucg = arms.ucg;
    return (
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Figure
            label={t.incrementalRevenue}
            metric="revenue"
            result={metrics.revenue}
            currency={currency}
            testId="programme-incremental-revenue"
          />
          <Figure
            label={t.retained}
            metric="retention"
            result={metrics.retention}
            currency={currency}
            testId="programme-retained"
          />
          <Figure
            label={t.buyers}
            metric="conversion"
            result={metrics.conversion}
            currency={currency}
            testId="programme-buyers"
          />
        </SimpleGrid>
        <Table withTableBorder striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.groupColumn}</Table.Th>
              <Table.Th ta="right">{t.customers}</Table.Th>
              <Table.Th ta="right">{t.revenuePerCustomer}</Table.Th>
              <Table.Th ta="right">{t.activeRate}</Table.Th>
              <Table.Th ta="right">{t.buyerRate}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {[
              { name: t.programmeCustomers, arm: treated },
              { name: t.ucg, arm: ucg },
            ].map(({ name, arm }) => (
              <Table.Tr key={name}>
                <Table.Td>{name}</Table.Td>
                <Table.Td ta="right">{arm === undefined ? '—' : f.integer(arm.n)}</Table.Td>
                <Table.Td ta="right">{f.value('revenue', arm?.revenueMean ?? null)}</Table.Td>
                <Table.Td ta="right">
                  {f.value('retention', arm === undefined || arm.n === 0 ? null : arm.active / arm.n)}
                </Table.Td>
                <Table.Td ta="right">{f.value('conversion', arm?.conversionRate ?? null)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
    );
  };
  return (
    <Paper withBorder p="md" component="section" aria-label={t.programmeTitle}>
      <Stack gap="sm">
        <Title order={3}>{t.programmeTitle}</Title>
        <Text size="sm" c="dimmed">
          {t.programmeIntro}
        </Text>
        {body()}
      </Stack>
    </Paper>
  );
};

/** Campaigns running now, each linked to its results. */
export const RunningCampaigns = () => {
  const t = useMessages(homeMessages);
  const common = useMessages(commonMessages);
  const running = useLoad(() => call(campaignsApi.list, { query: { status: 'running', limit: '1000' } }), []);
  return (
    <Paper withBorder p="md" component="section" aria-label={t.runningTitle}>
      <Stack gap="sm">
        <Title order={3}>
          {t.runningTitle}
          {running.status === 'ready' && (
            <Badge ml="sm" variant="light" data-testid="running-count">
              {running.value.items.length}
            </Badge>
          )}
        </Title>
        {running.status === 'loading' && <Loader size="sm" aria-label={common.loading} />}
        {running.status === 'error' && <ErrorAlert error={running.error} />}
        {running.status === 'ready' && running.value.items.length === 0 && (
          <Text c="dimmed">
            {t.noRunning}{' '}
            <Anchor component={Link} to="/campaigns">
              {t.goToCampaigns}
            </Anchor>
          </Text>
        )}
        {running.status === 'ready' && running.value.items.length > 0 && (
          <Table withTableBorder striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t.campaign}</Table.Th>
                <Table.Th>{t.channel}</Table.Th>
                <Table.Th>{t.goal}</Table.Th>
                <Table.Th>{t.results}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {running.value.items.map(({ campaign }) => (
                <Table.Tr key={campaign.id}>
                  <Table.Td>{campaign.name}</Table.Td>
                  <Table.Td>{campaign.channel}</Table.Td>
                  <Table.Td>
                    {campaign.goal.kpi === 'conversion' ||
                    campaign.goal.kpi === 'revenue' ||
                    campaign.goal.kpi === 'retention'
                      ? t.kpis[campaign.goal.kpi]
                      : campaign.goal.kpi}{' '}
                    ({campaign.goal.eventType})
                  </Table.Td>
                  <Table.Td>
                    <Anchor
                      component={Link}
                      to={`/results/${encodeURIComponent(campaign.id)}`}
                      aria-label={t.openResults(campaign.name)}
                    >
                      {t.results}
                    </Anchor>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  );
};
