import {
  Anchor,
  Badge,
  Center,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { campaignsApi, resultsApi } from '@opencvm/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { call } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { resultsMessages } from '../../i18n/results-messages.ts';
import { RevenueShareReport } from './revenue-share-report.tsx';

/** Campaigns that can have run: the others have nothing to measure. */
const MEASURABLE = ['running', 'completed', 'stopped'];

interface Row {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly channel: string;
  readonly kpi: string;
  readonly runs: number;
  readonly lastRun: string | null;
}

const loadRows = async (): Promise<Row[]> => {
  const campaigns = await call(campaignsApi.list, { query: { limit: '1000' } });
  return Promise.all(
    campaigns.items
      .filter((item) => MEASURABLE.includes(item.campaign.status))
      .map(async ({ campaign }) => {
        const runs = await call(resultsApi.runs, { params: { id: campaign.id }, query: { limit: '1000' } });
        return {
          id: campaign.id,
          name: campaign.name,
          status: campaign.status,
          channel: campaign.channel,
          kpi: campaign.goal.kpi,
          runs: runs.items.length,
          lastRun: runs.items[0]?.startedAt ?? null,
        };
      }),
  );
};

type SortKey = 'name' | 'runs' | 'lastRun';

/** Every campaign that has run, newest run first, and the revenue-share report. */
export const ResultsListPage = () => {
  const t = useMessages(resultsMessages);
  const common = useMessages(commonMessages);
  const format = useFormat();
  const rows = useLoad(loadRows, []);
  const context = useLoad(() => call(resultsApi.context), []);
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({
    key: 'lastRun',
    descending: true,
  });

  const sorted =
    rows.status === 'ready'
      ? [...rows.value].sort((a, b) => {
          const order =
            sort.key === 'name'
              ? a.name.localeCompare(b.name)
              : sort.key === 'runs'
                ? a.runs - b.runs
                : (a.lastRun ?? '').localeCompare(b.lastRun ?? '');
          return sort.descending ? -order : order;
        })
      : [];
  const header = (key: SortKey, label: string) => (
    <Table.Th aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <UnstyledButton
        onClick={() => setSort({ key, descending: sort.key === key ? !sort.descending : key !== 'name' })}
        aria-label={t.sortBy(label)}
        fw={700}
        fz="sm"
      >
        {label} {sort.key === key ? (sort.descending ? '↓' : '↑') : ''}
      </UnstyledButton>
    </Table.Th>
  );

  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Title order={2}>{t.title}</Title>
        <Text c="dimmed" size="sm">
          {t.intro}
        </Text>
      </Stack>
      <Paper withBorder p="md" component="section" aria-label={t.campaignsTitle}>
        <Stack gap="sm">
          <Title order={3}>{t.campaignsTitle}</Title>
          {rows.status === 'loading' && (
            <Center p="md">
              <Loader aria-label={common.loading} />
            </Center>
          )}
          {rows.status === 'error' && <ErrorAlert error={rows.error} />}
          {rows.status === 'ready' && sorted.length === 0 && <Text c="dimmed">{t.noCampaigns}</Text>}
          {sorted.length > 0 && (
            <Table striped highlightOnHover withTableBorder data-testid="results-campaigns">
              <Table.Thead>
                <Table.Tr>
                  {header('name', t.campaign)}
                  <Table.Th>{t.status}</Table.Th>
                  <Table.Th>{t.channel}</Table.Th>
                  <Table.Th>{t.kpi}</Table.Th>
                  {header('runs', t.runs)}
                  {header('lastRun', t.lastRun)}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {sorted.map((row) => (
                  <Table.Tr key={row.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/results/${encodeURIComponent(row.id)}`}>
                        {row.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={row.status === 'running' ? 'teal' : 'gray'}>
                        {t.statuses[row.status] ?? row.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{row.channel}</Table.Td>
                    <Table.Td>{t.kpis[row.kpi] ?? row.kpi}</Table.Td>
                    <Table.Td>{format.integer(row.runs)}</Table.Td>
                    <Table.Td>{row.lastRun === null ? t.noRuns : format.dateTime(row.lastRun)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      </Paper>
      <Paper withBorder p="md" component="section" aria-label={t.revenueShareTitle}>
        <Stack gap="sm">
          <Title order={3}>{t.revenueShareTitle}</Title>
          {context.status === 'error' ? (
            <ErrorAlert error={context.error} />
          ) : context.status === 'loading' ? (
            <Loader size="sm" aria-label={common.loading} />
          ) : (
            <RevenueShareReport currency={context.value.currency} />
          )}
        </Stack>
      </Paper>
    </Stack>
  );
};
