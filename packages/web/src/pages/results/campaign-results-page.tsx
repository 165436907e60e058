import {
  Alert,
  Anchor,
  Button,
  Center,
  Group,
  Loader,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { campaignsApi, resultsApi } from '@opencvm/core';
import type { ReactNode } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { call } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { commonMessages } from '../../i18n/common-messages.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { resultsMessages } from '../../i18n/results-messages.ts';
import { BreakdownView } from './breakdown-view.tsx';
import { CumulativeChart, LiftChart } from './result-charts.tsx';
import { significanceOf, useResultFormat } from './result-format.ts';
import { csvText, downloadFile, METRIC_NAMES, type MetricName } from './results-api.ts';
import { RunFunnelView } from './run-funnel-view.tsx';
import { SignificanceBadge } from './significance-badge.tsx';

const Section = ({ title, children }: { readonly title: string; readonly children: ReactNode }) => (
  <Paper withBorder p="md" component="section" aria-label={title}>
    <Stack gap="sm">
      <Title order={3}>{title}</Title>
      {children}
    </Stack>
  </Paper>
);

const Figure = ({
  label,
  value,
  detail,
  testId,
}: {
  readonly label: string;
  readonly value: string;
  readonly detail?: string;
  readonly testId?: string;
}) => (
  <Paper withBorder p="md">
    <Text size="sm" c="dimmed">
      {label}
    </Text>
    <Text size="xl" fw={700} data-testid={testId}>
      {value}
    </Text>
    {detail !== undefined && (
      <Text size="sm" c="dimmed">
        {detail}
      </Text>
    )}
  </Paper>
);

/** One campaign's results: the lift of its goal, every metric, charts, funnel, breakdowns. */
export const CampaignResultsPage = () => {
  const t = useMessages(resultsMessages);
  const common = useMessages(commonMessages);
  const campaignId = useParams().campaignId ?? '';
  const [search, setSearch] = useSearchParams();
  const runId = search.get('run') ?? '';
  const by = search.get('by') ?? '';
  const setParam = (name: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value === '') next.delete(name);
    else next.set(name, value);
    setSearch(next, { replace: true });
  };
  const runQuery = runId === '' ? {} : { run: runId };

  const context = useLoad(() => call(resultsApi.context), []);
  const campaigns = useLoad(() => call(campaignsApi.list, { query: { limit: '1000' } }), []);
  const runs = useLoad(
    () => call(resultsApi.runs, { params: { id: campaignId }, query: { limit: '1000' } }),
    [campaignId],
  );
  const results = useLoad(
    () => call(resultsApi.campaign, { params: { id: campaignId }, query: runQuery }),
    [campaignId, runId],
  );
  const daily = useLoad(
    () => call(resultsApi.daily, { params: { id: campaignId }, query: runQuery }),
    [campaignId, runId],
  );
  const currency = context.status === 'ready' ? context.value.currency : 'EUR';
  const f = useResultFormat(currency);

  const name =
    campaigns.status === 'ready'
      ? (campaigns.value.items.find((item) => item.campaign.id === campaignId)?.campaign.name ?? campaignId)
      : campaignId;

  const header = (
    <Stack gap="xs">
      <Anchor component={Link} to="/results" size="sm">
        ← {t.back}
      </Anchor>
      <Title order={2}>{name}</Title>
    </Stack>
  );
  if (results.status === 'loading' || runs.status === 'loading')
    return (
      <Stack>
        {header}
        <Center p="xl">
          <Loader aria-label={common.loading} />
        </Center>
      </Stack>
    );
  if (results.status === 'error')
    return (
      <Stack>
        {header}
        <ErrorAlert error={results.error} />
      </Stack>
    );
  if (runs.status === 'error')
    return (
      <Stack>
        {header}
        <ErrorAlert error={runs.error} />
      </Stack>
    );
  const value = results.value;
  const runList = runs.value.items;
  const shownRun = runList.find((run) => run.id === runId) ?? runList[0];
  const against = value.comparison;
  const target = value.arms.target;
  const comparisonArm = against === null ? undefined : value.arms[against];
  const kpi: MetricName = value.kpi;
  const main = value.metrics[kpi];
  const revenue = value.metrics.revenue;
  const significance = significanceOf(main?.test.pValue ?? null);

  const exportCsv = () => {
    const rows: (string | number | null)[][] = [
      [
        'metric',
        'target_n',
        'comparison',
        'comparison_n',
        'target_value',
        'comparison_value',
        'lift',
        'lift_ci_low',
        'lift_ci_high',
        'relative_lift',
        'relative_ci_low',
        'relative_ci_high',
        'p_value',
        'incremental',
        'incremental_ci_low',
        'incremental_ci_high',
      ],
    ];
    for (const metric of METRIC_NAMES) {
      const result = value.metrics[metric];
      if (result === undefined) continue;
      const test = result.test;
      rows.push([
        metric,
        target?.n ?? null,
        against,
        comparisonArm?.n ?? null,
        test.treatmentMean,
        test.controlMean,
        test.lift,
        test.ci?.[0] ?? null,
        test.ci?.[1] ?? null,
        test.liftRelative,
        test.relativeCi?.[0] ?? null,
        test.relativeCi?.[1] ?? null,
        test.pValue,
        result.incremental.value,
        result.incremental.ci?.[0] ?? null,
        result.incremental.ci?.[1] ?? null,
      ]);
    }
    downloadFile(`results-${campaignId}${runId === '' ? '' : `-${runId}`}.csv`, csvText(rows));
  };

  return (
    <Stack gap="lg">
      {header}
      <Group align="flex-end" justify="space-between">
        <Select
          label={t.run}
          w={360}
          value={runId}
          onChange={(next) => setParam('run', next ?? '')}
          allowDeselect={false}
          data={[
            { value: '', label: t.allRuns },
            ...runList.map((run) => ({
              value: run.id,
              label: t.runLabel(f.dateTime(run.startedAt), t.statuses[run.status] ?? run.status),
            })),
          ]}
        />
        <Text size="sm" c="dimmed">
          {t.asOf(f.dateTime(value.asOf), value.attributionDays)}
        </Text>
      </Group>

      {value.warnings.map((warning) => (
        <Alert
          key={warning.type}
          color={warning.type === 'underpowered' ? 'yellow' : 'red'}
          title={t.warnings[warning.type]}
          role="alert"
          data-testid={`results-warning-${warning.type}`}
        >
          <Text size="sm">{t.warningText[warning.type]}</Text>
          <Text size="xs" c="dimmed" mt={4}>
            {warning.message}
          </Text>
        </Alert>
      ))}

      {target === undefined || target.n === 0 ? (
        <Alert color="blue">{t.noResults}</Alert>
      ) : (
        <>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
            <Paper withBorder p="md">
              <Text size="sm" c="dimmed">
                {t.mainLift(t.metrics[kpi])}
              </Text>
              <Text size="xl" fw={700} data-testid="results-lift">
                {main === undefined ? '—' : f.lift(kpi, main.test.lift)}
              </Text>
              <Text size="sm">
                {main === undefined ? '' : `${f.relative(main.test.liftRelative)} ${t.relative}`}
              </Text>
              <Text size="xs" c="dimmed">
                {main === undefined
                  ? ''
                  : `${t.ci95}: ${f.interval(main.test.ci, (n) => f.lift(kpi, n))} · ${t.pValue} ${f.pValue(main.test.pValue)}`}
              </Text>
              <Group mt="xs">
                <SignificanceBadge
                  pValue={main?.test.pValue ?? null}
                  lift={main?.test.lift ?? null}
                  testId="results-significance"
                />
              </Group>
            </Paper>
            <Figure
              label={t.sizes}
              value={`${f.integer(target.n)} / ${comparisonArm === undefined ? '—' : f.integer(comparisonArm.n)}`}
              detail={`${t.groups.target} / ${against === null ? '—' : t.groups[against]}`}
            />
            <Figure
              label={t.conversionRate}
              value={`${f.value('conversion', target.conversionRate)} / ${f.value('conversion', comparisonArm?.conversionRate ?? null)}`}
              detail={`${t.groups.target} / ${against === null ? '—' : t.groups[against]}`}
            />
            <Figure
              label={t.revenuePerCustomer}
              value={`${f.value('revenue', target.revenueMean)} / ${f.value('revenue', comparisonArm?.revenueMean ?? null)}`}
              detail={`${t.groups.target} / ${against === null ? '—' : t.groups[against]}`}
            />
          </SimpleGrid>
          {main !== undefined && (
            <Text size="sm">
              {t.significanceLong[significance]}{' '}
              {against !== null && `${t.targetVs(t.comparedWith[against])}.`}{' '}
              {`${t.incremental}: ${f.incremental(kpi, main.incremental.value)} ${t.incrementalOf[kpi]} (${t.ci95} ${f.interval(main.incremental.ci, (n) => f.incremental(kpi, n))})`}
              {kpi !== 'revenue' && revenue !== undefined
                ? `; ${f.incremental('revenue', revenue.incremental.value)} ${t.incrementalOf.revenue} (${t.ci95} ${f.interval(revenue.incremental.ci, (n) => f.incremental('revenue', n))}).`
                : '.'}
            </Text>
          )}

          <Section title={t.metricsTitle}>
            <Group justify="flex-end">
              <Button variant="light" onClick={exportCsv}>
                {t.exportCsv}
              </Button>
            </Group>
            <Table.ScrollContainer minWidth={1100}>
              <Table striped withTableBorder styles={{ td: { whiteSpace: 'nowrap' } }}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t.columns.metric}</Table.Th>
                    <Table.Th ta="right">{t.groups.target}</Table.Th>
                    <Table.Th ta="right">{against === null ? t.columns.against : t.groups[against]}</Table.Th>
                    <Table.Th ta="right">{t.columns.lift}</Table.Th>
                    <Table.Th>{t.columns.liftCi}</Table.Th>
                    <Table.Th ta="right">{t.columns.relative}</Table.Th>
                    <Table.Th ta="right">{t.columns.pValue}</Table.Th>
                    <Table.Th>{t.columns.significance}</Table.Th>
                    <Table.Th ta="right">{t.columns.incremental}</Table.Th>
                    <Table.Th>{t.columns.incrementalCi}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {METRIC_NAMES.map((metric) => {
                    const result = value.metrics[metric];
                    if (result === undefined) return null;
                    const test = result.test;
                    return (
                      <Table.Tr key={metric} fw={metric === kpi ? 600 : undefined}>
                        <Table.Td style={{ whiteSpace: 'normal' }}>{t.metrics[metric]}</Table.Td>
                        <Table.Td ta="right">{f.value(metric, test.treatmentMean)}</Table.Td>
                        <Table.Td ta="right">{f.value(metric, test.controlMean)}</Table.Td>
                        <Table.Td ta="right">{f.lift(metric, test.lift)}</Table.Td>
                        <Table.Td>{f.interval(test.ci, (n) => f.lift(metric, n))}</Table.Td>
                        <Table.Td ta="right">{f.relative(test.liftRelative)}</Table.Td>
                        <Table.Td ta="right">{f.pValue(test.pValue)}</Table.Td>
                        <Table.Td>
                          <SignificanceBadge pValue={test.pValue} lift={test.lift} />
                        </Table.Td>
                        <Table.Td ta="right">{f.incremental(metric, result.incremental.value)}</Table.Td>
                        <Table.Td>
                          {f.interval(result.incremental.ci, (n) => f.incremental(metric, n))}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Section>

          <Section title={t.liftChartTitle}>
            <LiftChart results={value} currency={currency} />
          </Section>

          <Section title={t.cumulativeTitle}>
            {daily.status === 'error' ? (
              <ErrorAlert error={daily.error} />
            ) : daily.status === 'loading' ? (
              <Loader size="sm" aria-label={common.loading} />
            ) : (
              <CumulativeChart
                daily={daily.value.items}
                results={value}
                currency={currency}
                since={runId === '' ? (runList.at(-1)?.startedAt ?? null) : (shownRun?.startedAt ?? null)}
              />
            )}
          </Section>
        </>
      )}

      <Section title={t.funnelTitle}>
        {shownRun === undefined ? <Text c="dimmed">{t.noFunnel}</Text> : <RunFunnelView run={shownRun} />}
      </Section>

      {target !== undefined && target.n > 0 && (
        <Section title={t.breakdownTitle}>
          {context.status === 'error' ? (
            <ErrorAlert error={context.error} />
          ) : (
            <BreakdownView
              campaignId={campaignId}
              runId={runId}
              by={by}
              onBy={(next) => setParam('by', next)}
              context={context.status === 'ready' ? context.value : null}
              kpi={kpi}
            />
          )}
        </Section>
      )}
    </Stack>
  );
};
