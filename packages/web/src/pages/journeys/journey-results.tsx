import { Alert, Group, Loader, Paper, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { JourneyNode } from '@opencvm/core';
import type { ReactNode } from 'react';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { useLoad } from '../../components/use-api.ts';
import { useFormat, useMessages } from '../../i18n/i18n.tsx';
import { journeyResultsMessages } from '../../i18n/journey-results-messages.ts';
import { resultsMessages } from '../../i18n/results-messages.ts';
import { LiftChart } from '../results/result-charts.tsx';
import { useResultFormat } from '../results/result-format.ts';
import { type Comparison, METRIC_NAMES } from '../results/results-api.ts';
import { SignificanceBadge } from '../results/significance-badge.tsx';
import { type JourneyResults, journeyApi, type StoredJourney } from './journey-api.ts';
import { useHandleName } from './journey-nodes.tsx';

const Block = ({ title, children }: { readonly title: string; readonly children: ReactNode }) => (
  <Paper withBorder p="md" component="section" aria-label={title}>
    <Stack gap="sm">
      <Title order={4}>{title}</Title>
      {children}
    </Stack>
  </Paper>
);

const stepName = (journey: StoredJourney, id: string): string => {
  const node = journey.nodes.find((candidate) => candidate.id === id);
  return node?.label === undefined ? id : `${node.label} (${id})`;
};

/** An outcome recorded at a node, as people read it: a way out by its name, anything else as written. */
const useOutcomeName = (journey: StoredJourney) => {
  const handleName = useHandleName();
  return (nodeId: string, outcome: string): string => {
    const node: JourneyNode | undefined = journey.nodes.find((candidate) => candidate.id === nodeId);
    const named = handleName(node, outcome);
    return named === outcome ? outcome : named;
  };
};

const Funnel = ({
  journey,
  funnel,
}: {
  readonly journey: StoredJourney;
  readonly funnel: JourneyResults['funnel'];
}) => {
  const t = useMessages(journeyResultsMessages);
  const f = useFormat();
  const outcomeName = useOutcomeName(journey);
  const left = Object.entries(funnel.left).filter(([, count]) => count > 0);
  return (
    <Block title={t.funnel}>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Paper withBorder p="sm" data-testid="journey-entered">
          <Text size="sm" c="dimmed">
            {t.entered}
          </Text>
          {(['treated', 'holdout', 'ucg'] as const).map((group) => (
            <Text key={group} size="sm">
              {t.groups[group]}: <b>{f.integer(funnel.entered[group])}</b>
            </Text>
          ))}
        </Paper>
        <Paper withBorder p="sm">
          <Text size="sm" c="dimmed">
            {t.active}
          </Text>
          <Text size="xl" fw={700} data-testid="journey-active">
            {f.integer(funnel.active)}
          </Text>
        </Paper>
        <Paper withBorder p="sm" data-testid="journey-left">
          <Text size="sm" c="dimmed">
            {t.left}
          </Text>
          {left.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t.noneLeft}
            </Text>
          ) : (
            left.map(([reason, count]) => (
              <Text key={reason} size="sm">
                {t.reasons[reason] ?? reason}: <b>{f.integer(count)}</b>
              </Text>
            ))
          )}
        </Paper>
      </SimpleGrid>
      <Table striped withTableBorder aria-label={t.steps}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.step}</Table.Th>
            <Table.Th ta="right">{t.reached}</Table.Th>
            <Table.Th ta="right">{t.here}</Table.Th>
            <Table.Th>{t.outcomes}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {funnel.nodes.map((node) => (
            <Table.Tr key={node.node} data-testid={`funnel-step-${node.node}`}>
              <Table.Td>{stepName(journey, node.node)}</Table.Td>
              <Table.Td ta="right">{f.integer(node.reached)}</Table.Td>
              <Table.Td ta="right">{f.integer(node.here)}</Table.Td>
              <Table.Td>
                {Object.entries(node.outcomes)
                  .map(([outcome, count]) => `${outcomeName(node.node, outcome)}: ${f.integer(count)}`)
                  .join(' · ')}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Block>
  );
};

/** Treated against holdout on every measure the comparison holds: both means, the lift, its interval. */
const ComparisonTable = ({
  comparison,
  kpi,
  currency,
  label,
}: {
  readonly comparison: Comparison;
  readonly kpi: JourneyResults['kpi'];
  readonly currency: string;
  readonly label: string;
}) => {
  const t = useMessages(journeyResultsMessages);
  const r = useMessages(resultsMessages);
  const f = useResultFormat(currency);
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table striped withTableBorder aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.metric}</Table.Th>
            <Table.Th ta="right">{t.treated}</Table.Th>
            <Table.Th ta="right">{t.holdout}</Table.Th>
            <Table.Th ta="right">{t.lift}</Table.Th>
            <Table.Th>{t.ci}</Table.Th>
            <Table.Th>{t.significance}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {METRIC_NAMES.map((metric) => {
            const test = comparison.metrics[metric]?.test;
            if (test === undefined) return null;
            return (
              <Table.Tr key={metric} fw={metric === kpi ? 600 : undefined} data-testid={`itt-${metric}`}>
                <Table.Td>{r.metrics[metric]}</Table.Td>
                <Table.Td ta="right">{f.value(metric, test.treatmentMean)}</Table.Td>
                <Table.Td ta="right">{f.value(metric, test.controlMean)}</Table.Td>
                <Table.Td ta="right">{f.lift(metric, test.lift)}</Table.Td>
                <Table.Td>{f.interval(test.ci, (n) => f.lift(metric, n))}</Table.Td>
                <Table.Td>
                  <SignificanceBadge pValue={test.pValue} lift={test.lift} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
};

const Breakdown = ({
  journey,
  results,
  byNode,
  onByNode,
  currency,
}: {
  readonly journey: StoredJourney;
  readonly results: JourneyResults;
  readonly byNode: string | null;
  readonly onByNode: (node: string | null) => void;
  readonly currency: string;
}) => {
  const t = useMessages(journeyResultsMessages);
  const r = useMessages(resultsMessages);
  const f = useResultFormat(currency);
  const outcomeName = useOutcomeName(journey);
  const choices = journey.nodes.filter((node) => node.type === 'split' || node.type === 'branch');
  if (choices.length === 0) return null;
  const metric = results.kpi;
  return (
    <Block title={t.byNode}>
      <Select
        label={t.step}
        placeholder={t.byNodeNone}
        w={320}
        value={byNode}
        clearable
        data={choices.map((node) => ({ value: node.id, label: stepName(journey, node.id) }))}
        onChange={onByNode}
      />
      {results.breakdown !== null &&
        (results.breakdown.slices.length === 0 ? (
          <Text c="dimmed">{t.noSlices}</Text>
        ) : (
          <Table striped withTableBorder aria-label={`${t.byNode} ${results.breakdown.node}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t.path}</Table.Th>
                <Table.Th ta="right">{t.sizes}</Table.Th>
                <Table.Th ta="right">{`${r.metrics[metric]}: ${t.treated}`}</Table.Th>
                <Table.Th ta="right">{t.lift}</Table.Th>
                <Table.Th>{t.ci}</Table.Th>
                <Table.Th>{t.significance}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {results.breakdown.slices.map((slice) => {
                const test = slice.metrics[metric]?.test;
                const name =
                  slice.value === null ? '—' : outcomeName(results.breakdown?.node ?? '', slice.value);
                return (
                  <Table.Tr key={slice.value ?? ''} data-testid={`slice-${slice.value ?? ''}`}>
                    <Table.Td>{name}</Table.Td>
                    <Table.Td ta="right">
                      {`${f.integer(slice.arms.target?.n ?? 0)} / ${f.integer(slice.arms.control?.n ?? 0)}`}
                    </Table.Td>
                    <Table.Td ta="right">{f.value(metric, test?.treatmentMean ?? null)}</Table.Td>
                    <Table.Td ta="right">{f.lift(metric, test?.lift ?? null)}</Table.Td>
                    <Table.Td>{f.interval(test?.ci ?? null, (n) => f.lift(metric, n))}</Table.Td>
                    <Table.Td>
                      <SignificanceBadge pValue={test?.pValue ?? null} lift={test?.lift ?? null} />
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        ))}
    </Block>
  );
};

/**
 * A running, stopped or completed journey's results: the funnel (entered by group, on the
 * journey, left by reason, each step), the intent-to-treat comparison of treated and holdout,
 * and the same per path taken at a split or branch. Reloads when `refresh` changes.
 */
export const JourneyResultsView = ({
  journey,
  currency,
  refresh,
  byNode,
  onByNode,
}: {
  readonly journey: StoredJourney;
  readonly currency: string;
  readonly refresh: number;
  readonly byNode: string | null;
  readonly onByNode: (node: string | null) => void;
}) => {
  const t = useMessages(journeyResultsMessages);
  const f = useResultFormat(currency);
  const loaded = useLoad(
    () => journeyApi.results(journey.id, byNode ?? undefined),
    [journey.id, refresh, byNode],
  );
  if (loaded.status === 'loading') return <Loader size="sm" aria-label={t.title} />;
  if (loaded.status === 'error') return <ErrorAlert error={loaded.error} />;
  const results = loaded.value;
  const treated = results.arms.target?.n ?? 0;
  return (
    <Stack data-testid="journey-results">
      <Group justify="space-between">
        <Title order={3}>{t.title}</Title>
        <Text size="sm" c="dimmed">
          {t.asOf(f.dateTime(results.asOf), results.attributionDays)}
        </Text>
      </Group>
      <Funnel journey={journey} funnel={results.funnel} />
      <Block title={t.itt}>
        <Text size="sm" c="dimmed">
          {t.ittHint}
        </Text>
        {treated === 0 ? (
          <Alert color="blue">{t.noEntries}</Alert>
        ) : (
          <>
            <ComparisonTable comparison={results} kpi={results.kpi} currency={currency} label={t.itt} />
            <LiftChart results={results} currency={currency} />
          </>
        )}
      </Block>
      <Breakdown
        journey={journey}
        results={results}
        byNode={byNode}
        onByNode={onByNode}
        currency={currency}
      />
    </Stack>
  );
};
